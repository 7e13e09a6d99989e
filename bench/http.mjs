#!/usr/bin/env node
// Benchmark 2, HTTP: the same Express app bare, with @crm/otel-register and with the
// official auto-instrumentations-node register (100 % sampling, exporting over
// OTLP/HTTP to the local stack's collector, or to a local sink when the stack is
// not running: said in the output).
// Each round starts every variant in turn (order rotates) and runs, against it:
//   1. saturation: autocannon with C connections as fast as it goes -> throughput;
//   2. fixed rate: the same rate for every variant (half the slowest variant's
//      calibration throughput) -> p50/p99 latency without queueing effects.
// Load generator and server run on the same 2 cores, competing the same way for every variant.
//   node bench/http.mjs [--quick] [--no-record] [--runs=N] [--seconds=N] [--path=/api/...] [--sink] [--with='NAME=VALUE;...'] [--json=FILE]
import { join } from 'node:path';
import { getJson, run, sleep, startAndWait, stopChild, REPO } from '@crm/test-kit';
import { parseArgs } from './lib/args.mjs';
import { header, publish, table, verdict, commandLine } from './lib/report.mjs';
import { median, fixed, mib, min, max, spread } from './lib/stats.mjs';
import { APP, variants, childEnv } from './lib/variants.mjs';
import { otlpTarget } from './lib/target.mjs';

const args = parseArgs();
const rounds = args.runs ?? (args.quick ? 1 : 3);
const connections = 20;
const warmupSeconds = args.quick ? 0 : 2;
// --seconds=N: length of each measured phase (default 8; quick 1)
const secondsArg = args.rest.find((a) => a.startsWith('--seconds='))?.slice('--seconds='.length);
const phaseSeconds = secondsArg === undefined ? (args.quick ? 1 : 8) : Number(secondsArg);
if (!(phaseSeconds >= 1)) {
  console.error(`--seconds=${secondsArg} is invalid: accepted a number of seconds >= 1`);
  process.exit(2);
}
const saturationSeconds = phaseSeconds;
const rateSeconds = phaseSeconds;
const LOAD = join(REPO, 'bench', 'lib', 'load.mjs');
// --path=/api/contacts?limit=50 measures the heavier route instead of the default one
const PATH = args.rest.find((a) => a.startsWith('--path='))?.slice('--path='.length) ?? '/api/contacts/42';
if (!PATH.startsWith('/')) {
  console.error(`--path=${PATH} is invalid: accepted a path starting with / (e.g. /api/contacts?limit=50)`);
  process.exit(2);
}

async function load(base, seconds, warmup, rate) {
  const argv = [LOAD, `${base}${PATH}`, String(connections), String(warmup), String(seconds)];
  if (rate) argv.push(String(rate));
  const out = await run(process.execPath, argv, { cwd: REPO });
  return JSON.parse(out.trim().split('\n').pop());
}

/** Stops a variant: SIGTERM (the registers flush), SIGKILL if it is still up after 3 s. */
async function shutdown(child) {
  const exited = stopChild(child, 'SIGTERM');
  const t = await Promise.race([exited.then(() => 'exited'), sleep(3000).then(() => 'timeout')]);
  if (t === 'timeout') await stopChild(child, 'SIGKILL');
}

/** Spans the target has received; NaN (shown as n/a) if it stopped answering, e.g. the stack was stopped mid-run. */
async function spansSoFar(target) {
  try {
    return await target.spans();
  } catch {
    targetLost = true;
    return NaN;
  }
}
let targetLost = false;

async function session(variant, target, phases) {
  const started = await startAndWait(process.execPath, [...variant.nodeArgs, APP], {
    env: childEnv(variant, { PORT: '0' }),
    cwd: REPO,
    ready: /^LISTENING (\d+)$/,
    name: `app (${variant.name})`,
  });
  const base = `http://127.0.0.1:${started.match[1]}`;
  const spansBefore = await spansSoFar(target);
  const result = {};
  try {
    for (const phase of phases) {
      const before = await getJson(`${base}/bench/stats`);
      const r = await load(base, phase.seconds, phase.warmup, phase.rate);
      const after = await getJson(`${base}/bench/stats`);
      const cpu = after.cpuUserMicros + after.cpuSystemMicros - before.cpuUserMicros - before.cpuSystemMicros;
      result[phase.name] = { ...r, serverCpuMicrosPerRequest: r.requests ? cpu / r.requests : NaN };
    }
    const end = await getJson(`${base}/bench/stats`);
    result.maxRssBytes = end.maxRssBytes;
    result.memory = end; // heap breakdown, in the --json output
  } finally {
    await shutdown(started.child);
  }
  await sleep(300); // the last export lands
  result.spansExported = (await spansSoFar(target)) - spansBefore;
  return result;
}

