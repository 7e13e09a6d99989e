// The Grafana dashboards (otel-collector/grafana/dashboards/*.json) against the real local stack:
// with the demo CRM services producing traffic, every Prometheus query of every panel and
// variable is accepted by Prometheus, each panel that a healthy demo must fill returns
// series, the rules are loaded and evaluate without errors, the CrmLeadSyncFailures alert
// fires on failing syncs, and every data source uid a panel uses is provisioned.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { urls, httpJson } from '../support/backends.ts';
import { REPO, waitFor } from '@crm/test-kit';
import { FAST_EXPORT, api, createLead, expectStatus, runId, startDemoServices, type DemoServices } from '../support/demo.ts';

const GRAFANA = join(REPO, 'otel-collector', 'grafana');
const DASHBOARDS = join(GRAFANA, 'dashboards');
const PROM_UID = 'crm-prometheus';

// ---------- dashboards as data ----------

interface DsRef { type?: string; uid?: string }
interface Target { refId: string; expr?: string; datasource?: DsRef }
interface Panel { id: number; type: string; title: string; datasource?: DsRef; targets?: Target[]; panels?: Panel[] }
interface Variable { name: string; type: string; datasource?: DsRef; definition?: string; query?: string | { query?: string } }
interface Dashboard { uid: string; title: string; panels: Panel[]; templating?: { list: Variable[] } }
interface PromQuery { where: string; expr: string; panel: Panel; dashboard: Dashboard }

const dashboards: Dashboard[] = readdirSync(DASHBOARDS)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => JSON.parse(readFileSync(join(DASHBOARDS, f), 'utf8')) as Dashboard);

function allPanels(panels: Panel[]): Panel[] {
  return panels.flatMap((p) => [p, ...allPanels(p.panels ?? [])]);
}

/** Grafana's own variables and the dashboards' variables, as Grafana would fill them in. */
const SUBSTITUTIONS: Array<[RegExp, string]> = [
  [/\$__rate_interval|\$\{__rate_interval\}/g, '1m'],
  [/\$__interval|\$\{__interval\}/g, '15s'],
  [/\$__range|\$\{__range\}/g, '1h'],
  [/\$\{?(service|instance)(:[a-z]+)?\}?/g, '.*'],
];

function substitute(expr: string): string {
  let out = expr;
  for (const [re, value] of SUBSTITUTIONS) out = out.replace(re, value);
  assert.doesNotMatch(out, /\$/, `unknown Grafana variable left in ${out}`);
  return out;
}

function promQueries(): PromQuery[] {
  const out: PromQuery[] = [];
  for (const d of dashboards) {
    for (const p of allPanels(d.panels)) {
      for (const t of p.targets ?? []) {
        const uid = t.datasource?.uid ?? p.datasource?.uid;
        if (uid === PROM_UID && t.expr) out.push({ where: `${d.title} / "${p.title}" / ${t.refId}`, expr: t.expr, panel: p, dashboard: d });
      }
    }
  }
  return out;
}

/** label_values(selector, label) of the query variables, as a PromQL query of that selector. */
function variableQueries(): Array<{ where: string; expr: string; label: string }> {
  const out: Array<{ where: string; expr: string; label: string }> = [];
  for (const d of dashboards) {
    for (const v of d.templating?.list ?? []) {
      if (v.type !== 'query' || v.datasource?.uid !== PROM_UID) continue;
      const q = typeof v.query === 'string' ? v.query : (v.query?.query ?? v.definition ?? '');
      const m = /^label_values\((.+),\s*([a-zA-Z_][a-zA-Z0-9_]*)\)$/.exec(q.trim());
      assert.ok(m, `${d.title} variable ${v.name}: only label_values(selector, label) is supported here, got ${q}`);
      out.push({ where: `${d.title} variable $${v.name}`, expr: `count by (${m[2]}) (${substitute(m[1]!)})`, label: m[2]! });
    }
  }
  return out;
}

interface PromApi<T> { status: 'success' | 'error'; data: T; error?: string; errorType?: string }
type Vector = { resultType: string; result: Array<{ metric: Record<string, string>; value: [number, string] }> };

