#!/usr/bin/env node
// Cost of @crm/redact: ns per KiB from 1 KiB to 1 MiB for ordinary and adversarial text (flat
// means linear), and µs per typical HTTP server span. Not a test: prints markdown tables.
//   npm run build && node bench/redaction.mjs [--quick] [--baseline=REV]
// --baseline=REV also measures the register's redaction.ts of that commit (before @crm/redact) in
// the same process, on the typical span and on the adversarial `a…@` text up to 64 KiB (it is
// quadratic there; larger sizes would take minutes).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { REPO } from '@crm/test-kit';
import { transform } from 'esbuild';
import { createRedactor } from '@crm/redact';
import { table } from './lib/report.mjs';
import { parseArgs } from './lib/args.mjs';

const args = parseArgs();
const baselineRev = args.rest.find((a) => a.startsWith('--baseline='))?.slice('--baseline='.length);
const KIB = 1024;
const SIZES = args.quick ? [1, 16] : [1, 16, 256, 1024];
const BUDGET_MS = args.quick ? 20 : 400; // per measurement

/** Median ns per call of fn over 5 timed batches sized to fill the budget. */
function measure(fn) {
  fn();
  let n = 1;
  for (let t = performance.now(); performance.now() - t < BUDGET_MS / 10; ) {
    fn();
    n++;
  }
  const samples = [];
  for (let r = 0; r < 5; r++) {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) fn();
    samples.push(((performance.now() - t0) * 1e6) / n);
  }
  return samples.sort((a, b) => a - b)[2];
}

const repeat = (unit, bytes) => unit.repeat(Math.ceil(bytes / unit.length)).slice(0, bytes);
const FAMILIES = {
  'ordinary log text': (b) => repeat('lead L-1001 moved to qualified by owner 42 (score 87); ', b),
  'ordinary URL': (b) => `/api/leads?${repeat('page=2&sort=created_at&', b)}`,
  'ordinary JSON': (b) => repeat('{"leadId":"L-1","stage":"won","value":12000},', b),
  'secrets mixed in': (b) => repeat('password=hunter2 Bearer abc123def456 ann@example.com ', b),
  'adversarial a…@': (b) => `${'a'.repeat(b - 1)}@`,
  'adversarial @a@a': (b) => repeat('@a', b),
  'adversarial %40': (b) => repeat('%40', b),
  'adversarial a=': (b) => repeat('a=', b),
  "adversarial x '": (b) => repeat("x '", b),
  'adversarial eyJ.': (b) => repeat('eyJ.', b),
  'adversarial bearer': (b) => repeat('bearer ', b),
  'adversarial /invite/': (b) => repeat('/invite/', b),
  'adversarial k=%2B+': (b) => repeat('k=%2B+', b),
};

// The cap is raised so that the full size is scanned (the default cuts at 64 KiB).
const engine = createRedactor({ maxLength: 2 * 1024 * KIB });
const rows = [];
for (const [name, make] of Object.entries(FAMILIES)) {
  const perKib = SIZES.map((kib) => {
    const text = make(kib * KIB);
    return measure(() => engine.text(text)) / kib;
  });
  const spread = Math.max(...perKib) / Math.min(...perKib);
  rows.push([name, ...perKib.map((ns) => Math.round(ns).toLocaleString('en')), `${spread.toFixed(2)}x`]);
}
console.log(`### Cost per KiB (ns), @crm/redact text()\n`);
console.log(table(['Input', ...SIZES.map((k) => (k >= 1024 ? `${k / 1024} MiB` : `${k} KiB`)), 'max/min'], rows));

// A typical server span's attributes (as the HTTP and Express instrumentations set them) plus its name.
const span = () => ({
  'http.request.method': 'GET', 'url.path': '/api/leads/L-1001', 'url.query': 'page=2&sort=created_at', 'url.scheme': 'http',
  'http.route': '/api/leads/:id', 'http.response.status_code': 200, 'server.address': 'crm-api', 'server.port': 8080,
  'user_agent.original': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36', 'client.address': '10.0.0.7', 'network.protocol.version': '1.1',
  'http.request.header.x-request-id': ['r-8f1c2a'],
});
const perSpan = (r) => measure(() => {
  r.text('GET /api/leads/:id');
  r.attributes(span());
}) - measure(() => span());

const spanRows = [['@crm/redact', (perSpan(createRedactor()) / 1000).toFixed(2)]];
const aRows = [];
if (baselineRev) {
  const old = await loadBaseline(baselineRev);
  spanRows.push([`register redaction.ts at ${baselineRev}`, (perSpan(old) / 1000).toFixed(2)]);
  for (const kib of [1, 16, 64]) {
    const text = FAMILIES['adversarial a…@'](kib * KIB);
    aRows.push([`${kib} KiB`, (measure(() => old.text(text)) / 1e6).toFixed(2), (measure(() => engine.text(text)) / 1e6).toFixed(3)]);
  }
}
console.log(`\n### µs per typical HTTP server span (12 attributes and the name)\n`);
console.log(table(['Redactor', 'µs/span'], spanRows));
if (aRows.length) {
  console.log(`\n### Adversarial \`a…@\`: ms per value, before and after\n`);
  console.log(table(['Size', `${baselineRev} (ms)`, '@crm/redact (ms)'], aRows));
}

/** The register's own redactor of an older commit, compiled from git with esbuild. */
async function loadBaseline(rev) {
  const dir = mkdtempSync(join(tmpdir(), 'redaction-baseline-'));
  for (const file of ['redaction', 'config']) {
    const source = execFileSync('git', ['show', `${rev}:packages/otel-register/src/${file}.ts`], { cwd: REPO, encoding: 'utf8' });
    const { code } = await transform(source, { loader: 'ts', format: 'esm' });
    writeFileSync(join(dir, `${file}.mjs`), code.replace(/from '\.\/config'/g, "from './config.mjs'"));
  }
  const { readConfig } = await import(pathToFileURL(join(dir, 'config.mjs')).href);
  const { createRedactor: createOld } = await import(pathToFileURL(join(dir, 'redaction.mjs')).href);
  return createOld(readConfig({ env: {} }).config.redaction);
}
