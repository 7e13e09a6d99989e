#!/usr/bin/env node
// `npm run bench`: every benchmark, one after the other, each in its own process,
// each printing its markdown table and (unless --no-record) recording it in bench/results/
// (git-ignored); BENCHMARKS.md's summary is written from those records.
//   node bench/run.mjs [--quick] [--no-record] [--require] [--only=startup,http,business-events,redaction,collector,tiered]
// Order: start-up and business events first (no stack needed), then the local stack is
// started once (if installed and not running) for HTTP and the collector, and stopped after.
// Exit status: non-zero if a benchmark failed (the collector only with --require when it cannot run).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from '@crm/test-kit';
import { parseArgs, forwardArgs } from './lib/args.mjs';
import { RECORDED, table, header, recordSection } from './lib/report.mjs';
import { ensureStack, missingComponents } from './lib/stack.mjs';

// collector before HTTP: the HTTP benchmark leaves a backlog in the stack's Jaeger exporter queue;
// tiered runs private collectors on free ports (no stack needed)
const ALL = ['startup', 'business-events', 'redaction', 'collector', 'tiered', 'http'];
const NEEDS_STACK = new Set(['http', 'collector']);
const TITLES = { 'business-events': 'Business events', redaction: 'Redaction' };

const args = parseArgs();
const onlyArg = args.rest.find((a) => a.startsWith('--only='));
const only = onlyArg ? onlyArg.slice('--only='.length).split(',').filter(Boolean) : ALL;
const unknown = only.filter((n) => !ALL.includes(n));
if (unknown.length) {
  console.error(`--only=${onlyArg?.slice(7)} is invalid: unknown ${unknown.join(', ')}; accepted a comma list of ${ALL.join(', ')}`);
  process.exit(2);
}

const summary = [];
let stack;
const t0 = Date.now();
try {
  for (const name of only) {
    const script = join(REPO, 'bench', `${name}.mjs`);
    if (!existsSync(script)) {
      console.error(`bench/${name}.mjs is missing`);
      summary.push([name, 'MISSING', '0']);
      continue;
    }
    // the full run starts the stack once for the benchmarks that use it; --quick never starts it
    if (NEEDS_STACK.has(name) && !stack && !args.quick && missingComponents().length === 0) {
      try {
        stack = await ensureStack();
      } catch (error) {
        console.error(`${error.message}; HTTP falls back to the local sink and the collector benchmark reports it cannot run`);
        stack = { started: [], stop: async () => {} };
      }
    }
    console.log(`\n## bench/${name}.mjs\n`);
    const started = Date.now();
    const r = spawnSync(process.execPath, [script, ...forwardArgs(args)], { cwd: REPO, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
    process.stdout.write(r.stdout ?? '');
    // A script that prints its table without recording it (bench/business-events.mjs) is recorded here.
    if (r.status === 0 && args.record && !(r.stdout ?? '').includes(RECORDED) && /^\|.*\|\s*$/m.test(r.stdout ?? '')) {
      const command = `node bench/${name}.mjs ${forwardArgs(args).filter((a) => a !== '--no-record').join(' ')}`.trim();
      recordSection([header(TITLES[name] ?? name, { command }), '', (r.stdout ?? '').trim()].join('\n'));
    }
    summary.push([name, r.status === 0 ? 'ok' : `FAILED (exit ${r.status ?? r.signal})`, ((Date.now() - started) / 1000).toFixed(0)]);
  }
} finally {
  await stack?.stop();
}

console.log(`\n${table(['Benchmark', 'Status', 'Seconds'], summary)}\n\nTotal: ${((Date.now() - t0) / 1000).toFixed(0)} s`);
process.exit(summary.every(([, status]) => status === 'ok') ? 0 : 1);
