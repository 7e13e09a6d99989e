#!/usr/bin/env node
// Benchmark 1, start-up: time from spawn to the app's first listen, and the
// process's peak RSS once it has served its first request, for the same Express
// app bare, with --require @crm/otel-register and with the official
// --require @opentelemetry/auto-instrumentations-node/register.
// Variants alternate run by run (the order rotates each round); medians and spread.
//   node bench/startup.mjs [--quick] [--no-record] [--runs=N] [--json=FILE]
import { getJson, startAndWait, stopChild, REPO } from '@crm/test-kit';
import { parseArgs } from './lib/args.mjs';
import { header, publish, table, verdict, commandLine } from './lib/report.mjs';
import { median, spread, fixed, mib, min, max } from './lib/stats.mjs';
import { APP, variants, childEnv } from './lib/variants.mjs';
import { otlpTarget } from './lib/target.mjs';

const args = parseArgs();
const rounds = args.runs ?? (args.quick ? 2 : 20);

async function once(variant) {
  const started = await startAndWait(process.execPath, [...variant.nodeArgs, APP], {
    env: childEnv(variant, { PORT: '0' }),
    cwd: REPO,
    ready: /^LISTENING (\d+)$/,
    name: `app (${variant.name})`,
  });
  try {
    const base = `http://127.0.0.1:${started.match[1]}`;
    await getJson(`${base}/api/contacts/1`);
    const stats = await getJson(`${base}/bench/stats`);
    return { listenMs: started.ms, maxRssBytes: stats.maxRssBytes, cpuMs: (stats.cpuUserMicros + stats.cpuSystemMicros) / 1000 };
  } finally {
    await stopChild(started.child);
  }
}

// Never starts the stack: measured right after starting it, the start-up was slower (2026-12-03:
// ours +60.2 ms against bare; +44.9 ms with a stack started 45 s before the run and +45.1 ms with
// the sink, in two later runs). A stack already running is used.
const target = await otlpTarget({ startStack: false, sink: args.rest.includes('--sink') });
const list = variants(target.endpoint, args.with, args.preload);
const samples = Object.fromEntries(list.map((v) => [v.name, { listenMs: [], maxRssBytes: [], cpuMs: [] }]));
try {
  // one unrecorded round warms the file cache for every variant
  for (const v of list) await once(v);
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < list.length; i++) {
      const v = list[(r + i) % list.length];
      const s = await once(v);
      samples[v.name].listenMs.push(s.listenMs);
      samples[v.name].maxRssBytes.push(s.maxRssBytes);
      samples[v.name].cpuMs.push(s.cpuMs);
    }
    if (!args.quick) process.stderr.write(`startup: round ${r + 1}/${rounds}\r`);
  }
} finally {
  await target.close();
}

const med = (name, key) => median(samples[name][key]);
const bareMs = med('bare', 'listenMs');
const bareRss = med('bare', 'maxRssBytes');
const ourOverhead = med('ours', 'listenMs') - bareMs;
const officialOverhead = med('official', 'listenMs') - bareMs;
const ourRssAdded = mib(med('ours', 'maxRssBytes') - bareRss);

const rows = list.map((v) => {
  const s = samples[v.name];
  const ms = median(s.listenMs);
  const rss = s.maxRssBytes.map(mib);
  return [
    v.label,
    spread(s.listenMs, 1),
    v.name === 'bare' ? '' : `+${fixed(ms - bareMs, 1)}`,
    v.name === 'bare' ? '' : `${fixed(ms / bareMs, 2)}x`,
    spread(s.cpuMs, 0),
    `${fixed(median(rss), 1)} (${fixed(min(rss), 1)}–${fixed(max(rss), 1)})`,
    v.name === 'bare' ? '' : `+${fixed(median(rss) - mib(bareRss), 1)}`,
  ];
});

const targets = table(
  ['Target (ours)', 'Measured', 'Result'],
  [
    ['start-up overhead <= 100 ms', `${fixed(ourOverhead, 1)} ms`, verdict(ourOverhead <= 100)],
    ['start-up overhead <= 0.3x the official register\'s', `${fixed(ourOverhead / officialOverhead, 2)}x (${fixed(ourOverhead, 1)} / ${fixed(officialOverhead, 1)} ms)`, verdict(ourOverhead <= 0.3 * officialOverhead)],
    ['peak RSS added <= 20 MiB', `${fixed(ourRssAdded, 1)} MiB`, verdict(ourRssAdded <= 20)],
  ],
);

const section = [
  header('Start-up', {
    command: commandLine(),
    notes: [
      `${rounds} alternating rounds (variant order rotates each round) after one unrecorded warm-up round${args.quick ? ' (QUICK setting: not a measurement)' : ''}.`,
      'Time to first listen: wall clock from just before spawn to the app printing `LISTENING` from its `listen` callback. CPU: the process\'s user + system CPU time when it answers its first request (less sensitive than wall clock to other load on the machine). Peak RSS: the process\'s maxRSS (getrusage) after it has served its first request.',
      `OTLP target: ${target.description}.`,
      ...list.filter((v) => v.name !== 'bare').map((v) => `${v.label}: ${v.config}.`),
    ],
  }),
  '',
  table(['Variant', 'Time to listen, ms: median (min–max)', 'Added, ms', 'Ratio to bare', 'CPU to first response, ms', 'Peak RSS, MiB: median (min–max)', 'RSS added, MiB'], rows),
  '',
  targets,
].join('\n');

publish(section, args, { kind: 'startup', rounds, target: target.kind, samples });
