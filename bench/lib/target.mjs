// Where the instrumented variants send OTLP: the real collector of the local stack
// when it answers, or else a local sink (bench/lib/otlp-sink.mjs), said in the output.
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { ROOT } from './report.mjs';
import { startAndWait, stop } from './proc.mjs';
import { stackEnv, collectorUp, collectorMetrics } from './stack.mjs';

export async function otlpTarget() {
  const env = stackEnv();
  const port = env.COLLECTOR_OTLP_HTTP_PORT;
  if (await collectorUp()) {
    return {
      kind: 'collector',
      endpoint: `http://127.0.0.1:${port}`,
      description: `the local stack's collector (otelcol-crm ${env.OTELCOL_VERSION}, otel-collector/config.yaml) at http://127.0.0.1:${port}`,
      /** Spans the collector accepted so far (its own :8888 metrics). */
      spans: async () => (await collectorMetrics()).sum('otelcol_receiver_accepted_spans'),
      close: async () => {},
    };
  }
  const sink = await startAndWait(process.execPath, [join(ROOT, 'bench', 'lib', 'otlp-sink.mjs')], {
    env: process.env,
    ready: /^SINK (\d+)$/,
    name: 'otlp-sink',
  });
  const sinkPort = sink.match[1];
  const installed = existsSync(join(env.CRM_STACK_HOME, 'bin', 'otelcol-crm'));
  return {
    kind: 'sink',
    endpoint: `http://127.0.0.1:${sinkPort}`,
    description:
      `a LOCAL OTLP SINK (bench/lib/otlp-sink.mjs, decodes and counts, answers 200) at http://127.0.0.1:${sinkPort}: ` +
      (installed ? 'the collector is installed but not running (start it with `npm run stack`)' : 'the local stack is not installed (`npm run stack:install`)'),
    spans: async () => (await (await fetch(`http://127.0.0.1:${sinkPort}/stats`)).json()).spans,
    close: () => stop(sink.child, 'SIGTERM'),
  };
}
