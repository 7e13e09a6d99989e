// Transitional: moved to @crm/test-kit (see child.ts here); delete once test/compat imports the kit.
export { OtlpReceiver, type Attrs, type ReceivedSpan, type ReceivedLog, type ReceivedMetric } from '@crm/test-kit';
