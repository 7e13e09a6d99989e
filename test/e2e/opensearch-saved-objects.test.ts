// The OpenSearch Dashboards saved objects (otel-collector/opensearch-dashboards/saved-objects.ndjson,
// imported under docker compose by stack/opensearch-dashboards-setup.sh) against the real local
// OpenSearch: every saved search's query runs as Dashboards sends it (Lucene -> query_string, on
// its index pattern, last 15 minutes), finds the demo services' records of this run that it is
// for, and only those. The local stack has no Dashboards; the import itself runs under compose.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { osCount, osRefresh, osSearch, type OsQuery } from '../support/backends.ts';
import { REPO, waitFor } from '@crm/test-kit';
import {
  FAST_EXPORT, api, createLead, exactly, expectStatus, runId, startDemoServices, type DemoServices,
} from '../support/demo.ts';

interface SavedObject {
  type: string;
  id: string;
  attributes: { title: string; timeFieldName?: string; columns?: string[]; kibanaSavedObjectMeta?: { searchSourceJSON: string } };
  references: Array<{ name: string; type: string; id: string }>;
}
interface SearchSource { query: { query: string; language: string }; filter: unknown[]; indexRefName: string }

const OBJECTS = readFileSync(join(REPO, 'otel-collector', 'opensearch-dashboards', 'saved-objects.ndjson'), 'utf8')
  .split('\n').filter(Boolean).map((l) => JSON.parse(l) as SavedObject);
const patterns = new Map(OBJECTS.filter((o) => o.type === 'index-pattern').map((o) => [o.id, o.attributes]));
const searches = OBJECTS.filter((o) => o.type === 'search').map((o) => {
  const source = JSON.parse(o.attributes.kibanaSavedObjectMeta!.searchSourceJSON) as SearchSource;
  const ref = o.references.find((r) => r.name === source.indexRefName);
  return { id: o.id, title: o.attributes.title, columns: o.attributes.columns ?? [], source, pattern: ref ? patterns.get(ref.id) : undefined };
});

const RUN = runId('saved');
const INSTANCES = [`${RUN}-crm`, `${RUN}-enrichment`];
const EVENT_NAMES = ['crm.lead.created', 'crm.lead.converted', 'crm.opportunity.created', 'crm.opportunity.stage_changed', 'crm.opportunity.closed', 'crm.sync.completed', 'crm.operation.failed'];
let demo: DemoServices | undefined;

interface Doc {
  severity?: { number?: number; text?: string };
  body?: string;
  attributes?: Record<string, unknown>;
  resource?: Record<string, unknown>;
}

/** What Dashboards sends for a saved search: its Lucene query as query_string (with Dashboards'
 * default analyze_wildcard), its filters, and the time picker's range on the index pattern's
 * time field; narrowed here to this run's services. */
function dashboardsQuery(s: (typeof searches)[number]): OsQuery {
  assert.equal(s.source.query.language, 'lucene');
  return {
    bool: {
      must: [{ query_string: { query: s.source.query.query, analyze_wildcard: true } }],
      filter: [
        ...(s.source.filter as OsQuery[]),
        { range: { [s.pattern!.timeFieldName!]: { gte: 'now-15m', lte: 'now' } } },
        exactly('resource.service.instance.id', INSTANCES),
      ],
    },
  };
}

before(async () => {
  demo = await startDemoServices({ runId: RUN, env: FAST_EXPORT });
  const base = demo.crm.base;
  // Every business event, errors (the enrichment provider fails for fail-*.example: an ERROR log
  // line in the enrichment service), and one slow request (a 10,000-record sync waits 2 ms per
  // 25 records: at least 800 ms).
  const lead = await createLead(base, { source: 'website', email: 'ada@acme.com' });
  await createLead(base, { source: 'referral', email: 'grace@fail-provider.example' });
  await expectStatus(api(base, 'POST', `/api/leads/${lead.id}/convert`), 201, 'convert');
  const opp = await expectStatus(api(base, 'POST', '/api/opportunities', { name: 'Deal', value: 42_000, currency: 'EUR', stage: 'prospecting' }), 201, 'opportunity');
  const oppId = String((opp.body as { id: string }).id);
  await expectStatus(api(base, 'PATCH', `/api/opportunities/${oppId}/stage`, { stage: 'proposal' }), 200, 'stage');
  await expectStatus(api(base, 'POST', `/api/opportunities/${oppId}/close`, { outcome: 'won' }), 200, 'close');
  await expectStatus(api(base, 'POST', '/api/sync/apollo', { records: 10_000, failures: 3 }), 200, 'slow sync');
  await expectStatus(api(base, 'POST', '/api/sync/halopsa', { records: 10, failures: 0 }), 200, 'fast sync');
  // Wait for the records of this run in both families (the collector batches, OpenSearch refreshes).
  const mine = exactly('resource.service.instance.id', INSTANCES);
  await waitFor(async () => {
    await osRefresh('crm-*');
    const events = await osSearch<Doc>('crm-business-events-*', mine, 500);
    const names = new Set(events.map((d) => d._source.attributes?.['event.name']));
    const slow = await osCount('crm-app-logs-*', { bool: { filter: [mine, { match_phrase: { body: 'request completed' } }, { range: { 'attributes.durationMs': { gt: 500 } } }] } });
    const errors = await osCount('crm-app-logs-*', { bool: { filter: [mine, { match_phrase: { body: 'company data provider unavailable' } }] } });
    return EVENT_NAMES.every((n) => names.has(n)) && slow > 0 && errors > 0;
  }, { what: 'this run\'s business events, slow request and error in OpenSearch', timeoutMs: 90_000, intervalMs: 1000 });
});

