#!/usr/bin/env node
// Benchmark 4, collector: the highest sustained spans/s and log records/s that
// otelcol-crm with otel-collector/config.yaml (the full processor chain, persistent
// queues) takes with nothing dropped. A load generator offers rising rates: by default
// bench/lib/otlp-blaster.mjs (OTLP/HTTP, pre-encoded requests with fresh ids: cheap, so the
// 2 cores go to the collector), or telemetrygen over OTLP/gRPC (--generator=telemetrygen);
// a step passes when, from the collector's own metrics:
//   otelcol_receiver_refused_*, otelcol_exporter_send_failed_*, otelcol_exporter_enqueue_failed_* did not move,
//   everything accepted was sent by the exporters within the drain bound, and
//   the accepted rate reached 95 % of the offered rate.
// Two setups:
//   stack     the local stack's collector, exporting to its Jaeger (badger on disk) and
//             OpenSearch: spans and log records end to end (started if installed, not running)
//   isolated  a private otelcol-crm, same binary and config, on free ports, exporting
//             spans to a private in-memory Jaeger (bench/fixtures/jaeger-memory.yaml):
//             the collector's own ceiling, not the disk's
// Generator, collector and backends share the machine's cores (said in the output).
// When the binaries are missing it says so and exits 0 (1 with --require).
//   node bench/collector.mjs [--quick] [--no-record] [--require] [--setup=stack|isolated|both (default; quick: isolated)]
//                            [--generator=blaster|telemetrygen] [--json=FILE] [--baseline-config=REV]
// --baseline-config=REV: the isolated ladder once more, right after, with otel-collector/config.yaml
// as it was at git revision REV (same binary): a config change's cost in one run.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { componentBinary, freePort, run, sleep, stackEnv, startAndWait, stopChild, waitFor, REPO } from '@crm/test-kit';
import { parseArgs } from './lib/args.mjs';
import { header, publish, table, verdict, commandLine } from './lib/report.mjs';
import { fixed } from './lib/stats.mjs';
import { collectorMetrics, collectorUp, ensureStack, machineCpu, missingComponents } from './lib/stack.mjs';
import { ensureTelemetrygen } from './lib/telemetrygen.mjs';

const args = parseArgs();
const env = stackEnv();
// quick (smoke test): only the self-contained isolated setup, so it never waits on the shared stack
const setupArg = args.rest.find((a) => a.startsWith('--setup='))?.slice('--setup='.length) ?? (args.quick ? 'isolated' : 'both');
if (!['stack', 'isolated', 'both'].includes(setupArg)) {
  console.error(`--setup=${setupArg} is invalid: accepted stack, isolated or both`);
  process.exit(2);
}
const generator = args.rest.find((a) => a.startsWith('--generator='))?.slice('--generator='.length) ?? 'blaster';
if (!['blaster', 'telemetrygen'].includes(generator)) {
  console.error(`--generator=${generator} is invalid: accepted blaster or telemetrygen`);
  process.exit(2);
}
const baselineRev = args.rest.find((a) => a.startsWith('--baseline-config='))?.slice('--baseline-config='.length);
const stepSeconds = args.quick ? 2 : 8;
const DRAIN_BOUND_S = 10; // everything accepted must reach the backends this soon after the load stops
const BACKLOG_WAIT_S = args.quick ? 5 : 90; // before a signal: wait for earlier load to leave the queues
// telemetrygen paces each worker with a burst-1 rate limiter; timers on a busy machine fire
// late at sub-millisecond intervals, so each worker gets at most this many items per second
// (4 ms apart) and the worker count grows with the offered rate
const PER_WORKER_RATE = 250;
const workersFor = (rate) => Math.max(1, Math.ceil(rate / PER_WORKER_RATE));
const SIGNALS = {
  traces: {
    label: 'spans',
    unit: 'spans',
    dataType: 'traces',
    // 1 root + 4 children per trace; telemetrygen's rate limit counts every span
    argv: () => ['traces', '--child-spans', '4'],
  },
  logs: {
    label: 'log records',
    unit: 'log_records',
    dataType: 'logs',
    argv: () => ['logs', '--body', 'contact 42 updated by user 7'],
  },
};
const RATES = {
  stack: { traces: args.quick ? [500] : [1_000, 2_000, 3_000, 5_000, 10_000, 20_000], logs: args.quick ? [500] : [1_000, 2_000, 5_000, 10_000, 20_000] },
  isolated: { traces: args.quick ? [1_000] : [10_000, 20_000, 30_000, 40_000, 50_000, 60_000, 70_000, 80_000, 100_000] },
};

