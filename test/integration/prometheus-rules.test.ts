// The Prometheus rules (otel-collector/prometheus/rules) pass `promtool check rules`, their
// unit tests (otel-collector/prometheus/tests) pass `promtool test rules`, and both commands
// do fail on a broken rule, so a green run means something. Every alert has a severity and a
// runbook line; the series the rules read are the ones the kit's exporters write; Prometheus'
// retention (both stacks) is above the longest range a rule or dashboard reads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { REPO, stackEnv, stackHome } from '@crm/test-kit';

const PROM_DIR = join(REPO, 'otel-collector', 'prometheus');
const RULES = join(PROM_DIR, 'rules');
const TESTS = join(PROM_DIR, 'tests');
const PROMTOOL = join(stackHome(), 'bin', 'promtool');

interface Run { code: number; output: string }

function promtool(args: string[], cwd: string): Promise<Run> {
  if (!existsSync(PROMTOOL)) {
    throw new Error(`promtool not found at ${PROMTOOL}; run \`npm run stack:install\` (stack/install-prometheus.sh builds it)`);
  }
  return new Promise((resolve) => {
    execFile(PROMTOOL, args, { cwd, timeout: 120_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, output: `${stdout}${stderr}` });
    });
  });
}

const yml = (dir: string): string[] => readdirSync(dir).filter((f) => f.endsWith('.yml')).sort();

/** A scratch copy of rules/ and tests/ (same layout, so the tests' ../rules paths resolve). */
function scratchCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), 'crm-rules-'));
  cpSync(RULES, join(dir, 'rules'), { recursive: true });
  cpSync(TESTS, join(dir, 'tests'), { recursive: true });
  return dir;
}

function edit(file: string, from: string, to: string): void {
  const text = readFileSync(file, 'utf8');
  assert.ok(text.includes(from), `${file} should contain ${JSON.stringify(from)} for this test to edit`);
  writeFileSync(file, text.replace(from, to));
}

test('rule files and test files exist', () => {
  assert.ok(yml(RULES).length >= 2, `rule files in ${RULES}`);
  assert.ok(yml(TESTS).length >= 2, `promtool test files in ${TESTS}`);
});

test('promtool check rules accepts every rule file', async () => {
  const files = yml(RULES);
  const r = await promtool(['check', 'rules', ...files], RULES);
  assert.equal(r.code, 0, r.output);
  for (const f of files) assert.match(r.output, new RegExp(`Checking ${f}\\s+SUCCESS`), r.output);
});

test('promtool test rules: every rule unit test passes', async () => {
  const files = yml(TESTS);
  const r = await promtool(['test', 'rules', ...files], TESTS);
  assert.equal(r.code, 0, r.output);
  assert.doesNotMatch(r.output, /FAILED/, r.output);
  assert.equal((r.output.match(/SUCCESS/g) ?? []).length, files.length, r.output);
});

test('every recording rule and alert is covered by a unit test', () => {
  const rules = yml(RULES).map((f) => readFileSync(join(RULES, f), 'utf8')).join('\n');
  const tests = yml(TESTS).map((f) => readFileSync(join(TESTS, f), 'utf8')).join('\n');
  const alerts = [...rules.matchAll(/^\s*- alert: (\S+)/gm)].map((m) => m[1]!);
  const records = [...new Set([...rules.matchAll(/^\s*- record: (\S+)/gm)].map((m) => m[1]!))];
  assert.ok(alerts.length > 0 && records.length > 0);
  for (const a of alerts) assert.match(tests, new RegExp(`alertname: ${a}\\b`), `no alert_rule_test for ${a}`);
  for (const r of records) assert.match(tests, new RegExp(`expr: ${r}\\b`), `no promql_expr_test for ${r}`);
  for (const tf of ['1d', '7d', '30d']) assert.match(tests, new RegExp(`lead_conversion_rate\\{timeframe="${tf}"\\}`), `timeframe ${tf} untested`);
});

