// Issue 13 point 2: defineEvent, a team's own event with the guards of the built-in ones. The
// issue's example as written feeds its counter (labels allow-listed, "other" outside the list),
// a span event and a log record named crm.contact.merged with the e-mail only as a keyed hash;
// a bad definition is refused at defineEvent time with one TypeError naming the problem; the
// input type is inferred from the definition (checked by `npm run typecheck`).
import { beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { context, logs, metrics, trace } from '@opentelemetry/api';
import { LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { configure, defineEvent, type EventInput } from '@crm/business-events';
import { useInMemorySdk } from '../support/sdk.ts';

const KEY = 'define-test-key-0123456789';
const sdk = useInMemorySdk();
const { spans, records } = sdk;
const warnings: string[] = [];

beforeEach(() => {
  warnings.length = 0;
  configure({ env: {}, pii: { hashKey: KEY }, onWarning: (m) => warnings.push(m) });
});

function inSpan(fn: () => void) {
  const span = trace.getTracer('test').startSpan('handler');
  context.with(trace.setSpan(context.active(), span), fn);
  span.end();
  return spans.getFinishedSpans().at(-1)!;
}

// The example, as written.
const contactMerged = defineEvent({
  name: 'crm.contact.merged',
  counter: 'contacts_merged_total',
  labels: { source: ['hubspot', 'salesforce', 'csv'] },
  fields: { contactId: 'id', mergedCount: 'count', email: 'pii' },
});

describe('the issue example', () => {
  test('counter with the allow-listed label, "other" outside the list; span event and log record; e-mail only hashed', async () => {
    const span = inSpan(() => {
      contactMerged({ contactId: 'C-1', mergedCount: 3, source: 'hubspot', email: 'ann@example.com' });
      contactMerged({ contactId: 'C-2', mergedCount: 1, source: 'Pipedrive', email: 'bob@example.com' });
    });
    assert.deepEqual(await sdk.series('contacts_merged_total'), [
      [{ source: 'hubspot' }, 1],
      [{ source: 'other' }, 1],
    ]);
    assert.deepEqual(span.events.map((e) => e.name), ['crm.contact.merged', 'crm.contact.merged']);
    assert.deepEqual(span.events[0]!.attributes, {
      'crm.contact.merged.contact_id': 'C-1',
      'crm.contact.merged.merged_count': 3,
      'crm.contact.merged.source': 'hubspot',
    });
    const [first, second] = records.getFinishedLogRecords();
    assert.equal(first!.eventName, 'crm.contact.merged');
    assert.equal(first!.severityText, 'INFO');
    assert.equal(first!.body, 'crm.contact.merged');
    assert.deepEqual(first!.attributes, {
      'event.name': 'crm.contact.merged',
      'crm.contact.merged.contact_id': 'C-1',
      'crm.contact.merged.merged_count': 3,
      'crm.contact.merged.email_hash': createHmac('sha256', KEY).update('ann@example.com').digest('hex'),
      'crm.contact.merged.source': 'hubspot',
    });
    assert.equal(second!.attributes['crm.contact.merged.source'], 'Pipedrive', 'the log keeps the (scrubbed) value');
    const all = JSON.stringify([records.getFinishedLogRecords().map((r) => r.attributes), span.events]);
    assert.ok(!all.includes('ann@') && !all.includes('bob@'), 'no e-mail in clear');
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /crm\.contact\.merged source "Pipedrive" is not in the allow-list; recorded as "other" \(add it to the allow-list of the label in the event's definition to keep it\)/);
  });

  test('bad input is rejected like a built-in event: counted, warned once, what was valid recorded; strict mode throws', async () => {
    contactMerged({ contactId: '', mergedCount: -1, source: 'csv', email: 42 as never });
    assert.deepEqual(await sdk.series('contacts_merged_total'), [[{ source: 'csv' }, 1]]);
    const rejected = (await sdk.series('business_events_rejected_total')).map(([a, v]) => [a['event'], a['reason'], v]);
    assert.deepEqual(rejected, [
      ['crm.contact.merged', 'missing_field', 1],
      ['crm.contact.merged', 'negative', 1],
      ['crm.contact.merged', 'wrong_type', 1],
    ]);
    assert.deepEqual(records.getFinishedLogRecords()[0]!.attributes['crm.event.rejected_fields'], ['contactId', 'mergedCount', 'email']);
    assert.ok(warnings.some((w) => w.startsWith('@crm/business-events crm.contact.merged: field "mergedCount" is -1; accepted: an integer >= 0')), warnings.join('\n'));
    assert.ok(warnings.some((w) => w.includes('field "email" is 42; accepted: a string')), warnings.join('\n'));
    assert.doesNotThrow(() => contactMerged(null as never));
    assert.doesNotThrow(() => contactMerged(new Proxy({}, { get: () => { throw new Error('trap'); } }) as never));
    configure({ env: {}, strict: true, onWarning: () => {} });
    assert.throws(() => contactMerged({ contactId: 'C-3', mergedCount: 1.5, source: 'csv' } as never), {
      name: 'TypeError',
      message: /crm\.contact\.merged: field "mergedCount" is 1.5; accepted: an integer >= 0/,
    });
  });

  test('with no SDK a defined event is a no-op that never throws', () => {
    metrics.disable();
    logs.disable();
    try {
      assert.doesNotThrow(() => contactMerged({ contactId: 'C-1', mergedCount: 3, source: 'hubspot', email: 'ann@example.com' }));
      assert.deepEqual(warnings, []);
    } finally {
      logs.setGlobalLoggerProvider(new LoggerProvider({ processors: [new SimpleLogRecordProcessor({ exporter: records })] }));
    }
  });
});

describe('options and types', () => {
  test('optional fields, bounds, severity and body; the input type follows the definition', async () => {
    const quoteSent = defineEvent({
      name: 'crm.quote.sent',
      counter: 'quotes_sent_total',
      labels: { channel: ['email', 'portal'] },
      fields: { quoteId: 'id', amount: { kind: 'number', max: 1_000_000 }, note: { kind: 'text', optional: true }, sentAt: { kind: 'date', optional: true } },
      severity: 'warn',
      body: 'Quote Sent',
    });
    const input: EventInput<{ quoteId: 'id'; amount: 'number' }, { channel: readonly ['email', 'portal'] }> = { quoteId: 1, amount: 5, channel: 'email' };
    void input;
    quoteSent({ quoteId: 'Q-1', amount: 2_000_000, channel: 'portal', note: 'call jane@acme.example', sentAt: new Date(0) });
    // @ts-expect-error a required field is missing
    quoteSent({ quoteId: 'Q-2', channel: 'email' });
    // @ts-expect-error a field of the wrong type
    quoteSent({ quoteId: 'Q-3', amount: '5', channel: 'email' });
    const [record] = records.getFinishedLogRecords();
    assert.equal(record!.severityText, 'WARN');
    assert.equal(record!.body, 'Quote Sent');
    assert.deepEqual(record!.attributes['crm.event.rejected_fields'], ['amount']);
    assert.match(String(record!.attributes['crm.quote.sent.note']), /^call \[email:[0-9a-f]{16}\]$/);
    assert.equal(record!.attributes['crm.quote.sent.sent_at'], '1970-01-01T00:00:00.000Z');
    assert.equal(quoteSent.eventName, 'crm.quote.sent');
    assert.deepEqual(await sdk.series('quotes_sent_total'), [
      [{ channel: 'portal' }, 1],
      [{ channel: 'email' }, 2],
    ]);
  });
});

describe('bad definitions throw one TypeError at defineEvent time', () => {
  const cases: [string, () => unknown, RegExp][] = [
    ['an invalid name', () => defineEvent({ name: 'Contact Merged!', counter: 'a_total' }), /defineEvent\(Contact Merged!\): name is "Contact Merged!"; accepted: dotted lower-case words/],
    ['a one-word name', () => defineEvent({ name: 'merged' }), /name is "merged"; accepted: dotted lower-case words/],
    ['a label without an allow-list', () => defineEvent({ name: 'crm.ticket.created', labels: { priority: [] } }), /label "priority" has no allow-list; accepted: an array of 1 to 200 non-empty strings/],
    ['a label given as a bare string', () => defineEvent({ name: 'crm.ticket.created', labels: { priority: 'high' as never } }), /label "priority" has no allow-list/],
    ['an invalid Prometheus metric name', () => defineEvent({ name: 'crm.ticket.created', counter: 'tickets-created_total' }), /counter is "tickets-created_total"; accepted: a Prometheus metric name \(\[a-zA-Z_:\]\[a-zA-Z0-9_:\]\*\) ending in _total/],
    ['a counter without _total', () => defineEvent({ name: 'crm.ticket.created', counter: 'tickets_created' }), /counter is "tickets_created"; accepted/],
    ['an invalid label name', () => defineEvent({ name: 'crm.ticket.created', labels: { 'prio-rity': ['a'] } }), /label "prio-rity" is not a usable Prometheus label name/],
    ['a built-in event name', () => defineEvent({ name: 'crm.lead.created' }), /name "crm\.lead\.created" is already the name of another event/],
    ['a defined event name', () => defineEvent({ name: 'crm.contact.merged' }), /name "crm\.contact\.merged" is already the name of another event/],
    ['a counter another event feeds', () => defineEvent({ name: 'crm.lead.imported', counter: 'leads_created_total' }), /counter "leads_created_total" is already fed by another event/],
    ['an unknown field kind', () => defineEvent({ name: 'crm.ticket.created', fields: { ticketId: 'uuid' as never } }), /field "ticketId" has kind "uuid"; accepted: id, count, number, text, pii, date/],
    ['a key both label and field', () => defineEvent({ name: 'crm.ticket.created', labels: { source: ['a'] }, fields: { source: 'text' } }), /"source" is both a label and a field/],
  ];
  for (const [what, define, message] of cases) {
    test(what, () => {
      assert.throws(define, (err: Error) => {
        assert.equal(err.name, 'TypeError');
        assert.match(err.message, /^@crm\/business-events defineEvent\(/);
        assert.match(err.message, message);
        return true;
      });
    });
  }

  test('every problem of one definition in the one error; a refused definition takes no name', () => {
    assert.throws(() => defineEvent({ name: 'crm.ticket.closed', counter: 'bad name', labels: { priority: [] } }), (err: Error) => {
      assert.match(err.message, /counter is "bad name".*; label "priority" has no allow-list/);
      return true;
    });
    assert.doesNotThrow(() => defineEvent({ name: 'crm.ticket.closed', counter: 'tickets_closed_total', labels: { priority: ['low', 'high'] } }));
  });
});