after(async () => {
  await demo?.stop();
});

test('the saved objects: an index pattern per log family and the saved searches, each on one of them', () => {
  assert.deepEqual([...patterns.values()].map((p) => [p.title, p.timeFieldName]).sort(), [
    ['crm-app-logs-*', '@timestamp'],
    ['crm-audit-*', '@timestamp'],
    ['crm-business-events-*', '@timestamp'],
  ]);
  const ids = searches.map((s) => s.id);
  for (const id of ['crm-errors', 'crm-slow-requests', 'crm-business-events-all']) assert.ok(ids.includes(id), `saved search ${id}`);
  for (const s of searches) assert.ok(s.pattern, `${s.title}: its index pattern is in the file`);
  // One saved search per business event name the kit emits.
  const byName = searches.map((s) => /^attributes\.event\.name:"([a-z._]+)"$/.exec(s.source.query.query)?.[1]).filter(Boolean);
  assert.deepEqual(byName.sort(), [...EVENT_NAMES].sort());
});

test('every saved search runs against OpenSearch as Dashboards sends it; those for this run\'s records find them', async () => {
  // Searches for records this run does not make (e.g. uncaught exceptions) only have to run.
  const forThisRun = (id: string): boolean => ['crm-errors', 'crm-slow-requests', 'crm-business-events-all'].includes(id) || id.startsWith('crm-event-');
  for (const s of searches) {
    const hits = await osSearch<Doc>(s.pattern!.title, dashboardsQuery(s), 500);
    if (!forThisRun(s.id)) continue;
    assert.ok(hits.length > 0, `${s.title}: no record of this run (${s.source.query.query})`);
    // Every column the search shows exists on at least one of its records.
    for (const col of s.columns.filter((c) => !['traceId', 'body'].includes(c))) {
      const [, root, key] = /^(attributes|resource)\.(.+)$/.exec(col) ?? [];
      if (!root) continue;
      assert.ok(hits.some((h) => (h._source as Record<string, Record<string, unknown>>)[root]?.[key!] !== undefined), `${s.title}: column ${col} is on none of its records`);
    }
  }
});

test('"Errors" finds the ERROR records (the failing enrichment lookup) and no record below ERROR', async () => {
  const s = searches.find((x) => x.id === 'crm-errors')!;
  const hits = await osSearch<Doc>(s.pattern!.title, dashboardsQuery(s), 500);
  assert.ok(hits.some((h) => h._source.body === 'company data provider unavailable'), JSON.stringify(hits.map((h) => h._source.body)));
  for (const h of hits) assert.ok((h._source.severity?.number ?? 0) >= 17, `${h._source.severity?.text} ${h._source.body}`);
  // The warning the CRM logs for the same failure is not an error.
  const warnings = await osCount(s.pattern!.title, { bool: { filter: [exactly('resource.service.instance.id', INSTANCES), { range: { 'severity.number': { gte: 13, lt: 17 } } }] } });
  assert.ok(warnings > 0, 'this run logged warnings, which the search leaves out');
});

test('"Slow requests" finds the slow sync and none of the fast requests', async () => {
  const s = searches.find((x) => x.id === 'crm-slow-requests')!;
  const hits = await osSearch<Doc>(s.pattern!.title, dashboardsQuery(s), 500);
  assert.ok(hits.some((h) => h._source.attributes?.['url'] === '/api/sync/apollo'), JSON.stringify(hits.map((h) => h._source.attributes)));
  for (const h of hits) assert.ok(Number(h._source.attributes?.['durationMs']) > 500, JSON.stringify(h._source.attributes));
  const all = await osCount(s.pattern!.title, { bool: { filter: [exactly('resource.service.instance.id', INSTANCES), { match_phrase: { body: 'request completed' } }] } });
  assert.ok(all > hits.length, `fast requests (${all - hits.length}) are left out`);
});

test('each "Business events: <name>" search finds exactly that event', async () => {
  for (const name of EVENT_NAMES) {
    const s = searches.find((x) => x.source.query.query === `attributes.event.name:"${name}"`)!;
    const hits = await osSearch<Doc>(s.pattern!.title, dashboardsQuery(s), 500);
    assert.ok(hits.length > 0, `${name}: no record`);
    for (const h of hits) assert.equal(h._source.attributes?.['event.name'], name);
  }
  const s = searches.find((x) => x.id === 'crm-business-events-all')!;
  const names = new Set((await osSearch<Doc>(s.pattern!.title, dashboardsQuery(s), 500)).map((h) => h._source.attributes?.['event.name']));
  for (const name of EVENT_NAMES) assert.ok(names.has(name), `"Business events (all)" has ${name}`);
});