test('promtool check rules fails on a broken rule copy', async () => {
  const dir = scratchCopy();
  try {
    edit(join(dir, 'rules', 'crm-recording.yml'), 'sum(increase(leads_created_total[1d]))', 'sum(increase(leads_created_total[1d])');
    const r = await promtool(['check', 'rules', 'crm-recording.yml'], join(dir, 'rules'));
    assert.notEqual(r.code, 0, r.output);
    assert.match(r.output, /FAILED|error/i, r.output);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('promtool test rules fails when an alert threshold changes (the tests pin behaviour)', async () => {
  const dir = scratchCopy();
  try {
    // 30% failed syncs must fire; with the threshold at 50% the unit test has to fail.
    edit(join(dir, 'rules', 'crm-alerts.yml'), ') > 0.2', ') > 0.5');
    const r = await promtool(['test', 'rules', 'crm-alerts.test.yml'], join(dir, 'tests'));
    assert.notEqual(r.code, 0, r.output);
    assert.match(r.output, /CrmLeadSyncFailures/, r.output);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// ---------- annotations and severities the Alertmanager routes rely on ----------

interface Rule { alert?: string; record?: string; expr: string; labels?: Record<string, string>; annotations?: Record<string, string> }
const ruleGroups = (): Array<{ file: string; name: string; rules: Rule[] }> =>
  yml(RULES).flatMap((f) => (parse(readFileSync(join(RULES, f), 'utf8')) as { groups: Array<{ name: string; rules: Rule[] }> }).groups.map((g) => ({ file: f, ...g })));

test('every alert has a severity Alertmanager routes and a runbook line naming a section of docs/ALERTING.md', () => {
  const doc = readFileSync(join(REPO, 'docs', 'ALERTING.md'), 'utf8');
  // GitHub's anchors of the doc's headings: lower case, spaces to '-', punctuation dropped.
  const anchors = new Set([...doc.matchAll(/^#{1,6} (.+)$/gm)].map((m) => m[1]!.trim().toLowerCase().replace(/[^a-z0-9 _-]/g, '').replace(/ /g, '-')));
  let alerts = 0;
  for (const g of ruleGroups()) {
    for (const r of g.rules.filter((x) => x.alert)) {
      alerts++;
      assert.match(r.labels?.['severity'] ?? '', /^(critical|warning|info)$/, `${g.file} ${r.alert}: severity`);
      const runbook = r.annotations?.['runbook'] ?? '';
      const m = /^docs\/ALERTING\.md#([a-z0-9-]+): \S.{10,}$/.exec(runbook);
      assert.ok(m, `${g.file} ${r.alert}: runbook annotation "docs/ALERTING.md#<section>: <first step>", got ${JSON.stringify(runbook)}`);
      assert.ok(anchors.has(m[1]!), `${g.file} ${r.alert}: docs/ALERTING.md has no section #${m[1]}`);
      assert.ok(r.annotations?.['summary'] && r.annotations?.['description'], `${g.file} ${r.alert}: summary and description`);
    }
  }
  assert.ok(alerts >= 20, `${alerts} alerts`);
});

// ---------- the series names the rules read are the ones the kit's exporters write ----------

/** What an app's /metrics shows for a pg.Pool and for the Node.js runtime: the register's copies of
 * instrumentation-pg and instrumentation-runtime-node, serialized by its Prometheus exporter under the
 * register's Prometheus names (packages/otel-register/src/prometheus-names.ts). The
 * pool is an event emitter with pg.Pool's counters (pg is not installed here); the instrumentation's
 * own listener code turns its events into the db.client.connection.* instruments. */
const EXPORTER_SCRIPT = `
const { createRequire } = require('node:module');
const { EventEmitter } = require('node:events');
const reg = createRequire(${JSON.stringify(join(REPO, 'packages', 'otel-register', 'package.json'))});
const auto = createRequire(reg.resolve('@opentelemetry/auto-instrumentations-node'));
const { MeterProvider } = reg('@opentelemetry/sdk-metrics');
const { PrometheusExporter, PrometheusSerializer } = reg('@opentelemetry/exporter-prometheus');
const { PgInstrumentation } = auto('@opentelemetry/instrumentation-pg');
const { RuntimeNodeInstrumentation } = auto('@opentelemetry/instrumentation-runtime-node');
const { usePrometheusNames } = require(${JSON.stringify(join(REPO, 'packages', 'otel-register', 'dist', 'prometheus-names.js'))});
(async () => {
  const exporter = new PrometheusExporter({ preventServerStart: true });
  const provider = new MeterProvider({ readers: [exporter] });
  const pg = new PgInstrumentation();
  pg.setMeterProvider(provider);
  const runtime = new RuntimeNodeInstrumentation();
  runtime.setMeterProvider(provider);
  runtime.enable();
  const pool = Object.assign(new EventEmitter(), { options: { host: 'db', port: 5432, database: 'crm', max: 10 }, totalCount: 4, idleCount: 1, waitingCount: 2 });
  pg._setPoolConnectEventListeners(pool);
  pool.emit('connect');
  pool.emit('acquire');
  global.gc();
  await new Promise((r) => setTimeout(r, 300));
  const { resourceMetrics } = await exporter.collect();
  usePrometheusNames(resourceMetrics);
  process.stdout.write(new PrometheusSerializer().serialize(resourceMetrics));
})();
`;

function exportedSeries(): Promise<Array<{ name: string; labels: Record<string, string> }>> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--expose-gc', '-e', EXPORTER_SCRIPT], { timeout: 60_000 }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`${error.message}\n${stderr}`));
      const series = stdout.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => {
        const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? /.exec(l)!;
        const labels: Record<string, string> = {};
        for (const [, k, v] of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[k!] = v!;
        return { name: m[1]!, labels };
      });
      resolve(series);
    });
  });
}

test('the DB pool, event-loop and GC series the rules read exist, with the labels and values they match', async () => {
  const series = await exportedSeries();
  const families = /^(db_client_connection_|nodejs_eventloop_|v8js_)/;
  const exprs = ruleGroups().flatMap((g) => g.rules.map((r) => r.expr)).join('\n');
  let checked = 0;
  // Label lists (by, on, group_left, ...) name labels, not series: left out of the series scan.
  const seriesText = exprs.replace(/\b(by|on|without|ignoring|group_left|group_right)\s*\([^)]*\)/g, '');
  for (const [, name, matchers] of seriesText.matchAll(/\b([a-z_][a-z0-9_]*)(?:\{([^}]*)\})?/g)) {
    // A histogram's _sum/_count/_bucket series are serialized under the histogram's name.
    if (!families.test(name!)) continue;
    const found = series.filter((s) => s.name === name);
    assert.ok(found.length > 0, `the rules read ${name}, which the exporter does not write (has: ${[...new Set(series.map((s) => s.name))].filter((n) => families.test(n)).join(', ')})`);
    for (const [, label, op, value] of (matchers ?? '').matchAll(/([a-z_][a-z0-9_]*)\s*(=|!=|=~|!~)\s*"([^"]*)"/g)) {
      if (op === '=') assert.ok(found.some((s) => s.labels[label!] === value), `${name}{${label}="${value}"}: no such series (${JSON.stringify(found.map((s) => s.labels))})`);
      else assert.ok(found.some((s) => label! in s.labels), `${name} has no label ${label}`);
    }
    checked++;
  }
  assert.ok(checked >= 5, `${checked} selectors checked`);
  const grouped = [...exprs.matchAll(/\b(?:by|on|without|ignoring|group_left|group_right)\s*\(([^)]*)\)/g)].flatMap((m) => m[1]!.split(',').map((l) => l.trim()));
  for (const label of new Set(grouped.filter((l) => families.test(l)))) {
    assert.ok(series.some((s) => label in s.labels), `the rules group by ${label}, a label no exported series has`);
  }
});

