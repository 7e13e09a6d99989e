#!/usr/bin/env node
// Benchmark, tiered collectors: spans/s through one agent + two gateways (the tiered profile,
// otel-collector/tiered/) against the single collector (otel-collector/config.yaml), both private
// instances on free ports exporting to a private in-memory Jaeger (bench/fixtures/jaeger-memory.yaml),
// and the CPU each tier spends per span. Rising offered rates (bench/lib/otlp-blaster.mjs, traces of
// 5 spans, OTLP/HTTP); a step is sustained when the entry collector accepted >= 95 % of the offered
// rate, refused nothing, no exporter failed or overflowed, and every accepted span reached Jaeger
// within the drain bound. The gateways keep every trace (TAIL_SAMPLING_PERCENT=100) so both setups
// deliver the same spans; decision_wait is 2 s (TAIL_SAMPLING_DECISION_WAIT) to keep steps short.
// When the binaries are missing it says so and exits 0 (1 with --require).
//   node bench/tiered.mjs [--quick] [--no-record] [--require] [--json=FILE]
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { componentBinary, freePort, run, sleep, stackEnv, startAndWait, stopChild, waitFor, REPO } from '@crm/test-kit';
import { parseArgs } from './lib/args.mjs';
import { commandLine, header, publish, table } from './lib/report.mjs';
import { fixed } from './lib/stats.mjs';
import { collectorMetrics, missingComponents } from './lib/stack.mjs';

const args = parseArgs();
const env = stackEnv();
const STEP_S = args.quick ? 2 : 8;
const DRAIN_BOUND_S = 20; // decision_wait (2 s) + batching + export
const RATES = args.quick ? [1_000] : [5_000, 10_000, 15_000, 20_000, 30_000, 40_000];
const CONFIG = join(REPO, 'otel-collector', 'config.yaml');
const TIERED = join(REPO, 'otel-collector', 'tiered');

const missing = missingComponents(['collector', 'jaeger']);
if (missing.length) {
  console.log(`### Tiered collectors: NOT RUN (not installed: ${missing.join(', ')}; run npm run stack:install)`);
  process.exit(args.require ? 1 : 0);
}

async function startHealthy(bin, argv, extraEnv, healthPort, name) {
  const started = await startAndWait('bash', ['-c', 'echo started; exec "$0" "$@"', bin, ...argv], { env: { ...process.env, ...extraEnv }, ready: /^started$/, name });
  try {
    await waitFor(async () => (await fetch(`http://127.0.0.1:${healthPort}/${bin.endsWith('jaeger') ? 'status' : ''}`, { signal: AbortSignal.timeout(1000) })).ok,
      { what: name, timeoutMs: 30_000, intervalMs: 300, giveUp: () => (started.child.exitCode !== null ? 'exited' : undefined) });
  } catch (error) {
    await stopChild(started.child);
    throw new Error(`${name} did not become healthy: ${error.message}; ${started.stderr().trim().split('\n').slice(-3).join(' ')}`, { cause: error });
  }
  return started.child;
}

/** A private collector on free ports: config.yaml plus `overlay` (if any), extra env. */
async function startCollector(name, overlay, data, jaegerGrpc, extraEnv = {}) {
  const p = { grpc: await freePort(), http: await freePort(), health: await freePort(), telemetry: await freePort(), prom: await freePort() };
  const argv = ['--config', CONFIG, ...(overlay ? ['--config', join(TIERED, overlay)] : [])];
  const child = await startHealthy(componentBinary('collector'), argv, {
    COLLECTOR_OTLP_GRPC_PORT: String(p.grpc), COLLECTOR_OTLP_HTTP_PORT: String(p.http), COLLECTOR_HEALTH_PORT: String(p.health),
    COLLECTOR_TELEMETRY_PORT: String(p.telemetry), COLLECTOR_PROMETHEUS_EXPORTER_PORT: String(p.prom),
    JAEGER_HOST: '127.0.0.1', JAEGER_OTLP_GRPC_PORT: String(jaegerGrpc), CRM_STACK_DATA: data, COLLECTOR_LOG_LEVEL: 'warn',
    GATEWAY_NAME: name, TAIL_SAMPLING_PERCENT: '100', TAIL_SAMPLING_DECISION_WAIT: '2s', ...extraEnv,
  }, p.health, name);
  return { name, child, ...p };
}

