// The local stack (stack/start.sh, started by scripts/run-tests.mjs) is up and set up:
// each backend answers through its own API, OpenSearch carries the kit's templates,
// Prometheus scrapes its targets, and Jaeger keeps spans across a restart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { findTraces, getTrace, httpJson, promQuery, promTargets, stackStart, stackStop, urls } from '../support/backends.ts';
import { REPO, healthUrl, waitFor } from '@crm/test-kit';

test('collector, Jaeger, Prometheus and OpenSearch are healthy through their own APIs', async () => {
  const collector = await httpJson<{ status: string }>(healthUrl('collector'));
  assert.equal(collector.status, 200, `collector health: ${JSON.stringify(collector.body)}`);

  const jaeger = await httpJson<{ healthy: boolean }>(healthUrl('jaeger'));
  assert.equal(jaeger.status, 200);
  assert.equal(jaeger.body.healthy, true);
  const services = await httpJson<{ data: string[] | null }>(`${urls.jaeger()}/api/services`);
  assert.equal(services.status, 200, 'Jaeger query API /api/services');

  const ready = await fetch(`${urls.prometheus()}/-/ready`);
  assert.equal(ready.status, 200, 'Prometheus /-/ready');

  const cluster = await httpJson<{ status: string; number_of_nodes: number }>(`${urls.opensearch()}/_cluster/health`);
  assert.equal(cluster.status, 200);
  assert.ok(['green', 'yellow'].includes(cluster.body.status), `cluster status ${cluster.body.status}`);
  assert.equal(cluster.body.number_of_nodes, 1);
});

interface IndexTemplates { index_templates: { name: string; index_template: { index_patterns: string[]; composed_of: string[] } }[] }

test('OpenSearch has the kit\'s index templates; a new daily index gets 1 shard, 0 replicas and keyword trace ids', async () => {
  for (const [name, pattern] of [['crm-app-logs', 'crm-app-logs-*'], ['crm-business-events', 'crm-business-events-*']] as const) {
    const res = await httpJson<IndexTemplates>(`${urls.opensearch()}/_index_template/${name}`);
    assert.equal(res.status, 200, `index template ${name} missing: ${JSON.stringify(res.body)}`);
    const tpl = res.body.index_templates[0]?.index_template;
    assert.deepEqual(tpl?.index_patterns, [pattern]);
    assert.deepEqual(tpl?.composed_of, ['crm-otel-logs']);
  }

  // A document shaped like the collector's opensearch exporter output lands in a templated index.
  const index = `crm-business-events-stackhealth-${randomBytes(4).toString('hex')}`;
  try {
    const put = await httpJson(`${urls.opensearch()}/${index}/_doc?refresh=true`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        '@timestamp': new Date().toISOString(),
        traceId: '0af7651916cd43dd8448eb211c80319c',
        spanId: 'b7ad6b7169203331',
        severity: { text: 'INFO', number: 9 },
        body: 'deal won',
        attributes: { 'crm.event.name': 'deal.won', 'crm.deal.amount': 1200.5 },
        resource: { 'service.name': 'stack-health' },
      }),
    });
    assert.equal(put.status, 201, JSON.stringify(put.body));
    const settings = await httpJson<Record<string, { settings: { index: { number_of_shards: string; number_of_replicas: string } } }>>(
      `${urls.opensearch()}/${index}/_settings`,
    );
    assert.equal(settings.body[index]?.settings.index.number_of_shards, '1');
    assert.equal(settings.body[index]?.settings.index.number_of_replicas, '0');
    const field = await httpJson<Record<string, { mappings: Record<string, { mapping: Record<string, { type: string }> }> }>>(
      `${urls.opensearch()}/${index}/_mapping/field/traceId,@timestamp,attributes.crm.event.name,attributes.crm.deal.amount`,
    );
    const m = field.body[index]?.mappings;
    assert.equal(m?.traceId?.mapping.traceId?.type, 'keyword');
    assert.equal(m?.['@timestamp']?.mapping['@timestamp']?.type, 'date_nanos');
    assert.equal(m?.['attributes.crm.event.name']?.mapping.name?.type, 'keyword');
    assert.equal(m?.['attributes.crm.deal.amount']?.mapping.amount?.type, 'double', 'amounts keep double precision');
    // The trace id finds the document exactly (keyword, not analysed text).
    const hits = await httpJson<{ count: number }>(`${urls.opensearch()}/${index}/_count`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: { term: { traceId: '0af7651916cd43dd8448eb211c80319c' } } }),
    });
    assert.equal(hits.body.count, 1);
  } finally {
    await fetch(`${urls.opensearch()}/${index}`, { method: 'DELETE' });
  }
});

interface IsmPolicy {
  policy: {
    default_state: string;
    states: { name: string; transitions: { state_name: string; conditions?: { min_index_age?: string } }[]; actions: Record<string, unknown>[] }[];
    ism_template: { index_patterns: string[] }[];
  };
}

