// Issue 10: the attack corpus replayed through the real preload (CommonJS and ESM apps, pino and
// winston, Express and node:http spans) into the in-process OTLP receiver. For every case the
// carrier (the log records, spans and events that hold the text) is shown to have arrived first;
// then no marker may be found in any exported byte, on /metrics, or on the app's stdout/stderr.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { useRegisterHarness, type ListeningApp } from '../support/register-harness.ts';
import type { OtlpReceiver } from '@crm/test-kit';
import { ORDINARY, SECRET_HEADERS, SECRET_KEYS, TEXT_ATTACKS } from './corpus.ts';

const harness = useRegisterHarness();

async function post(app: ListeningApp, body: unknown): Promise<void> {
  const res = await fetch(`${app.base}/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  assert.equal(res.status, 200);
  await res.text();
}

/** A value nested `levels` deep: {a: {a: … {text}}}. */
function nest(levels: number, text: string): unknown {
  let v: unknown = { text };
  for (let i = 0; i < levels; i++) v = { a: v };
  return v;
}

/** Waits until both log bridges (pino, winston) delivered a record for each id, and a span carries it. */
async function carriersArrived(receiver: OtlpReceiver, ids: string[]): Promise<void> {
  await receiver.waitFor(`log records and spans of ${ids.length} cases`, () =>
    ids.every((id) => {
      const scopes = new Set(receiver.logs.filter((l) => l.attributes['caseId'] === id).map((l) => l.scope));
      const span = receiver.spans.some((s) => s.attributes['attack.id'] === id && s.events.some((e) => e.attributes['attack.id'] === id));
      const link = receiver.spans.some((s) => s.name === `attack.link ${id}`);
      return scopes.size >= 2 && span && link;
    }),
  30_000);
}

for (const preload of ['require', 'import'] as const) {
  describe(`attack corpus, --${preload}`, () => {
    test('every marker is absent from everything exported, scraped and printed, after its carrier arrived', async () => {
      const app = await harness.app({
        file: preload === 'require' ? 'attack-app.cjs' : 'attack-app.mjs',
        preload,
        env: {
          OTEL_INSTRUMENTATION_HTTP_SERVER_CAPTURE_REQUEST_HEADERS: [...SECRET_HEADERS, 'baggage', 'tracestate'].join(','),
          OTEL_RESOURCE_ATTRIBUTES: 'team=attack-corpus,crm.owner=ann.RsMrk@example.com,deploy.token=RtMrk',
        },
      });
      const receiver = harness.receiver;
      const tag = `${preload}${Date.now()}`;
      const markers: string[] = ['RsMrk', 'RtMrk'];
      const ids: string[] = [];

      // Free text in every channel, as a value, as a key and 12 levels deep; secret-named keys beside it.
      const keyed = Object.fromEntries(SECRET_KEYS.map((k, i) => [k, `Kv${i}Mrk`]));
      markers.push(...Object.values(keyed));
      for (const a of TEXT_ATTACKS) {
        const id = `${tag}-${a.id}`;
        ids.push(id);
        markers.push(a.marker);
        await post(app, { id, text: a.text, attrs: keyed, deep: nest(12, a.text) });
      }

      // Secret headers, tracestate and baggage captured on the server span; query forms in url.query
      // and in the outgoing call's url.full; an Express error message in the status message.
      const headers: Record<string, string> = Object.fromEntries(SECRET_HEADERS.map((h, i) => [h, `Hd${i}Mrk`]));
      markers.push(...Object.values(headers));
      headers['traceparent'] = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
      headers['tracestate'] = 'crm=ann.TsMrk@example.com,other=plain';
      headers['baggage'] = 'tenant=acme,token=BgMrk,region=eu';
      markers.push('TsMrk', 'BgMrk');
      assert.equal((await fetch(`${app.base}/sink?h=1`, { headers })).status, 200);
      const queries = TEXT_ATTACKS.filter((a) => a.text.startsWith('/'));
      for (const a of queries) {
        const query = a.text.slice(a.text.indexOf('?') + 1);
        if (a.text.includes('?')) assert.equal((await fetch(`${app.base}/q?${query}`)).status, 200);
      }
      for (const a of TEXT_ATTACKS.slice(0, 10)) assert.equal((await fetch(`${app.base}/fail?m=${encodeURIComponent(a.text)}`)).status, 500);

      await carriersArrived(receiver, ids);
      const withQuery = queries.filter((a) => a.text.includes('?')).length;
      await receiver.waitFor('the /q, /sink and /fail spans', () =>
        receiver.spans.filter((s) => s.attributes['url.path'] === '/q').length >= withQuery &&
        receiver.spans.some((s) => s.attributes['url.path'] === '/sink' && s.attributes['http.request.header.tracestate'] !== undefined) &&
        receiver.spans.filter((s) => s.attributes['url.path'] === '/fail').length >= 10,
      );
      // The carriers hold the redacted form: proof the data went through the kit, not around it.
      const sink = receiver.spans.find((s) => s.attributes['http.request.header.x-auth-token'] !== undefined);
      assert.deepEqual(sink?.attributes['http.request.header.x-auth-token'], '[REDACTED]');
      assert.ok(receiver.logs.some((l) => String(l.body).includes('[REDACTED_EMAIL]')), 'e-mails replaced in log bodies');
      const resource = receiver.spans.find((s) => s.attributes['attack.id'] === ids[0])?.resource;
      assert.equal(resource?.['team'], 'attack-corpus', 'the resource from OTEL_RESOURCE_ATTRIBUTES arrived');
      assert.equal(resource?.['deploy.token'], '[REDACTED]');

      const metrics = await (await fetch(app.metricsUrl)).text();
      assert.match(metrics, /attack_requests/);
      const exported = receiver.everything();
      // The kit's own lines; the app's (Express prints the /fail errors' stacks) are the app's business.
      const printed = (app.stdout() + app.stderr()).split('\n').filter((l) => l.startsWith('[@crm/otel-register]')).join('\n');
      const leaks = markers.filter((mk) => exported.includes(mk) || metrics.includes(mk) || printed.includes(mk));
      const around = (mk: string): string => {
        const at = exported.indexOf(mk);
        return at >= 0 ? exported.slice(Math.max(0, at - 160), at + 40) : '(scrape or print)';
      };
      assert.deepEqual(leaks, [], `markers exported: ${leaks.map(around).join('\n')}\n${leaks.map((mk) => [...TEXT_ATTACKS.filter((a) => a.marker === mk).map((a) => a.id), mk].join(':')).join(', ')}`);
    });

    test('ordinary CRM text passes through unchanged', async () => {
      const app = await harness.app({ file: preload === 'require' ? 'attack-app.cjs' : 'attack-app.mjs', preload });
      const receiver = harness.receiver;
      const tag = `ord${preload}${Date.now()}`;
      const ids = ORDINARY.map((_, i) => `${tag}-${i}`);
      for (const [i, text] of ORDINARY.entries()) await post(app, { id: ids[i], text });
      await carriersArrived(receiver, ids);
      for (const [i, text] of ORDINARY.entries()) {
        const records = receiver.logs.filter((l) => l.attributes['caseId'] === ids[i]);
        for (const record of records) assert.equal(record.body, text, `log body of ${JSON.stringify(text)} (${record.scope})`);
        const span = receiver.spans.find((s) => s.attributes['attack.id'] === ids[i]);
        assert.equal(span?.attributes['attack.text'], text);
        assert.equal(span?.events.find((e) => e.attributes['attack.id'] === ids[i])?.name, text);
      }
    });
  });
}