/** Starts a setup: `entry` takes the load, `exporters` send to Jaeger, `tiers` group collectors for CPU. */
async function startSetup(kind) {
  const data = mkdtempSync(join(tmpdir(), `crm-bench-tiered-${kind}-`));
  const j = { grpc: await freePort(), health: await freePort(), telemetry: await freePort() };
  const jaeger = await startHealthy(componentBinary('jaeger'), ['--config', join(REPO, 'bench', 'fixtures', 'jaeger-memory.yaml')], {
    BENCH_JAEGER_OTLP_GRPC_PORT: String(j.grpc), BENCH_JAEGER_HEALTH_PORT: String(j.health), BENCH_JAEGER_TELEMETRY_PORT: String(j.telemetry),
  }, j.health, 'in-memory jaeger');
  const running = [];
  try {
    if (kind === 'single') {
      running.push(await startCollector('collector', undefined, data, j.grpc));
      return { kind, entry: running[0], exporters: running, tiers: { collector: running }, stop: () => stopAll(running, jaeger, data) };
    }
    const gateways = [];
    for (const name of ['gateway-1', 'gateway-2']) gateways.push(await startCollector(name, 'gateway.yaml', data, j.grpc));
    running.push(...gateways);
    const agent = await startCollector('agent', 'agent.yaml', data, j.grpc, {
      GATEWAY_1_ENDPOINT: `127.0.0.1:${gateways[0].grpc}`, GATEWAY_2_ENDPOINT: `127.0.0.1:${gateways[1].grpc}`,
    });
    running.push(agent);
    return { kind, entry: agent, exporters: gateways, tiers: { agent: [agent], gateways }, stop: () => stopAll(running, jaeger, data) };
  } catch (error) {
    await stopAll(running, jaeger, data);
    throw error;
  }
}

async function stopAll(collectors, jaeger, data) {
  for (const c of [...collectors].reverse()) await stopChild(c.child, 'SIGTERM');
  await stopChild(jaeger, 'SIGTERM');
  rmSync(data, { recursive: true, force: true });
}

async function sumOver(collectors, name, match = {}) {
  let s = 0;
  for (const c of collectors) s += (await collectorMetrics(c.telemetry)).sum(name, match);
  return s;
}

async function snapshot(setup) {
  const cpu = {};
  for (const [tier, cs] of Object.entries(setup.tiers)) cpu[tier] = await sumOver(cs, 'otelcol_process_cpu_seconds');
  const all = Object.values(setup.tiers).flat();
  return {
    accepted: await sumOver([setup.entry], 'otelcol_receiver_accepted_spans'),
    refused: await sumOver(all, 'otelcol_receiver_refused_spans'),
    failed: await sumOver(all, 'otelcol_exporter_send_failed_spans'),
    enqueueFailed: await sumOver(all, 'otelcol_exporter_enqueue_failed_spans'),
    delivered: await sumOver(setup.exporters, 'otelcol_exporter_sent_spans', { exporter: 'otlp/jaeger' }),
    cpu,
  };
}

