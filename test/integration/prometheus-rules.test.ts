// The Prometheus rules (otel-collector/prometheus/rules) pass `promtool check rules`, their
// unit tests (otel-collector/prometheus/tests) pass `promtool test rules`, and both commands
// do fail on a broken rule, so a green run means something.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';

const REPO = new URL('../..', import.meta.url).pathname;
const PROM_DIR = join(REPO, 'otel-collector', 'prometheus');
const RULES = join(PROM_DIR, 'rules');
const TESTS = join(PROM_DIR, 'tests');
const PROMTOOL = join(process.env.CRM_STACK_HOME || join(homedir(), '.cache', 'crm-otel-kit'), 'bin', 'promtool');

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
