#!/usr/bin/env node
// Benchmark 4, collector: the highest sustained spans/s and log records/s that the
// local stack's collector (otelcol-crm with otel-collector/config.yaml: the full
// processor chain, persistent queues, exporting to Jaeger and OpenSearch on this
// machine) takes with nothing dropped. telemetrygen offers a rising rate over OTLP/gRPC;
// a step passes when, from the collector's own metrics on :8888:
//   otelcol_receiver_refused_*, otelcol_exporter_send_failed_*, otelcol_exporter_enqueue_failed_* did not move,
//   everything accepted was sent to the backends within the drain bound, and
//   the accepted rate reached 95 % of the offered rate.
// Generator, collector and backends share the machine's cores (said in the output).
// When the collector or a backend is not installed it says so and exits 0 (1 with --require).
//   node bench/collector.mjs [--quick] [--no-record] [--require] [--json=FILE]
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { parseArgs } from './lib/args.mjs';
import { header, publish, table, verdict, commandLine } from './lib/report.mjs';
import { fixed } from './lib/stats.mjs';
import { run, sleep } from './lib/proc.mjs';
import { stackEnv, collectorMetrics, collectorUp, ensureStack, missingComponents } from './lib/stack.mjs';
import { ensureTelemetrygen } from './lib/telemetrygen.mjs';