function notAvailable(reason) {
  const section = [
    `### Collector: NOT RUN ${new Date().toISOString().replace(/\.\d+Z$/, 'Z')}`,
    '',
    table(['Signal', 'Highest sustained rate', 'Result'], [
      ['spans/s', 'not measured', reason],
      ['log records/s', 'not measured', reason],
    ]),
  ].join('\n');
  console.log(`\n${section}\n`);
  console.error(`collector benchmark not run: ${reason}${args.require ? '' : ' (exit 0; --require makes this an error)'}`);
  process.exit(args.require ? 1 : 0);
}

const missingCollector = missingComponents(['collector', 'jaeger']);
if (missingCollector.length) notAvailable(`not installed: ${missingCollector.join(', ')}; run \`npm run stack:install\``);
const tg = generator === 'telemetrygen' ? ensureTelemetrygen({ install: !args.quick }) : { path: '', version: 'not used', note: '' };
if ('error' in tg) notAvailable(`telemetrygen is not available: ${tg.error}`);

async function counters(target, signal) {
  const s = SIGNALS[signal];
  const m = await collectorMetrics(target.telemetryPort);
  return {
    accepted: m.sum(`otelcol_receiver_accepted_${s.unit}`),
    refused: m.sum(`otelcol_receiver_refused_${s.unit}`),
    // every exporter of the signal (metric names are per signal; exporter names may change in config.yaml)
    sent: m.sum(`otelcol_exporter_sent_${s.unit}`),
    failed: m.sum(`otelcol_exporter_send_failed_${s.unit}`),
    enqueueFailed: m.sum(`otelcol_exporter_enqueue_failed_${s.unit}`),
    queue: m.sum('otelcol_exporter_queue_size', { data_type: s.dataType }),
    cpuSeconds: m.sum('otelcol_process_cpu_seconds'),
  };
}

/** Waits for the exporter queue to be empty; returns the batches still queued after the bound. */
async function waitForEmptyQueue(target, signal) {
  const deadline = Date.now() + BACKLOG_WAIT_S * 1000;
  let c = await counters(target, signal);
  while (c.queue > 0 && Date.now() < deadline) {
    await sleep(1000);
    c = await counters(target, signal);
  }
  return c.queue;
}

async function step(target, signal, rate) {
  const s = SIGNALS[signal];
  const before = await counters(target, signal);
  const cpu0 = machineCpu();
  const t0 = Date.now();
  const argv = [
    ...s.argv(),
    '--otlp-endpoint', `127.0.0.1:${target.grpcPort}`,
    '--otlp-insecure',
    '--workers', String(workersFor(rate)),
    '--rate', String(rate / workersFor(rate)),
    '--duration', `${stepSeconds}s`,
    '--service', 'bench-telemetrygen',
  ];
  let generatorError = '';
  let generatorFailed = 0;
  let generatorSeconds = stepSeconds; // the blaster reports how long it took to send its share
  if (generator === 'telemetrygen') {
    await run(tg.path, argv, { timeoutMs: (stepSeconds + 60) * 1000 }).catch((e) => (generatorError = e.message.split('\n')[0]));
  } else {
    const out = await run(process.execPath, [join(REPO, 'bench', 'lib', 'otlp-blaster.mjs'), `http://127.0.0.1:${target.httpPort}`, signal, String(rate), String(stepSeconds)], { timeoutMs: (stepSeconds + 60) * 1000 }).catch((e) => {
      generatorError = e.message.split('\n')[0];
      return '';
    });
    if (out) {
      const g = JSON.parse(out.trim().split('\n').pop());
      generatorFailed = g.failed;
      generatorSeconds = g.seconds;
      if (g.failed) generatorError = `${g.failed} items answered with an error (HTTP ${Object.keys(g.statusCodes).join(', ')})`;
    }
  }
  const loadSeconds = (Date.now() - t0) / 1000;
  const cpu1 = machineCpu();
  const during = await counters(target, signal);
  // drain: wait until the exporters have sent everything the receiver accepted
  const drainStart = Date.now();
  let after = during;
  while ((after.sent - before.sent < after.accepted - before.accepted || after.queue > 0) && Date.now() - drainStart < DRAIN_BOUND_S * 1000) {
    await sleep(500);
    after = await counters(target, signal);
  }
  const accepted = after.accepted - before.accepted;
  const d = {
    rate,
    accepted,
    // over the time the generator actually took: if it fell behind, the rate is lower than offered
    acceptedPerSecond: accepted / Math.max(stepSeconds, generatorSeconds),
    generatorSeconds,
    refused: after.refused - before.refused,
    failed: after.failed - before.failed,
    enqueueFailed: after.enqueueFailed - before.enqueueFailed,
    undelivered: accepted - (after.sent - before.sent),
    drainSeconds: (Date.now() - drainStart) / 1000,
    collectorCores: (during.cpuSeconds - before.cpuSeconds) / loadSeconds,
    machineBusy: (cpu1.busy - cpu0.busy) / (cpu1.total - cpu0.total),
    generatorError,
    generatorFailed,
  };
  const reasons = [];
  if (d.refused) reasons.push(`${d.refused} refused`);
  if (d.failed) reasons.push(`${d.failed} send failed`);
  if (d.enqueueFailed) reasons.push(`${d.enqueueFailed} enqueue failed`);
  if (d.undelivered > 0) reasons.push(`${d.undelivered} not sent ${DRAIN_BOUND_S} s after the load`);
  if (d.acceptedPerSecond < 0.95 * rate) reasons.push(`only ${fixed(d.acceptedPerSecond, 0)}/s accepted of ${rate}/s offered`);
  if (generatorError) reasons.push(`${generator}: ${generatorError}`);
  d.ok = reasons.length === 0;
  d.reasons = reasons;
  return d;
}

