// @crm/test-kit: the helpers test/ and bench/ share, each in one place.
export { REPO, FIXTURES } from './repo.js';
export { stackEnv, stackPort, stackHome, componentBinary, healthUrl, type Component } from './stack.js';
export { freePort } from './ports.js';
export { waitFor, sleep, type WaitOptions } from './wait.js';
export { scrubbedEnv } from './env.js';
export { parsePrometheusText, scrape, total, metricsText, type Sample } from './prom-text.js';
export { OTLP_CODECS, isOtlpPath, type OtlpCodec, type OtlpPath } from './otlp-codec.js';
export { OtlpReceiver, type Attrs, type ReceivedSpan, type ReceivedLog, type ReceivedMetric } from './otlp-receiver.js';
export {
  startApp,
  startListening,
  fastExportEnv,
  startAndWait,
  stopChild,
  run,
  type AppProcess,
  type StartOptions,
  type ReadyProcess,
  type ReadyOptions,
  type RunOptions,
} from './child.js';
export { get, getJson } from './http.js';