const args = parseArgs();
const env = stackEnv();
const stepSeconds = args.quick ? 2 : 8;
const DRAIN_BOUND_S = 10; // everything accepted must reach the backends this soon after the load stops
const WORKERS = 4;
const SIGNALS = {
  traces: {
    unit: 'spans',
    rates: args.quick ? [500] : [10_000, 20_000, 30_000, 40_000, 50_000, 60_000],
    exporters: (labels) => labels.includes('exporter="otlp/jaeger"'),
    // 1 root + 4 children per trace; telemetrygen's rate limit counts every span
    argv: (rate) => ['traces', '--child-spans', '4'],
    target: 20_000,
  },
  logs: {
    unit: 'log_records',
    rates: args.quick ? [500] : [2_000, 5_000, 10_000, 15_000, 20_000, 30_000],
    exporters: (labels) => labels.includes('exporter="opensearch/'),
    argv: () => ['logs', '--body', 'contact 42 updated by user 7'],
    target: undefined,
  },
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

const missing = missingComponents();
if (missing.length) notAvailable(`the local stack is not installed (missing: ${missing.join(', ')}); run \`npm run stack:install\``);
// the quick setting (smoke test) never starts the stack: it runs only against a running collector
if (args.quick && !(await collectorUp())) notAvailable('the collector is not running and the quick setting does not start it (`npm run stack`)');
const tg = ensureTelemetrygen({ install: !args.quick });
if ('error' in tg) notAvailable(`telemetrygen is not available: ${tg.error}`);

/** Busy and total jiffies of the whole machine (all cores), from /proc/stat. */
function machineCpu() {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const idle = f[3] + (f[4] ?? 0);
  const total = f.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

async function counters(signal) {
  const s = SIGNALS[signal];
  const m = await collectorMetrics();
  return {
    accepted: m.sum(`otelcol_receiver_accepted_${s.unit}`),
    refused: m.sum(`otelcol_receiver_refused_${s.unit}`),
    sent: m.sum(`otelcol_exporter_sent_${s.unit}`, s.exporters),
    failed: m.sum(`otelcol_exporter_send_failed_${s.unit}`, s.exporters),
    enqueueFailed: m.sum(`otelcol_exporter_enqueue_failed_${s.unit}`, s.exporters),
    queue: m.sum('otelcol_exporter_queue_size', s.exporters),
    cpuSeconds: m.sum('otelcol_process_cpu_seconds'),
  };
}

async function step(signal, rate) {
  const s = SIGNALS[signal];
  const before = await counters(signal);
  const cpu0 = machineCpu();
  const t0 = Date.now();
  const argv = [
    ...s.argv(rate),
    '--otlp-endpoint', `127.0.0.1:${env.COLLECTOR_OTLP_GRPC_PORT}`,
    '--otlp-insecure',
    '--workers', String(WORKERS),
    '--rate', String(rate / WORKERS),
    '--duration', `${stepSeconds}s`,
    '--service', 'bench-telemetrygen',
  ];
  let generatorError = '';
  await run(tg.path, argv, { timeoutMs: (stepSeconds + 60) * 1000 }).catch((e) => (generatorError = e.message.split('\n')[0]));
  const loadSeconds = (Date.now() - t0) / 1000;
  const cpu1 = machineCpu();
  const during = await counters(signal);
  // drain: wait until the backends have everything the receiver accepted
  const drainStart = Date.now();
  let after = during;
  while ((after.sent - before.sent < after.accepted - before.accepted || after.queue > 0) && Date.now() - drainStart < DRAIN_BOUND_S * 1000) {
    await sleep(500);
    after = await counters(signal);
  }
  const drainSeconds = (Date.now() - drainStart) / 1000;
  const accepted = after.accepted - before.accepted;
  const d = {
    rate,
    accepted,
    acceptedPerSecond: accepted / stepSeconds,
    refused: after.refused - before.refused,
    failed: after.failed - before.failed,
    enqueueFailed: after.enqueueFailed - before.enqueueFailed,
    undelivered: accepted - (after.sent - before.sent),
    drainSeconds,
    collectorCores: (during.cpuSeconds - before.cpuSeconds) / loadSeconds,
    machineBusy: (cpu1.busy - cpu0.busy) / (cpu1.total - cpu0.total),
    generatorError,
  };
  const reasons = [];
  if (d.refused) reasons.push(`${d.refused} refused`);
  if (d.failed) reasons.push(`${d.failed} send failed`);
  if (d.enqueueFailed) reasons.push(`${d.enqueueFailed} enqueue failed`);
  if (d.undelivered > 0) reasons.push(`${d.undelivered} not delivered ${DRAIN_BOUND_S} s after the load`);
  if (d.acceptedPerSecond < 0.95 * rate) reasons.push(`only ${fixed(d.acceptedPerSecond, 0)}/s accepted of ${rate}/s offered`);
  if (generatorError) reasons.push(`telemetrygen: ${generatorError}`);
  d.ok = reasons.length === 0;
  d.reasons = reasons;
  return d;
}

const stack = await ensureStack();
const results = { traces: [], logs: [] };
try {
  for (const signal of Object.keys(SIGNALS)) {
    for (const rate of SIGNALS[signal].rates) {
      if (!args.quick) process.stderr.write(`collector: ${signal} at ${rate}/s        \r`);
      let r;
      try {
        r = await step(signal, rate);
      } catch (error) {
        // e.g. the collector was stopped by someone else mid-run: say so instead of a stack trace
        const reason = `the collector stopped answering during this step (${error.cause?.code ?? error.message})`;
        console.error(reason);
        r = { rate, accepted: 0, acceptedPerSecond: 0, refused: 0, failed: 0, enqueueFailed: 0, undelivered: 0, drainSeconds: NaN, collectorCores: NaN, machineBusy: NaN, ok: false, reasons: [reason], broken: true };
      }
      results[signal].push(r);
      if (!r.ok) break;
      await sleep(1000);
    }
  }
} finally {
  await stack.stop();
}

const best = (signal) => results[signal].filter((r) => r.ok).reduce((m, r) => Math.max(m, r.acceptedPerSecond), 0);
const rows = [];
for (const [signal, list] of Object.entries(results)) {
  for (const r of list) {
    rows.push([
      signal === 'traces' ? 'spans' : 'log records',
      r.rate,
      fixed(r.acceptedPerSecond, 0),
      r.refused,
      r.failed,
      r.enqueueFailed,
      Math.max(0, r.undelivered),
      fixed(r.drainSeconds, 1),
      fixed(r.collectorCores, 2),
      `${fixed(r.machineBusy * 100, 0)} %`,
      r.ok ? 'sustained' : `NO: ${r.reasons.join('; ')}`,
    ]);
  }
}
const spans = best('traces');
const topped = (signal) => results[signal].length && results[signal].every((r) => r.ok);
const section = [
  header('Collector', {
    command: commandLine(),
    extraVersions: { otelcol: `otelcol-crm ${env.OTELCOL_VERSION}`, telemetrygen: tg.version + (tg.note ? ` (${tg.note})` : '') },
    notes: [
      `${args.quick ? 'QUICK setting: not a measurement. ' : ''}Rising offered rates, ${stepSeconds} s each, telemetrygen ${WORKERS} workers over OTLP/gRPC to 127.0.0.1:${env.COLLECTOR_OTLP_GRPC_PORT}; traces of 5 spans (1 root + 4 children); stops at the first step that is not sustained.`,
      `Collector: otel-collector/config.yaml unchanged (memory_limiter, resourcedetection, redaction, filter/healthchecks, batch; spanmetrics connector; routing connector for logs; persistent file_storage queues), exporting to Jaeger v2 and OpenSearch running on this machine${stack.started.length ? ` (${stack.started.join(', ')} started for this benchmark)` : ''}.`,
      `On ${cpus().length} cores shared by telemetrygen, the collector, Jaeger and OpenSearch: "collector cores" is the collector's own CPU (otelcol_process_cpu_seconds), "machine busy" all processes.`,
      `Nothing dropped = no change in otelcol_receiver_refused_*, otelcol_exporter_send_failed_*, otelcol_exporter_enqueue_failed_* and every accepted item sent by the exporters within ${DRAIN_BOUND_S} s of the load stopping; sustained also needs >= 95 % of the offered rate accepted.`,
    ],
  }),
  '',
  table(['Signal', 'Offered /s', 'Accepted /s', 'Refused', 'Send failed', 'Enqueue failed', 'Undelivered', 'Drain, s', 'Collector cores', 'Machine busy', 'Sustained'], rows),
  '',
  table(['Result', 'Measured', 'Target'], [
    ['highest sustained spans/s', `${fixed(spans, 0)}${topped('traces') ? ' (every step passed: the ceiling is higher)' : ''}`, `>= 20,000: ${args.quick ? 'n/a (quick setting)' : verdict(spans >= 20_000)}`],
    ['highest sustained log records/s', `${fixed(best('logs'), 0)}${topped('logs') ? ' (every step passed: the ceiling is higher)' : ''}`, 'reported'],
  ]),
].join('\n');

// a run the collector did not survive is not a measurement: printed, not recorded, exit 1
const broken = Object.values(results).flat().some((r) => r.broken);
publish(section, broken ? { ...args, record: false } : args, { kind: 'collector', stepSeconds, results });
if (broken) process.exit(1);
