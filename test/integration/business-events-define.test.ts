// Issue 13 point 2, done when: the defineEvent example works as written in an app under the real
// preload (`node --import @crm/otel-register` for the ES module as written, `--require` for its
// CommonJS twin): contacts_merged_total{source="hubspot"} on a real
// /metrics scrape ("other" for a value outside the list), a span event and a log record named
// crm.contact.merged at the OTLP receiver, the e-mail only as a keyed hash.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { test } from 'node:test';
import { metricsText, parsePrometheusText, total } from '@crm/test-kit';
import { useRegisterHarness } from '../support/register-harness.ts';

const h = useRegisterHarness();

const KEY = 'contact-merged-key-0123456789';

for (const [file, preload] of [['contact-merged-app.mts', 'import'], ['contact-merged-app.cjs', 'require']] as const) {
  test(`the issue example, ${file} under --${preload} @crm/otel-register: /metrics, span event, log record, hashed e-mail`, async () => {
    const service = `contact-merged-${preload}`;
    const a = await h.app({ file, preload, env: { OTEL_SERVICE_NAME: service, CRM_EVENTS_HASH_KEY: KEY } });
    for (const source of ['hubspot', 'hubspot', 'Pipedrive']) assert.equal((await fetch(`${a.base}/merge?source=${source}`, { method: 'POST' })).status, 200);

    const text = await metricsText(a.metricsUrl);
    assert.match(text, /^# TYPE contacts_merged_total counter$/m);
    const samples = parsePrometheusText(text);
    assert.equal(total(samples, 'contacts_merged_total', { source: 'hubspot' }), 2);
    assert.equal(total(samples, 'contacts_merged_total', { source: 'other' }), 1);
    assert.ok(!text.includes('Pipedrive') && !text.includes('ann@') && !text.includes('C-1'), 'no free text, personal data or id on /metrics');

    const spans = await h.receiver.waitFor('three merge spans', () => {
      const found = h.receiver.spans.filter((s) => s.resource['service.name'] === service && s.name === 'merge contacts');
      return found.length === 3 ? found : undefined;
    });
    for (const span of spans) assert.deepEqual(span.events.map((e) => e.name), ['crm.contact.merged']);
    assert.equal(spans[0]!.events[0]!.attributes['crm.contact.merged.contact_id'], 'C-1');

    const records = await h.receiver.waitFor('three crm.contact.merged log records', () => {
      const found = h.receiver.logs.filter((l) => l.resource['service.name'] === service && l.eventName === 'crm.contact.merged');
      return found.length === 3 ? found : undefined;
    });
    const record = records[0]!;
    assert.equal(record.attributes['event.name'], 'crm.contact.merged');
    assert.equal(record.severityText, 'INFO');
    assert.equal(record.attributes['crm.contact.merged.email_hash'], createHmac('sha256', KEY).update('ann@example.com').digest('hex'));
    assert.equal(record.attributes['crm.contact.merged.merged_count'], 3);
    assert.equal(record.traceId, spans.find((s) => s.spanId === record.spanId)?.traceId, 'linked to its span');
    assert.ok(!h.receiver.everything().includes('ann@example.com'), 'the e-mail never leaves in clear');
    assert.doesNotMatch(a.stderr(), /CrmBusinessEventsWarning.*crm\.contact\.merged.*hubspot/, 'no warning for allow-listed values');
    assert.match(a.stderr(), /crm\.contact\.merged source "Pipedrive" is not in the allow-list/);
  });
}