const target = await otlpTarget({ startStack: !args.quick, sink: args.rest.includes('--sink') });
const list = variants(target.endpoint, args.with, args.preload);
const samples = Object.fromEntries(list.map((v) => [v.name, []]));
let rate;
try {
  // calibration (also the warm-up): a short saturation run per variant; the
  // fixed rate is half the slowest variant's throughput (quick: no calibration)
  const calibration = [];
  if (!args.quick) {
    for (const v of list) {
      const r = await session(v, target, [{ name: 'saturation', seconds: 2, warmup: 0 }]);
      calibration.push(r.saturation.rps);
    }
  }
  rate = args.quick ? 100 : Math.max(50, Math.floor(Math.min(...calibration) / 2 / 10) * 10);
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < list.length; i++) {
      const v = list[(round + i) % list.length];
      if (!args.quick) process.stderr.write(`http: round ${round + 1}/${rounds}, ${v.name}        \r`);
      samples[v.name].push(
        await session(v, target, [
          { name: 'saturation', seconds: saturationSeconds, warmup: warmupSeconds },
          { name: 'fixed', seconds: rateSeconds, warmup: 0, rate },
        ]),
      );
    }
  }
} finally {
  await target.close();
}

const pick = (name, f) => samples[name].map(f);
const med = (name, f) => median(pick(name, f));
const bare = {
  rps: med('bare', (s) => s.saturation.rps),
  p50: med('bare', (s) => s.fixed.p50),
  p99: med('bare', (s) => s.fixed.p99),
  rss: med('bare', (s) => s.maxRssBytes),
};

const throughputRows = list.map((v) => {
  const rps = med(v.name, (s) => s.saturation.rps);
  return [
    v.label,
    spread(pick(v.name, (s) => s.saturation.rps), 0),
    v.name === 'bare' ? '' : `${fixed(rps / bare.rps, 2)}x`,
    fixed(med(v.name, (s) => s.saturation.p50), 2),
    fixed(med(v.name, (s) => s.saturation.p99), 2),
    fixed(med(v.name, (s) => s.saturation.serverCpuMicrosPerRequest), 0),
    fixed(med(v.name, (s) => s.saturation.errors), 0),
    v.name === 'bare' ? '' : fixed(med(v.name, (s) => s.spansExported / (s.saturation.requests + s.fixed.requests)), 2),
  ];
});

const latencyRows = list.map((v) => {
  const p99 = med(v.name, (s) => s.fixed.p99);
  const rss = pick(v.name, (s) => mib(s.maxRssBytes));
  return [
    v.label,
    spread(pick(v.name, (s) => s.fixed.p50), 2),
    spread(pick(v.name, (s) => s.fixed.p99), 2),
    v.name === 'bare' ? '' : `+${fixed(p99 - bare.p99, 2)}`,
    fixed(med(v.name, (s) => s.fixed.serverCpuMicrosPerRequest), 0),
    `${fixed(median(rss), 1)} (${fixed(min(rss), 1)}–${fixed(max(rss), 1)})`,
    v.name === 'bare' ? '' : `+${fixed(median(rss) - mib(bare.rss), 1)}`,
  ];
});

const ours = {
  rps: med('ours', (s) => s.saturation.rps),
  p99: med('ours', (s) => s.fixed.p99),
  rss: med('ours', (s) => s.maxRssBytes),
};
const targets = table(
  ['Target (ours)', 'Measured', 'Result'],
  [
    ['throughput >= 0.80x bare', `${fixed(ours.rps / bare.rps, 2)}x (${fixed(ours.rps, 0)} / ${fixed(bare.rps, 0)} req/s)`, verdict(ours.rps >= 0.8 * bare.rps)],
    [`p99 added <= 2 ms (at ${rate} req/s)`, `+${fixed(ours.p99 - bare.p99, 2)} ms`, verdict(ours.p99 - bare.p99 <= 2)],
    ['RSS added under load <= 20 MiB', `+${fixed(mib(ours.rss - bare.rss), 1)} MiB`, verdict(mib(ours.rss - bare.rss) <= 20)],
  ],
);

const section = [
  header('HTTP', {
    command: commandLine(),
    notes: [
      `${rounds} alternating round(s) (variant order rotates; each variant a fresh process per round)${args.quick ? ' (QUICK setting: not a measurement)' : ', after one calibration run per variant'}.`,
      `Load: autocannon ${connections} connections, GET ${PATH} (${PATH === '/api/contacts/42' ? 'Express route with a param, small JSON body' : 'see bench/fixtures/app.cjs'}). Saturation: ${warmupSeconds} s warm-up then ${saturationSeconds} s as fast as possible. Fixed rate: ${rate} req/s for ${rateSeconds} s (${args.quick ? 'fixed for the quick setting' : "half the slowest variant's calibration throughput"}), for latency without queueing.`,
      'Load generator and server are separate processes on the same 2 cores, competing the same way for every variant. Latency percentiles from every response\'s own timing (full resolution).',
      `OTLP target: ${target.description}${targetLost ? ' (IT STOPPED ANSWERING DURING THE RUN: exports failed for part of it)' : ''}.`,
      ...list.filter((v) => v.name !== 'bare').map((v) => `${v.label}: ${v.config}.`),
    ],
  }),
  '',
  'Throughput (saturation):',
  '',
  table(['Variant', 'req/s: median (min–max)', 'Ratio to bare', 'p50, ms', 'p99, ms', 'Server CPU, µs/req', 'Errors', 'Spans exported per request'], throughputRows),
  '',
  `Latency at a fixed ${rate} req/s:`,
  '',
  table(['Variant', 'p50, ms: median (min–max)', 'p99, ms: median (min–max)', 'p99 added, ms', 'Server CPU, µs/req', 'Peak RSS, MiB', 'RSS added, MiB'], latencyRows),
  '',
  targets,
].join('\n');

publish(section, args, { kind: 'http', rounds, rate, target: target.kind, samples });