// ---------- retention ----------

const UNIT_SECONDS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86_400, w: 604_800, y: 31_536_000 };

/** A Prometheus duration (1h30m, 35d, 5w) in seconds. */
function seconds(duration: string): number {
  const parts = [...duration.matchAll(/(\d+)(ms|s|m|h|d|w|y)/g)];
  assert.ok(parts.length > 0 && parts.map((p) => p[0]).join('') === duration, `not a Prometheus duration: ${duration}`);
  return parts.reduce((sum, p) => sum + Number(p[1]) * UNIT_SECONDS[p[2]!]!, 0);
}

/** How far back an expression reads: its longest range (or subquery range) plus its longest offset. */
function lookback(expr: string): number {
  const ranges = [...expr.matchAll(/\[\s*(\d+(?:ms|[smhdwy])(?:\d+(?:ms|[smhdwy]))*)\s*(?::[^\]]*)?\]/g)].map((m) => seconds(m[1]!));
  const offsets = [...expr.matchAll(/\boffset\s+(-?)(\d+(?:ms|[smhdwy])(?:\d+(?:ms|[smhdwy]))*)/g)].map((m) => (m[1] ? 0 : seconds(m[2]!)));
  return Math.max(0, ...ranges) + Math.max(0, ...offsets);
}

interface Reader { where: string; seconds: number }