function runSetup(): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('bash', [join(REPO, 'stack', 'opensearch-setup.sh')], { cwd: REPO }, (err, stdout, stderr) =>
      err ? reject(new Error(`${err.message}\n${stdout}${stderr}`)) : resolve(stdout + stderr));
  });
}

test('the retention policy (hot -> warm at 7d -> delete at 90d) covers both index families, and is applied where ISM is loaded', async () => {
  const file = JSON.parse(readFileSync(join(REPO, 'otel-collector', 'opensearch', 'ism-policy-crm-logs-retention.json'), 'utf8')) as IsmPolicy;
  const states = new Map(file.policy.states.map((s) => [s.name, s]));
  assert.equal(file.policy.default_state, 'hot');
  assert.deepEqual(states.get('hot')?.transitions, [{ state_name: 'warm', conditions: { min_index_age: '7d' } }]);
  assert.deepEqual(states.get('warm')?.transitions, [{ state_name: 'delete', conditions: { min_index_age: '90d' } }]);
  assert.ok(states.get('delete')?.actions.some((a) => 'delete' in a), 'the delete state deletes the index');
  assert.deepEqual(file.policy.ism_template.flatMap((t) => t.index_patterns).sort(), ['crm-app-logs-*', 'crm-business-events-*']);

  // Re-running the setup is idempotent, and it tells the truth about ISM on this node.
  const output = await runSetup();
  const plugins = await httpJson<{ component: string }[]>(`${urls.opensearch()}/_cat/plugins?format=json`);
  const ismLoaded = plugins.body.some((p) => p.component === 'opensearch-index-management');
  if (ismLoaded) {
    const res = await httpJson<IsmPolicy>(`${urls.opensearch()}/_plugins/_ism/policies/crm-logs-retention`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body.policy.ism_template.flatMap((t) => t.index_patterns).sort(), ['crm-app-logs-*', 'crm-business-events-*']);
  } else {
    assert.match(output, /index-management \(ISM\) plugin is not loaded: retention policy crm-logs-retention not applied/);
  }
});

test('Prometheus has loaded its scrape targets and scrapes the collector', async () => {
  const targets = await promTargets();
  const pools = new Set(targets.map((t) => t.scrapePool));
  for (const job of ['crm-apps', 'otel-collector', 'otel-collector-exporter', 'jaeger', 'prometheus']) {
    assert.ok(pools.has(job), `scrape job ${job} missing; have ${[...pools].join(', ')}`);
  }
  assert.ok(targets.filter((t) => t.scrapePool === 'crm-apps').length >= 1, 'at least one app target from .stack/prometheus/targets-apps.json');

  // Scrapes run every 5s; wait for the collector's two endpoints and Prometheus itself to be up.
  await waitFor(async () => {
    const up = await promQuery('up{job=~"otel-collector|otel-collector-exporter|prometheus|jaeger"}');
    const byJob = new Map(up.map((s) => [s.metric.job, s.value]));
    return ['otel-collector', 'otel-collector-exporter', 'prometheus', 'jaeger'].every((j) => byJob.get(j) === 1);
  }, { timeoutMs: 30_000, what: 'up == 1 for the collector, its exporter, Jaeger and Prometheus' });
});

test('Jaeger keeps a trace across a restart (persistent storage)', async () => {
  const traceId = randomBytes(16).toString('hex');
  const spanId = randomBytes(8).toString('hex');
  const service = `stack-health-${randomBytes(3).toString('hex')}`;
  const now = BigInt(Date.now()) * 1_000_000n;
  const res = await fetch(`${urls.jaegerOtlpHttp()}/v1/traces`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      resourceSpans: [{
        resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
        scopeSpans: [{
          scope: { name: 'stack-health' },
          spans: [{ traceId, spanId, name: 'probe', kind: 1, startTimeUnixNano: String(now), endTimeUnixNano: String(now + 2_000_000n) }],
        }],
      }],
    }),
  });
  assert.equal(res.status, 200, `Jaeger OTLP/HTTP answered ${res.status}`);
  await waitFor(() => getTrace(traceId), { timeoutMs: 15_000, what: `trace ${traceId} in Jaeger` });

  await stackStop('jaeger');
  await assert.rejects(fetch(healthUrl('jaeger')), 'Jaeger is really down between stop and start');
  await stackStart('jaeger');

  const trace = await waitFor(() => getTrace(traceId), { timeoutMs: 15_000, what: `trace ${traceId} after the restart` });
  assert.equal(trace.spans.length, 1);
  assert.equal(trace.spans[0]?.spanID, spanId);
  assert.equal(trace.spans[0]?.operationName, 'probe');
  const found = await findTraces(service);
  assert.deepEqual(found.map((t) => t.traceID), [traceId]);
});