async function query(expr: string): Promise<PromApi<Vector>> {
  const { body } = await httpJson<PromApi<Vector>>(`${urls.prometheus()}/api/v1/query`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ query: expr }).toString(),
  });
  return body;
}


// ---------- demo traffic ----------

let demo: DemoServices | undefined;
let startedAt = 0;
let syncSource = '';
let trafficStopped = false;
let traffic: Promise<void> = Promise.resolve();

async function alerts(): Promise<Array<{ labels: Record<string, string>; state: string; activeAt: string }>> {
  const { body } = await httpJson<PromApi<{ alerts: Array<{ labels: Record<string, string>; state: string; activeAt: string }> }>>(
    `${urls.prometheus()}/api/v1/alerts`,
  );
  assert.equal(body.status, 'success');
  return body.data.alerts;
}

/** One round of the CRM funnel: leads from two sources, a conversion, an opportunity moved and
 * closed (won/lost alternating), and a sync where half the records fail. */
async function round(base: string, i: number): Promise<void> {
  const web = await createLead(base, { source: 'website', score: 80 });
  await createLead(base, { source: 'referral', score: 30 });
  await expectStatus(api(base, 'POST', `/api/leads/${web.id}/convert`), 201, 'convert lead');
  const opp = await expectStatus(api(base, 'POST', '/api/opportunities', { name: `Deal ${i}`, value: 12_000 + i, currency: 'EUR', stage: 'prospecting' }), 201, 'create opportunity');
  const id = String((opp.body as { id: string }).id);
  await expectStatus(api(base, 'PATCH', `/api/opportunities/${id}/stage`, { stage: 'proposal' }), 200, 'move opportunity');
  await expectStatus(api(base, 'POST', `/api/opportunities/${id}/close`, { outcome: i % 2 ? 'won' : 'lost' }), 200, 'close opportunity');
  await expectStatus(api(base, 'POST', `/api/sync/${syncSource}`, { records: 20, failures: 10 }), 200, 'sync');
}

before(async () => {
  startedAt = Date.now() / 1000;
  // A sync source with no CrmLeadSyncFailures alert active yet, so the firing one is ours.
  const active = new Set((await alerts()).filter((a) => a.labels['alertname'] === 'CrmLeadSyncFailures').map((a) => a.labels['source']));
  syncSource = ['zoominfo', 'apollo', 'halopsa', 'linkedin', 'import'].find((s) => !active.has(s)) ?? '';
  assert.ok(syncSource, `every candidate sync source already has an active CrmLeadSyncFailures alert: ${[...active].join(', ')}`);

  demo = await startDemoServices({ runId: runId('dash'), env: FAST_EXPORT });
  const base = demo.crm.base;
  // Rounds every 2 s until the test ends (bounded at 150 rounds): counters must move between
  // Prometheus scrapes (5 s) for rate() and increase() to see them.
  traffic = (async () => {
    for (let i = 0; i < 150 && !trafficStopped; i++) {
      await round(base, i);
      await new Promise((r) => setTimeout(r, 2000));
    }
  })();
});

after(async () => {
  trafficStopped = true;
  await traffic.catch(() => undefined);
  await demo?.stop();
});

// ---------- tests ----------

test('dashboards exist and each has Prometheus panels', () => {
  assert.deepEqual(dashboards.map((d) => d.uid).sort(), ['crm-funnel', 'crm-node-runtime', 'crm-service-red']);
  for (const d of dashboards) assert.ok(promQueries().some((q) => q.dashboard === d), `${d.title} has no Prometheus query`);
});

test('every data source uid used by a dashboard is provisioned, with the same type', () => {
  const provisioned = new Map<string, string>();
  const dir = join(GRAFANA, 'provisioning', 'datasources');
  for (const f of readdirSync(dir).filter((n) => /\.ya?ml$/.test(n))) {
    const doc = parse(readFileSync(join(dir, f), 'utf8')) as { datasources?: Array<{ uid: string; type: string }> };
    for (const ds of doc.datasources ?? []) provisioned.set(ds.uid, ds.type);
  }
  assert.ok(provisioned.has(PROM_UID), 'the Prometheus data source is provisioned');
  const used: Array<[string, DsRef]> = [];
  for (const d of dashboards) {
    for (const p of allPanels(d.panels)) {
      if (p.datasource) used.push([`${d.title} / "${p.title}"`, p.datasource]);
      for (const t of p.targets ?? []) if (t.datasource) used.push([`${d.title} / "${p.title}" / ${t.refId}`, t.datasource]);
    }
    for (const v of d.templating?.list ?? []) if (v.datasource) used.push([`${d.title} variable ${v.name}`, v.datasource]);
  }
  assert.ok(used.length > 10);
  for (const [where, ref] of used) {
    assert.ok(ref.uid && provisioned.has(ref.uid), `${where} uses data source uid ${ref.uid}, which is not provisioned (${[...provisioned.keys()].join(', ')})`);
    if (ref.type) assert.equal(ref.type, provisioned.get(ref.uid), `${where}: type of ${ref.uid}`);
  }
});

