// Issue 13: an event recorded from inside a warning sink or a log processor while another call is
// in progress (state of a call used to live in instance fields) leaves the outer call intact:
// its span event name, log record (event name, body, rejected fields) and metric series.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { context, trace } from '@opentelemetry/api';
import type { LogRecordProcessor, ReadWriteLogRecord } from '@opentelemetry/sdk-logs';
import { createBusinessEvents, type BusinessEvents } from '@crm/business-events';
import { useInMemorySdk } from '../support/sdk.ts';

/** Called by the log processor for each record emitted (set per test). */
let onRecord: (record: ReadWriteLogRecord) => void = () => {};
const hook: LogRecordProcessor = {
  onEmit: (record) => onRecord(record),
  forceFlush: async () => {},
  shutdown: async () => {},
};
const sdk = useInMemorySdk({ logProcessors: [hook] });
const { spans, records } = sdk;

function inSpan(fn: () => void) {
  const span = trace.getTracer('test').startSpan('handler');
  context.with(trace.setSpan(context.active(), span), fn);
  span.end();
  return spans.getFinishedSpans().at(-1)!;
}

test('an event recorded by the warning sink during a rejection leaves the outer call intact', async () => {
  let nested = 0;
  const ev: BusinessEvents = createBusinessEvents({
    env: {},
    onWarning: () => {
      nested++;
      ev.opportunityClosed({ id: 'O-9', outcome: 'lost', value: 10, currency: 'EUR' });
    },
  });
  const span = inSpan(() => ev.leadCreated({ id: 'L-1', source: 'halopsa', score: 500 }));
  assert.equal(nested, 1, 'the rejection of score warned once');
  assert.deepEqual(span.events.map((e) => e.name), ['crm.opportunity.closed', 'crm.lead.created']);
  assert.deepEqual(span.events[1]!.attributes, { 'crm.lead.id': 'L-1' });
  const [inner, outer] = records.getFinishedLogRecords();
  assert.equal(inner!.eventName, 'crm.opportunity.closed');
  assert.equal(inner!.attributes['crm.event.rejected_fields'], undefined, 'the inner call rejected nothing');
  assert.equal(outer!.eventName, 'crm.lead.created');
  assert.equal(outer!.body, 'Lead Created');
  assert.equal(outer!.severityText, 'INFO');
  assert.deepEqual(outer!.attributes['crm.event.rejected_fields'], ['score']);
  assert.equal(outer!.attributes['crm.lead.id'], 'L-1');
  assert.deepEqual(await sdk.series('leads_created_total'), [[{ source: 'halopsa', score_range: 'unknown' }, 1]]);
  assert.deepEqual(await sdk.series('business_events_rejected_total'), [[{ event: 'crm.lead.created', reason: 'out_of_range' }, 1]]);
  assert.deepEqual(await sdk.series('opportunities_closed_total'), [[{ outcome: 'lost', currency: 'EUR' }, 1]]);
});

test('an event recorded by a log processor while the outer record is emitted: both records whole', async (t) => {
  t.after(() => { onRecord = () => {}; });
  const ev = createBusinessEvents({ env: {}, onWarning: () => {} });
  onRecord = (record) => {
    if (record.eventName === 'crm.operation.failed') ev.leadConverted({ leadId: 'L-2', prospectId: 'P-2', source: 'apollo', extra: 1 } as never);
  };
  const span = inSpan(() => ev.operationFailed({ operation: 'lead_sync', error: new RangeError('x'), errorType: 17 as never }));
  assert.deepEqual(span.events.map((e) => e.name), ['crm.operation.failed', 'crm.lead.converted']);
  const byName = new Map(records.getFinishedLogRecords().map((r) => [r.eventName, r]));
  const failed = byName.get('crm.operation.failed')!;
  assert.equal(failed.severityText, 'ERROR');
  assert.equal(failed.body, 'Operation Failed');
  assert.deepEqual(failed.attributes['crm.event.rejected_fields'], ['errorType']);
  const converted = byName.get('crm.lead.converted')!;
  assert.equal(converted.body, 'Lead Converted to Prospect');
  assert.equal(converted.attributes['crm.event.rejected_fields'], undefined);
  assert.equal(converted.attributes['crm.lead.source'], 'apollo');
  assert.deepEqual((await sdk.series('business_operation_errors_total')).map(([attributes]) => attributes), [{ operation: 'lead_sync', error_type: 'RangeError' }]);
});
