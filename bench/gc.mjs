#!/usr/bin/env node
// Where the RSS under HTTP load goes: each variant runs the benchmark app with
// node --trace-gc under the same saturating load, and the table gives V8's own account:
// live heap after each full (mark-compact) GC, heap in use when one starts, heap committed,
// and the process's peak RSS. Analysis, not a target: run.mjs does not run it.
//   node bench/gc.mjs [--runs=N] [--seconds=N] [--sink] [--quick] [--no-record] [--json=FILE]
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { run, startAndWait, stopChild, REPO } from '@crm/test-kit';
import { parseArgs } from './lib/args.mjs';
import { header, publish, table, commandLine } from './lib/report.mjs';
import { fixed, median } from './lib/stats.mjs';
import { APP, variants, childEnv } from './lib/variants.mjs';
import { otlpTarget } from './lib/target.mjs';

const args = parseArgs();
const opt = (name, fallback) => args.rest.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const seconds = Number(opt('seconds', args.quick ? '1' : '8'));
const rounds = args.runs ?? (args.quick ? 1 : 2);

// e.g. "Mark-Compact 67.4 (95.7) -> 15.2 (73.2) MB": used (committed) before -> after
const GC_LINE = /(Mark-Compact|Scavenge) ([\d.]+) \(([\d.]+)\) -> ([\d.]+) \(([\d.]+)\) MB/;

function parseTrace(text) {
  const full = [];
  let committed = 0;
  for (const line of text.split('\n')) {
    const m = GC_LINE.exec(line);
    if (!m) continue;
    committed = Math.max(committed, Number(m[3]), Number(m[5]));
    if (m[1] === 'Mark-Compact') full.push({ before: Number(m[2]), after: Number(m[4]) });
  }
  return { full, committed };
}

function peakRssMiB(pid) {
  const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return hwm ? Number(hwm[1]) / 1024 : NaN;
}

const target = await otlpTarget({ startStack: !args.quick, sink: args.rest.includes('--sink') });
const list = variants(target.endpoint);
const results = Object.fromEntries(list.map((v) => [v.name, []]));
try {
  for (let round = 0; round < rounds; round++) {
    for (const variant of [...list.slice(round % list.length), ...list.slice(0, round % list.length)]) {
      process.stderr.write(`gc: round ${round + 1}/${rounds}, ${variant.name}        \r`);
      const started = await startAndWait(process.execPath, ['--trace-gc', ...variant.nodeArgs, APP], {
        env: childEnv(variant, { PORT: '0' }),
        cwd: REPO,
        ready: /^LISTENING (\d+)$/,
        name: `app (${variant.name})`,
      });
      let trace = '';
      started.child.stdout.on('data', (d) => (trace += d));
      const base = `http://127.0.0.1:${started.match[1]}`;
      await run(process.execPath, [join(REPO, 'bench', 'lib', 'load.mjs'), `${base}/api/contacts/42`, '20', '1', String(seconds)], { cwd: REPO });
      const rss = peakRssMiB(started.child.pid);
      await stopChild(started.child);
      results[variant.name].push({ ...parseTrace(trace), rss });
    }
  }
} finally {
  await target.close();
}

const rows = list.map((v) => {
  const runs = results[v.name];
  const med = (f) => fixed(median(runs.map(f)), 1);
  return [
    v.label,
    med((r) => r.full.length),
    med((r) => median(r.full.map((g) => g.after))),
    med((r) => median(r.full.map((g) => g.before))),
    med((r) => r.committed),
    med((r) => r.rss),
  ];
});
const section = [
  header('GC under HTTP load', {
    command: commandLine(),
    notes: [
      `${rounds} alternating round(s); each: the benchmark app with \`node --trace-gc\`, autocannon 20 connections on GET /api/contacts/42 for 1 + ${seconds} s, as fast as possible.`,
      `Medians over rounds of: full GCs (mark-compact) during the run; per run, the median heap in use after a full GC (the live heap) and when one starts; the most heap committed; peak RSS (VmHWM).`,
      `OTLP target: ${target.description}.`,
    ],
  }),
  '',
  table(['Variant', 'Full GCs', 'Live heap after full GC, MB', 'Heap in use at full GC start, MB', 'Heap committed, peak MB', 'Peak RSS, MiB'], rows),
].join('\n');
publish(section, args, { kind: 'gc', rounds, seconds, results });
