// The benchmark scripts run on their tiny setting (--quick) and print their markdown
// tables without recording them in bench/results/ (--no-record). Benchmarks are not tests:
// nothing here looks at a timing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { REPO, scrubbedEnv } from '@crm/test-kit';

const RESULTS = join(REPO, 'bench', 'results');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function runBench(script: string, extra: string[] = [], record = false): Promise<Run> {
  // CRM_STACK_HOME and the like stay: the benchmarks find the stack through them.
  const env = scrubbedEnv(['OTEL_', 'CRM_OTEL_']);
  return new Promise((resolve) => {
    execFile(process.execPath, [join(REPO, 'bench', script), '--quick', ...(record ? [] : ['--no-record']), ...extra], { cwd: REPO, env, timeout: 120_000, maxBuffer: 16 * 2 ** 20 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** The markdown tables in the output: each a header row, a separator row and body rows. */
function tables(out: string): string[][][] {
  const found: string[][][] = [];
  const lines = out.split('\n');
  for (let i = 0; i + 1 < lines.length; i++) {
    if (!/^\|.*\|\s*$/.test(lines[i]!) || !/^\|(\s*:?-{3,}:?\s*\|)+\s*$/.test(lines[i + 1]!)) continue;
    const rows: string[][] = [];
    let j = i;
    for (; j < lines.length && /^\|.*\|\s*$/.test(lines[j]!); j++) {
      if (j === i + 1) continue;
      rows.push(lines[j]!.trim().slice(1, -1).split('|').map((c) => c.trim()));
    }
    found.push(rows);
    i = j;
  }
  return found;
}

/** The recorded sections in bench/results/. */
function snapshot(): string[] {
  return existsSync(RESULTS) ? readdirSync(RESULTS).filter((f) => f.endsWith('.md')).sort() : [];
}

async function check(script: string, extra: string[] = []): Promise<{ run: Run; tables: string[][][] }> {
  const before = snapshot();
  const run = await runBench(script, extra);
  assert.equal(run.code, 0, `bench/${script} ${extra.join(' ')} exited ${run.code}:\n${run.stderr.slice(-3000)}`);
  const found = tables(run.stdout);
  assert.ok(found.length > 0, `bench/${script} printed no markdown table:\n${run.stdout.slice(-3000)}`);
  assert.deepEqual(snapshot(), before, `bench/${script} --no-record recorded a section in bench/results/`);
  return { run, tables: found };
}

/** First-column labels of every table row. */
const labels = (found: string[][][]): string[] => found.flatMap((t) => t.slice(1).map((row) => row[0] ?? ''));

test('start-up: a row per variant (bare, ours, the official register) and the targets', async () => {
  const { tables: found } = await check('startup.mjs');
  const rows = labels(found);
  for (const v of ['bare', '@crm/otel-register', 'auto-instrumentations-node/register']) assert.ok(rows.includes(v), `no ${v} row in ${rows.join(', ')}`);
  assert.ok(rows.some((r) => r.startsWith('start-up overhead')), 'no start-up target row');
  // time to listen and peak RSS are numbers for every variant
  const main = found[0]!.slice(1);
  for (const row of main) {
    assert.match(row[1] ?? '', /^\d+\.\d \(\d+\.\d–\d+\.\d\)$/, `time to listen for ${row[0]}`);
    assert.match(row[5] ?? '', /^\d+\.\d \(\d+\.\d–\d+\.\d\)$/, `peak RSS for ${row[0]}`);
  }
});

test('HTTP: throughput and latency rows per variant, spans reach the OTLP target, the targets', async () => {
  const { run, tables: found } = await check('http.mjs');
  const rows = labels(found);
  for (const v of ['bare', '@crm/otel-register', 'auto-instrumentations-node/register']) assert.ok(rows.includes(v), `no ${v} row`);
  assert.match(run.stdout, /OTLP target: (the local stack's collector|a LOCAL OTLP SINK)/);
  const throughput = found[0]!.slice(1);
  for (const row of throughput) {
    assert.ok(Number(row[1]?.split(' ')[0]) > 0, `throughput for ${row[0]}: ${row[1]}`);
    assert.equal(row[6], '0', `errors for ${row[0]}`);
  }
  // both registers exported spans for the requests they served
  for (const row of throughput.filter((r) => r[0] !== 'bare')) assert.ok(Number(row[7]) > 0, `spans exported per request for ${row[0]}: ${row[7]}`);
});

test('business events: the cost table next to prom-client', async () => {
  assert.ok(existsSync(join(REPO, 'bench', 'business-events.mjs')), 'bench/business-events.mjs is missing');
  const { run } = await check('business-events.mjs');
  assert.match(run.stdout, /prom-client/);
});

test('redaction: cost per KiB per input family with its spread, per span, and the baseline before/after', async () => {
  const { run } = await check('redaction.mjs', ['--baseline=d2d8e10']);
  assert.match(run.stdout, /adversarial a…@ \| [\d,]+ \| [\d,]+ \| [\d.]+x \|/);
  assert.match(run.stdout, /\| register redaction\.ts at d2d8e10 \| [\d.]+ \|/);
});

test('collector: the result table, or a table saying clearly why it did not run', async () => {
  const { run, tables: found } = await check('collector.mjs');
  const rows = labels(found);
  if (/NOT RUN/.test(run.stdout)) {
    assert.ok(rows.includes('spans/s') && rows.includes('log records/s'));
    assert.match(run.stdout, /not installed|not running|not available|did not become healthy/);
  } else {
    // the quick setting runs the isolated setup: a private collector and in-memory Jaeger
    assert.ok(rows.includes('isolated: highest sustained spans/s'), `no result row in ${rows.join(', ')}`);
    const step = found[0]!.slice(1)[0]!;
    assert.ok(Number(step[3]) > 0, `the private collector accepted no spans: ${step.join(' | ')}`);
    assert.equal(step[4], '0', 'refused spans');
    assert.equal(step[5], '0', 'send failures');
  }
});

test('collector --require fails when it cannot run, succeeds when it ran', async () => {
  const run = await runBench('collector.mjs', ['--require']);
  if (/NOT RUN/.test(run.stdout)) assert.notEqual(run.code, 0, 'NOT RUN with --require must exit non-zero');
  else assert.equal(run.code, 0, run.stderr.slice(-2000));
});

test('CPU profile summaries for start-up and HTTP', async () => {
  for (const mode of ['startup', 'http']) {
    const { tables: found } = await check('profile.mjs', [mode]);
    const rows = labels(found);
    assert.ok(rows.includes('@crm/otel-register'), `${mode} profile has no @crm/otel-register row: ${rows.join(', ')}`);
  }
});

test('GC account under HTTP load: a row per variant with the live heap and peak RSS', async () => {
  const { tables: found } = await check('gc.mjs');
  const rows = found[0]!.slice(1);
  assert.deepEqual(rows.map((r) => r[0]), ['bare', '@crm/otel-register', 'auto-instrumentations-node/register']);
  for (const row of rows) {
    assert.ok(Number(row[2]) > 0, `live heap of ${row[0]} is a size: ${row.join(' | ')}`);
    assert.ok(Number(row[5]) > 0, `peak RSS of ${row[0]} is a size: ${row.join(' | ')}`);
  }
});

test('run.mjs runs the chosen benchmarks and prints its summary', async () => {
  const { tables: found } = await check('run.mjs', ['--only=startup']);
  const summary = found.at(-1)!;
  assert.deepEqual(summary[0], ['Benchmark', 'Status', 'Seconds']);
  assert.equal(summary[1]?.[0], 'startup');
  assert.equal(summary[1]?.[1], 'ok');
});

test('a recorded run writes its section to bench/results/, not BENCHMARKS.md', async () => {
  const before = snapshot();
  const benchmarksMd = readFileSync(join(REPO, 'BENCHMARKS.md'), 'utf8');
  const run = await runBench('run.mjs', ['--only=business-events'], true);
  assert.equal(run.code, 0, run.stderr.slice(-2000));
  const added = snapshot().filter((f) => !before.includes(f));
  try {
    assert.equal(added.length, 1, `one new section expected in bench/results/: ${added.join(', ')}`);
    const section = readFileSync(join(RESULTS, added[0]!), 'utf8');
    assert.match(section, /^### Business events: \d{4}-/);
    assert.match(section, /- Command: `node bench\/business-events\.mjs --quick`/);
    assert.match(section, /prom-client/);
    assert.equal(readFileSync(join(REPO, 'BENCHMARKS.md'), 'utf8'), benchmarksMd, 'BENCHMARKS.md changed');
  } finally {
    for (const f of added) rmSync(join(RESULTS, f));
  }
});

test('bad flags are refused with a clear message', async () => {
  const run = await runBench('startup.mjs', ['--runs=zero']);
  assert.notEqual(run.code, 0);
  assert.match(run.stderr, /--runs=zero is invalid: accepted a whole number >= 1/);
  const only = await runBench('run.mjs', ['--only=nope']);
  assert.notEqual(only.code, 0);
  assert.match(only.stderr, /unknown nope; accepted a comma list of startup, business-events, redaction, collector, tiered, http/);
});