async function ladder(target, signal, rates, results, notes) {
  let backlog;
  try {
    backlog = await waitForEmptyQueue(target, signal);
  } catch (error) {
    const reason = `the collector stopped answering before the ${signal} steps (${error.cause?.code ?? error.message})`;
    console.error(reason);
    results.push({ setup: target.name, signal, rate: rates[0], accepted: 0, acceptedPerSecond: 0, refused: 0, failed: 0, enqueueFailed: 0, undelivered: 0, drainSeconds: NaN, collectorCores: NaN, machineBusy: NaN, ok: false, reasons: [reason], broken: true });
    return;
  }
  if (backlog > 0) notes.push(`${target.name}: ${backlog} ${signal} batches were still queued from earlier load after ${BACKLOG_WAIT_S} s; the ${signal} steps started anyway.`);
  for (const rate of rates) {
    if (!args.quick) process.stderr.write(`collector (${target.name}): ${signal} at ${rate}/s        \r`);
    let r;
    try {
      r = await step(target, signal, rate);
    } catch (error) {
      // e.g. the collector was stopped by someone else mid-run: say so instead of a stack trace
      const reason = `the collector stopped answering during this step (${error.cause?.code ?? error.message})`;
      console.error(reason);
      r = { rate, accepted: 0, acceptedPerSecond: 0, refused: 0, failed: 0, enqueueFailed: 0, undelivered: 0, drainSeconds: NaN, collectorCores: NaN, machineBusy: NaN, ok: false, reasons: [reason], broken: true };
    }
    results.push({ setup: target.name, signal, ...r });
    if (!r.ok) break;
    await sleep(1000);
  }
}

/** A private collector (config: a config.yaml) + in-memory Jaeger on free ports; stop() ends both and removes their data. */
async function startIsolated(name, config) {
  const p = {};
  for (const k of ['jGrpc', 'jHealth', 'jTelemetry', 'cGrpc', 'cHttp', 'cHealth', 'cTelemetry', 'cProm']) p[k] = await freePort();
  const data = mkdtempSync(join(tmpdir(), 'crm-bench-collector-'));
  const jaeger = await startHealthy(componentBinary('jaeger'), ['--config', join(REPO, 'bench', 'fixtures', 'jaeger-memory.yaml')], {
    BENCH_JAEGER_OTLP_GRPC_PORT: String(p.jGrpc), BENCH_JAEGER_HEALTH_PORT: String(p.jHealth), BENCH_JAEGER_TELEMETRY_PORT: String(p.jTelemetry),
  }, `http://127.0.0.1:${p.jHealth}/status`, 'in-memory jaeger');
  let collector;
  try {
    collector = await startHealthy(componentBinary('collector'), ['--config', config], {
      COLLECTOR_OTLP_GRPC_PORT: String(p.cGrpc), COLLECTOR_OTLP_HTTP_PORT: String(p.cHttp), COLLECTOR_HEALTH_PORT: String(p.cHealth),
      COLLECTOR_TELEMETRY_PORT: String(p.cTelemetry), COLLECTOR_PROMETHEUS_EXPORTER_PORT: String(p.cProm),
      JAEGER_HOST: '127.0.0.1', JAEGER_OTLP_GRPC_PORT: String(p.jGrpc), CRM_STACK_DATA: data, COLLECTOR_LOG_LEVEL: 'warn',
    }, `http://127.0.0.1:${p.cHealth}/`, 'private otelcol-crm');
  } catch (error) {
    await stopChild(jaeger, 'SIGTERM');
    throw error;
  }
  return {
    name,
    grpcPort: p.cGrpc,
    httpPort: p.cHttp,
    telemetryPort: p.cTelemetry,
    stop: async () => {
      await stopChild(collector, 'SIGTERM');
      await stopChild(jaeger, 'SIGTERM');
      rmSync(data, { recursive: true, force: true });
    },
  };
}