async function step(setup, rate) {
  const before = await snapshot(setup);
  const out = await run(process.execPath, [join(REPO, 'bench', 'lib', 'otlp-blaster.mjs'), `http://127.0.0.1:${setup.entry.http}`, 'traces', String(rate), String(STEP_S)], { timeoutMs: (STEP_S + 60) * 1000 });
  const g = JSON.parse(out.trim().split('\n').pop());
  const drainStart = Date.now();
  let after = await snapshot(setup);
  while (after.delivered - before.delivered < after.accepted - before.accepted && Date.now() - drainStart < DRAIN_BOUND_S * 1000) {
    await sleep(500);
    after = await snapshot(setup);
  }
  const accepted = after.accepted - before.accepted;
  const r = {
    setup: setup.kind, rate, accepted, acceptedPerSecond: accepted / Math.max(STEP_S, g.seconds),
    refused: after.refused - before.refused, failed: after.failed - before.failed, enqueueFailed: after.enqueueFailed - before.enqueueFailed,
    undelivered: accepted - (after.delivered - before.delivered), generatorFailed: g.failed,
    // CPU seconds over the step and its drain, per accepted span, in microseconds
    cpuPerSpanUs: Object.fromEntries(Object.keys(after.cpu).map((t) => [t, accepted ? ((after.cpu[t] - before.cpu[t]) / accepted) * 1e6 : NaN])),
  };
  const reasons = [];
  if (r.refused) reasons.push(`${r.refused} refused`);
  if (r.failed) reasons.push(`${r.failed} send failed`);
  if (r.enqueueFailed) reasons.push(`${r.enqueueFailed} enqueue failed`);
  if (r.undelivered > 0) reasons.push(`${r.undelivered} not in Jaeger ${DRAIN_BOUND_S} s after the load`);
  if (r.generatorFailed) reasons.push(`${r.generatorFailed} answered with an error`);
  if (r.acceptedPerSecond < 0.95 * rate) reasons.push(`only ${fixed(r.acceptedPerSecond, 0)}/s accepted`);
  r.ok = reasons.length === 0;
  r.reasons = reasons;
  return r;
}

const results = [];
for (const kind of ['single', 'tiered']) {
  const setup = await startSetup(kind);
  try {
    for (const rate of RATES) {
      const r = await step(setup, rate);
      results.push(r);
      console.error(`[tiered bench] ${kind} ${rate}/s: ${r.ok ? 'sustained' : r.reasons.join('; ')}`);
      if (!r.ok) break;
    }
  } finally {
    await setup.stop();
  }
}

const best = (kind) => Math.max(0, ...results.filter((r) => r.setup === kind && r.ok).map((r) => r.acceptedPerSecond));
// every step sustained: the ceiling is above the ladder's top
const topped = (kind) => results.filter((r) => r.setup === kind).every((r) => r.ok);
const bestCell = (kind) => `${fixed(best(kind), 0)}${topped(kind) ? ' (every step passed: the ceiling is higher)' : ''}`;
const cpuCell = (r) => Object.entries(r.cpuPerSpanUs).map(([t, us]) => `${t} ${fixed(us, 1)}`).join(', ');
const section = [
  header('Tiered collectors', {
    command: commandLine(),
    extraVersions: { otelcol: `otelcol-crm ${env.OTELCOL_VERSION}`, jaeger: env.JAEGER_VERSION },
    notes: [
      `${args.quick ? 'QUICK setting: not a measurement. ' : ''}Rising offered rates, ${STEP_S} s each, bench/lib/otlp-blaster.mjs over OTLP/HTTP (traces of 5 spans); a ladder stops at its first step that is not sustained.`,
      'single: otelcol-crm with otel-collector/config.yaml. tiered: an agent (config.yaml + tiered/agent.yaml, load balancing by trace id) in front of two gateways (config.yaml + tiered/gateway.yaml: spanmetrics, tail sampling keeping 100 %, decision_wait 2 s). All private, on free ports, exporting to a private in-memory Jaeger.',
      `All processes share ${cpus().length} cores with the load generator: the tiered setup runs three collectors on them, so its ceiling here is a lower bound of what separate machines give; CPU per span (otelcol_process_cpu_seconds / accepted spans) is the figure that carries over.`,
    ],
  }),
  '',
  table(['Setup', 'Offered spans/s', 'Accepted /s', 'CPU per span, µs (by tier)', 'Sustained'],
    results.map((r) => [r.setup, r.rate, fixed(r.acceptedPerSecond, 0), cpuCell(r), r.ok ? 'sustained' : `NO: ${r.reasons.join('; ')}`])),
  '',
  table(['Result', 'Measured'], [
    ['single collector: highest sustained spans/s', bestCell('single')],
    ['agent + 2 gateways: highest sustained spans/s', bestCell('tiered')],
    ['tiered / single', best('single') ? fixed(best('tiered') / best('single'), 2) : 'n/a'],
  ]),
].join('\n');
publish(section, args, { kind: 'tiered', stepSeconds: STEP_S, results });