test('the rule groups are loaded by the stack Prometheus and evaluate without errors', async () => {
  const groups = await waitFor(
    async () => {
      const { body } = await httpJson<PromApi<{ groups: Array<{ name: string; rules: Array<{ name: string; health: string; lastError?: string; lastEvaluation: string }> }> }>>(
        `${urls.prometheus()}/api/v1/rules`,
      );
      const g = body.data.groups;
      // Wait for an evaluation of every rule after the demo started.
      return g.length > 0 && g.every((x) => x.rules.every((r) => Date.parse(r.lastEvaluation) / 1000 > startedAt)) && g;
    },
    { what: 'every rule evaluated after the demo started', timeoutMs: 60_000, intervalMs: 1000 },
  );
  const names = groups.map((g) => g.name);
  for (const n of ['crm-lead-conversion', 'crm-http', 'crm-business', 'otel-collector', 'otel-register']) assert.ok(names.includes(n), `rule group ${n} loaded (${names.join(', ')})`);
  for (const g of groups) for (const r of g.rules) assert.equal(r.health, 'ok', `${g.name}/${r.name}: ${r.lastError ?? ''}`);
});

test('CrmLeadSyncFailures fires for a source whose syncs fail 50% of the time', async () => {
  const alert = await waitFor(
    async () => (await alerts()).find((a) => a.labels['alertname'] === 'CrmLeadSyncFailures' && a.labels['source'] === syncSource && a.state === 'firing'),
    { what: `CrmLeadSyncFailures{source="${syncSource}"} firing`, timeoutMs: 150_000, intervalMs: 2000 },
  );
  assert.ok(Date.parse(alert.activeAt) / 1000 >= startedAt - 1, `the alert became active during this test (${alert.activeAt})`);
});

test('every Prometheus query of every panel and variable is accepted, and the demo fills the panels', async () => {
  // By now the demo has run for more than a minute (previous test), so rate() windows are full.
  const failures: string[] = [];
  const empty: string[] = [];
  const byPanel = new Map<Panel, { where: string; rows: number }>();
  for (const q of promQueries()) {
    const expr = substitute(q.expr);
    const r = await query(expr);
    if (r.status !== 'success') {
      failures.push(`${q.where}: ${r.errorType ?? ''} ${r.error ?? ''}\n    ${expr}`);
      continue;
    }
    const prev = byPanel.get(q.panel) ?? { where: `${q.dashboard.title} / "${q.panel.title}"`, rows: 0 };
    byPanel.set(q.panel, { where: prev.where, rows: prev.rows + r.data.result.length });
  }
  for (const v of variableQueries()) {
    const r = await query(v.expr);
    if (r.status !== 'success') failures.push(`${v.where}: ${r.error ?? ''}\n    ${v.expr}`);
    else if (r.data.result.length === 0) empty.push(v.where);
  }
  assert.deepEqual(failures, [], `queries Prometheus rejected:\n${failures.join('\n')}`);
  // Failure and drop counters are exposed at 0 from the start, so every panel has series.
  for (const { where, rows } of byPanel.values()) if (rows === 0) empty.push(where);
  assert.deepEqual(empty, [], `panels/variables without data while the demo runs:\n${empty.join('\n')}`);
});

test('the service variable lists the demo services', async () => {
  const r = await query('count by (service_name) (target_info)');
  const names = r.data.result.map((s) => s.metric['service_name']);
  assert.ok(names.includes('crm-service') && names.includes('crm-enrichment'), `service_name values: ${names.join(', ')}`);
});