async function startHealthy(bin, argv, extraEnv, healthUrl, name) {
  const started = await startAndWait('bash', ['-c', 'echo started; exec "$0" "$@"', bin, ...argv], { env: { ...process.env, ...extraEnv }, ready: /^started$/, name });
  const child = started.child;
  const healthy = async () => {
    const r = await fetch(healthUrl, { signal: AbortSignal.timeout(1000) });
    await r.arrayBuffer();
    return r.ok;
  };
  try {
    await waitFor(healthy, { what: name, timeoutMs: 30_000, intervalMs: 300, giveUp: () => (child.exitCode !== null ? 'exited' : undefined) });
    return child;
  } catch {
    await stopChild(child);
    // the last error line says why (e.g. a component in config.yaml that the installed binary lacks)
    const lines = started.stderr().trim().split('\n');
    const at = lines.findLastIndex((l) => /error/i.test(l));
    const why = at >= 0 ? lines.slice(at, at + 3).join(' ').replace(/\s+/g, ' ').slice(0, 400) : '';
    throw new Error(`${name} did not become healthy at ${healthUrl}${why ? `: ${why}` : ''}`);
  }
}

const results = [];
const notes = [];
const setups = setupArg === 'both' ? ['stack', 'isolated'] : [setupArg];
/** Isolated setups: [name, config file]. */
const isolatedConfigs = [['isolated', join(REPO, 'otel-collector', 'config.yaml')]];
let baselineDir;
if (baselineRev && setups.includes('isolated')) {
  baselineDir = mkdtempSync(join(tmpdir(), 'crm-bench-config-'));
  const file = join(baselineDir, 'config.yaml');
  writeFileSync(file, execFileSync('git', ['show', `${baselineRev}:otel-collector/config.yaml`], { cwd: REPO, encoding: 'utf8' }));
  isolatedConfigs.push([`isolated, config.yaml at ${baselineRev}`, file]);
  notes.push(`"isolated, config.yaml at ${baselineRev}": the isolated ladder again right after, same binary, with otel-collector/config.yaml as it was at ${baselineRev}.`);
}
let stackStarted = [];
for (const setup of setups) {
  if (setup === 'stack') {
    const missing = missingComponents();
    if (missing.length) {
      notes.push(`stack setup not run: not installed: ${missing.join(', ')}.`);
      continue;
    }
    if (args.quick && !(await collectorUp())) {
      notes.push('stack setup not run: the collector is not running and the quick setting does not start it (`npm run stack`).');
      continue;
    }
    const stack = args.quick ? { started: [], stop: async () => {} } : await ensureStack();
    stackStarted = stack.started;
    const target = { name: 'stack', grpcPort: env.COLLECTOR_OTLP_GRPC_PORT, httpPort: env.COLLECTOR_OTLP_HTTP_PORT, telemetryPort: env.COLLECTOR_TELEMETRY_PORT };
    try {
      for (const signal of ['traces', 'logs']) await ladder(target, signal, RATES.stack[signal], results, notes);
    } finally {
      await stack.stop();
    }
  } else {
    for (const [name, config] of isolatedConfigs) {
      let target;
      try {
        target = await startIsolated(name, config);
      } catch (error) {
        notes.push(`${name} setup not run: ${error.message}.`);
        continue;
      }
      try {
        await ladder(target, 'traces', RATES.isolated.traces, results, notes);
      } finally {
        await target.stop();
      }
    }
  }
}
if (baselineDir) rmSync(baselineDir, { recursive: true, force: true });
if (results.length === 0) notAvailable(notes.join(' '));