/** Every rule and every dashboard query, with how far back it reads. A dashboard query reads its
 * dashboard's time range back from now, plus its own lookback ($__range is that time range). */
function readers(): Reader[] {
  const out: Reader[] = [];
  for (const g of ruleGroups()) for (const r of g.rules) out.push({ where: `${g.file} ${r.alert ?? r.record}`, seconds: lookback(r.expr) });
  const dir = join(REPO, 'otel-collector', 'grafana', 'dashboards');
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.json'))) {
    const d = JSON.parse(readFileSync(join(dir, f), 'utf8')) as { time?: { from?: string }; panels?: unknown[] };
    const from = /^now-(\w+)$/.exec(d.time?.from ?? '');
    assert.ok(from, `${f}: time.from is now-<duration>, got ${d.time?.from}`);
    const range = seconds(from[1]!);
    for (const [, expr] of JSON.stringify(d).matchAll(/"expr":"((?:[^"\\]|\\.)*)"/g)) {
      const e = JSON.parse(`"${expr}"`) as string;
      out.push({ where: `${f} ${e}`, seconds: range + lookback(e.replace(/\$__range|\$\{__range\}/g, from[1]!).replace(/\$__rate_interval|\$\{__rate_interval\}|\$__interval|\$\{__interval\}/g, '5m')) });
    }
  }
  return out;
}

/** Readers that need more history than `retention` keeps. */
function beyond(retention: string, list: Reader[]): Reader[] {
  return list.filter((r) => r.seconds >= seconds(retention));
}

const stackEnvValue = (name: string): string => {
  const value = stackEnv()[name];
  assert.ok(value, `stack/stack.env sets ${name}`);
  return value;
};

test('Prometheus keeps more history than any rule or dashboard reads (PROMETHEUS_RETENTION)', () => {
  const retention = stackEnvValue('PROMETHEUS_RETENTION');
  const list = readers();
  const longest = list.reduce((a, b) => (b.seconds > a.seconds ? b : a));
  assert.equal(longest.seconds, 30 * 86_400, `the longest reader is lead_conversion_rate{timeframe="30d"} (got ${longest.where})`);
  assert.deepEqual(beyond(retention, list).map((r) => r.where), [], `PROMETHEUS_RETENTION=${retention} is not above what these read`);
});

test('the retention check fails for a rule reading further back than the retention', () => {
  const list = readers();
  assert.deepEqual(beyond('35d', [...list, { where: 'a 40d rule', seconds: lookback('increase(leads_created_total[40d])') }]).map((r) => r.where), ['a 40d rule']);
  assert.deepEqual(beyond('35d', [{ where: 'offset', seconds: lookback('sum(rate(x[5d] offset 31d))') }]).map((r) => r.where), ['offset']);
  assert.equal(lookback('max_over_time(rate(x[5m])[2d:1m])'), 2 * 86_400);
  assert.equal(beyond('30d', list).length > 0, true, 'a 30-day retention is too short for the 30d recording rule');
});

test('both stacks run Prometheus with PROMETHEUS_RETENTION', () => {
  assert.match(readFileSync(join(REPO, 'stack', 'start.sh'), 'utf8'), /--storage\.tsdb\.retention\.time="\$PROMETHEUS_RETENTION"/);
  const compose = readFileSync(join(REPO, 'stack', 'compose.yml'), 'utf8');
  assert.match(compose, /--storage\.tsdb\.retention\.time=\$\{PROMETHEUS_RETENTION\}/);
});
