// Where the instrumented variants send OTLP: the real collector of the local stack
// (started with stack/start.sh when it is installed but not running, and stopped
// again afterwards), or else a local sink (bench/lib/otlp-sink.mjs), said in the output.
import { join } from 'node:path';
import { startAndWait, stackEnv, stopChild, REPO } from '@crm/test-kit';
import { collectorMetrics, collectorUp, ensureStack, missingComponents } from './stack.mjs';

/**
 * `startStack: false` (the quick setting, start-up) uses the collector only if it is already running;
 * `sink: true` (--sink) always uses the local sink (A/B runs that must not depend on the stack).
 */
export async function otlpTarget({ startStack = true, sink: forceSink = false } = {}) {
  const env = stackEnv();
  const missing = missingComponents();
  let why = missing.length
    ? `the local stack is not installed (missing: ${missing.join(', ')}; \`npm run stack:install\`)`
    : 'the collector is not running and this benchmark does not start it (`npm run stack`)';
  if (forceSink) why = '--sink was given';
  else if ((await collectorUp()) || (missing.length === 0 && startStack)) {
    try {
      // quick: the running collector as it is; full: its backends too (started if down)
      const stack = startStack ? await ensureStack() : { started: [], stop: async () => {} };
      const port = env.COLLECTOR_OTLP_HTTP_PORT;
      return {
        kind: 'collector',
        endpoint: `http://127.0.0.1:${port}`,
        description:
          `the local stack's collector (otelcol-crm ${env.OTELCOL_VERSION}, otel-collector/config.yaml, exporting to Jaeger and OpenSearch on this machine) at http://127.0.0.1:${port}` +
          (stack.started.length ? ` (${stack.started.join(', ')} started for this benchmark)` : ''),
        /** Spans the collector accepted so far (its own :8888 metrics). */
        spans: async () => (await collectorMetrics()).sum('otelcol_receiver_accepted_spans'),
        close: stack.stop,
      };
    } catch (error) {
      why = `the local stack did not start (${error.message})`;
      console.error(`${why}; using a local OTLP sink instead`);
    }
  }
  const sink = await startAndWait(process.execPath, [join(REPO, 'bench', 'lib', 'otlp-sink.mjs')], {
    env: process.env,
    ready: /^SINK (\d+)$/,
    name: 'otlp-sink',
  });
  const sinkPort = sink.match[1];
  return {
    kind: 'sink',
    endpoint: `http://127.0.0.1:${sinkPort}`,
    description:
      `a LOCAL OTLP SINK (bench/lib/otlp-sink.mjs: decodes and counts, answers 200) at http://127.0.0.1:${sinkPort}, because ${why}`,
    spans: async () => (await (await fetch(`http://127.0.0.1:${sinkPort}/stats`)).json()).spans,
    close: () => stopChild(sink.child, 'SIGTERM'),
  };
}