const best = (setup, signal) => results.filter((r) => r.setup === setup && r.signal === signal && r.ok).reduce((m, r) => Math.max(m, r.acceptedPerSecond), 0);
const ran = (setup, signal) => results.some((r) => r.setup === setup && r.signal === signal);
const topped = (setup, signal) => ran(setup, signal) && results.filter((r) => r.setup === setup && r.signal === signal).every((r) => r.ok);
const rows = results.map((r) => [
  r.setup,
  SIGNALS[r.signal].label,
  r.rate,
  fixed(r.acceptedPerSecond, 0),
  r.refused,
  r.failed,
  r.enqueueFailed,
  Math.max(0, r.undelivered),
  fixed(r.drainSeconds, 1),
  fixed(r.collectorCores, 2),
  fixed((r.collectorCores * 1e6) / r.acceptedPerSecond, 1),
  `${fixed(r.machineBusy * 100, 0)} %`,
  r.ok ? 'sustained' : `NO: ${r.reasons.join('; ')}`,
]);
const resultRow = (setup, signal, target) => {
  if (!ran(setup, signal)) return [];
  const v = best(setup, signal);
  const label = `${setup}: highest sustained ${SIGNALS[signal].label}/s`;
  const measured = `${fixed(v, 0)}${topped(setup, signal) ? ' (every step passed: the ceiling is higher)' : ''}`;
  return [[label, measured, target === undefined ? 'reported' : `>= ${target.toLocaleString('en')}: ${args.quick ? 'n/a (quick setting)' : verdict(v >= target)}`]];
};
const section = [
  header('Collector', {
    command: commandLine(),
    extraVersions: { otelcol: `otelcol-crm ${env.OTELCOL_VERSION}`, jaeger: env.JAEGER_VERSION, ...(generator === 'telemetrygen' ? { telemetrygen: tg.version + (tg.note ? ` (${tg.note})` : '') } : {}) },
    notes: [
      `${args.quick ? 'QUICK setting: not a measurement. ' : ''}Rising offered rates, ${stepSeconds} s each, ${generator === 'blaster' ? 'bench/lib/otlp-blaster.mjs over OTLP/HTTP (protobuf requests of 100 items, encoded once, fresh trace/span ids per request, open-loop pacing)' : `telemetrygen over OTLP/gRPC with one worker per ${PER_WORKER_RATE} items/s offered`}; traces of 5 spans (1 root + 4 children); a ladder stops at its first step that is not sustained.`,
      `Both setups run otelcol-crm with otel-collector/config.yaml unchanged (memory_limiter, resourcedetection, redaction, filter/healthchecks, batch; spanmetrics connector; routing connector for logs; persistent file_storage queues). stack: the local stack's collector exporting to its Jaeger (badger on disk, \`consistency: true\`) and OpenSearch${stackStarted.length ? ` (${stackStarted.join(', ')} started for this benchmark)` : ''}. isolated: a private instance on free ports exporting spans to a private in-memory Jaeger (bench/fixtures/jaeger-memory.yaml).`,
      `On ${cpus().length} cores shared by the load generator, the collector and the backends: "collector cores" is the collector's own CPU (otelcol_process_cpu_seconds), "collector CPU µs/span" the same per accepted item, "machine busy" all processes.`,
      `Nothing dropped = no change in otelcol_receiver_refused_*, otelcol_exporter_send_failed_*, otelcol_exporter_enqueue_failed_* and every accepted item sent by the exporters within ${DRAIN_BOUND_S} s of the load stopping; sustained also needs >= 95 % of the offered rate accepted.`,
      ...notes,
    ],
  }),
  '',
  table(['Setup', 'Signal', 'Offered /s', 'Accepted /s', 'Refused', 'Send failed', 'Enqueue failed', 'Not sent', 'Drain, s', 'Collector cores', 'Collector CPU µs/span', 'Machine busy', 'Sustained'], rows),
  '',
  table(['Result', 'Measured', 'Target'], [
    ...resultRow('stack', 'traces', 20_000),
    ...resultRow('stack', 'logs'),
    ...isolatedConfigs.flatMap(([name]) => resultRow(name, 'traces', 20_000)),
  ]),
].join('\n');

// a run the collector did not survive is not a measurement: printed, not recorded, exit 1
const broken = results.some((r) => r.broken);
publish(section, broken ? { ...args, record: false } : args, { kind: 'collector', stepSeconds, results, notes });
if (broken) process.exit(1);
