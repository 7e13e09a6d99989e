// Issue 10, point 6: business events scrub personal data with @crm/redact, the one engine the
// register uses: context keys (an e-mail address never becomes an attribute key; the engine's
// secret words redact the value), scrubbing before the 1 KiB cut, every e-mail form the engine
// knows; and no warning, stderr line or strict-mode message repeats a value that may be personal.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { context, trace } from '@opentelemetry/api';
import { QUERY_ONLY_WORDS, SECRET_WORDS, WHOLE_KEY_WORDS } from '@crm/redact';
import { createBusinessEvents, type BusinessEvents, type BusinessEventsOptions } from '@crm/business-events';
import { REPO } from '@crm/test-kit';
import { useInMemorySdk } from '../support/sdk.ts';

const KEY = 'a-test-key-of-32-characters-long';
const hmac = (v: string) => createHmac('sha256', KEY).update(v).digest('hex');
const marker = (address: string) => `[email:${hmac(address).slice(0, 16)}]`;

const { records: logRecords } = useInMemorySdk();

function events(opts: BusinessEventsOptions = {}): { ev: BusinessEvents; warnings: string[] } {
  const warnings: string[] = [];
  return { ev: createBusinessEvents({ env: {}, pii: { hashKey: KEY }, onWarning: (m) => warnings.push(m), ...opts }), warnings };
}

/** The attributes of the one log record operationFailed wrote for `ctx` (and `message` as the error). */
function failedWith(ctx: Record<string, unknown>, message = 'x'): Record<string, unknown> {
  events().ev.operationFailed({ operation: 'lead_sync', error: new Error(message), context: ctx });
  const records = logRecords.getFinishedLogRecords();
  assert.equal(records.length, 1);
  return records[0]!.attributes as Record<string, unknown>;
}

describe('context keys', () => {
  test('an e-mail address used as a context key never becomes an attribute key: it becomes its hash marker', () => {
    const attrs = failedWith({
      'jane@acme.example': 'unsubscribed',
      'JANE%40acme.example': 1,
      'jöhn@bücher.example': 2,
      'bob＠corp.example': 3,
      'ann%2540corp.example': 4,
      leadId: 'L-1',
    });
    const keys = Object.keys(attrs).filter((k) => k.startsWith('crm.context.'));
    assert.equal(keys.length, 5, keys.join(', ')); // jane@ and JANE%40 are one address, so one key
    for (const k of keys) for (const part of ['@', 'jane', 'JANE', 'acme', 'hn', 'cher', 'bob', 'ann', 'corp']) assert.ok(!k.includes(part), `${part} in ${k}`);
    const key = (address: string) => `crm.context.${marker(address).replace(/[[\]:]/g, '_')}`;
    assert.equal(attrs[key('jane@acme.example')], 1, 'the later key with the same address wins');
    assert.equal(attrs[key('jöhn@bücher.example')], 2);
    assert.equal(attrs[key('bob@corp.example')], 3);
    assert.equal(attrs[key('ann@corp.example')], 4);
    assert.equal(attrs['crm.context.leadId'], 'L-1');
  });

  test("secret-named context keys are redacted with the engine's whole word list; ordinary keys are kept", () => {
    const secretKeys = [
      ...SECRET_WORDS,
      ...WHOLE_KEY_WORDS.filter((w) => !(QUERY_ONLY_WORDS as readonly string[]).includes(w)),
      'secretAnswer', 'authToken', 'sessionToken', 'private_key', 'x-csrf-token', 'api-key', 'db_password', 'accessKey',
    ];
    for (const required of ['pwd', 'session', 'auth', 'jwt', 'otp', 'pass', 'credentials']) assert.ok(secretKeys.includes(required), required);
    const ctx: Record<string, unknown> = {};
    secretKeys.forEach((k, i) => (ctx[k] = `SECRET-VALUE-${i}`));
    // under the 32-field bound: split in two calls
    const first = Object.fromEntries(Object.entries(ctx).slice(0, 24));
    const second = { ...Object.fromEntries(Object.entries(ctx).slice(24)), leadId: 'L-1', attempt: 2, sessionCount: 3, passport: 'P-9', keyboard: 'qwerty', nested: { pwd: 'SECRET-VALUE-n1', jwt: 'SECRET-VALUE-n2', note: 'ok' } };
    const a = failedWith(first);
    logRecords.reset();
    const b = failedWith(second);
    for (const [k] of Object.entries(ctx)) {
      const attrs = k in first ? a : b;
      assert.equal(attrs[`crm.context.${k.replace(/[^A-Za-z0-9_.-]/g, '_')}`], '[REDACTED]', k);
    }
    assert.equal(b['crm.context.leadId'], 'L-1');
    assert.equal(b['crm.context.attempt'], 2);
    assert.equal(b['crm.context.sessionCount'], 3);
    assert.equal(b['crm.context.passport'], 'P-9');
    assert.equal(b['crm.context.keyboard'], 'qwerty');
    assert.equal(b['crm.context.nested'], '{"pwd":"[REDACTED]","jwt":"[REDACTED]","note":"ok"}');
    assert.ok(!JSON.stringify([a, b]).includes('SECRET-VALUE'));
  });
});

describe('free text', () => {
  test('scrubbing comes before the 1 KiB cut: an address across the cut leaves none of its parts', () => {
    const filler = 'x '.repeat(505); // 1010 characters: the address spans the cut at 1024
    const address = 'jöhn.doe@bücher.example';
    const attrs = failedWith({ note: `${filler}${address} and more` }, `${filler}${address} and more`);
    const expected = `${filler}${marker(address)}`.slice(0, 1024) + '...';
    assert.equal(attrs['exception.message'], expected);
    assert.equal(attrs['crm.context.note'], expected);
    for (const part of ['jöhn', 'doe@', 'bücher']) assert.ok(!JSON.stringify(attrs).includes(part), part);
  });

  test('every e-mail form the engine knows is replaced, and one address hashes alike in every form', () => {
    const forms = ['JANE%40acme.example', 'jane%2540acme.example', 'jane＠acme.example', 'Jane@ACME.example'];
    const others = ['jöhn@bücher.example', 'ops@10.1.2.3', 'root@localhost'];
    const attrs = failedWith({ note: [...forms, ...others].join(' ; ') }, `duplicate ${forms.join(', ')}`);
    const jane = marker('jane@acme.example');
    assert.equal(attrs['exception.message'], `duplicate ${forms.map(() => jane).join(', ')}`);
    assert.equal(attrs['crm.context.note'], [...forms.map(() => jane), ...others.map((o) => marker(o))].join(' ; '));
    // the same hash as the lead's crm.lead.email_hash
    logRecords.reset();
    events().ev.leadCreated({ id: 'L-1', source: 'manual', email: 'jane@acme.example' });
    assert.equal(String(logRecords.getFinishedLogRecords()[0]?.attributes['crm.lead.email_hash']).slice(0, 16), jane.slice(7, 23));
  });

  test('a free-text value outside an allow-list is scrubbed in the log record; allow-listed values are kept as given', () => {
    const { ev } = events();
    ev.leadCreated({ id: 'L-1', source: 'jane@acme.example' });
    ev.leadCreated({ id: 'L-2', source: 'HaloPSA' });
    const [outside, listed] = logRecords.getFinishedLogRecords();
    assert.equal(outside?.attributes['crm.lead.source'], marker('jane@acme.example'));
    assert.equal(listed?.attributes['crm.lead.source'], 'HaloPSA');
  });
});

describe('messages never repeat personal data', () => {
  const address = 'jane@acme.example';
  const mark = marker(address);
  // Rejections: in a warning by default, in the TypeError in strict mode.
  const rejected: [string, (ev: BusinessEvents) => void][] = [
    ['score', (ev) => ev.leadCreated({ id: 'L-1', source: 'manual', score: address as never })],
    ['outcome', (ev) => ev.opportunityClosed({ id: 'O-1', outcome: address as never, value: 1 })],
    ['expectedCloseDate', (ev) => ev.opportunityCreated({ id: 'O-1', value: 1, currency: 'USD', stage: 'demo', expectedCloseDate: `call ${address}` })],
    ['durationMs', (ev) => ev.syncCompleted({ source: 'apollo', processed: 1, successful: 1, failed: 0, durationMs: `${address} 5` as never })],
    ['context', (ev) => ev.operationFailed({ operation: 'lead_sync', error: new Error('x'), context: address as never })],
    ['outcome with a secret', (ev) => ev.opportunityClosed({ id: 'O-1', outcome: 'password=hunter2' as never, value: 1 })],
  ];
  // Values outside an allow-list: recorded as `other`, named in a warning.
  const outside: [string, (ev: BusinessEvents) => void][] = [
    ['source', (ev) => ev.leadCreated({ id: 'L-1', source: address })],
    ['stage with a secret', (ev) => ev.opportunityStageChanged({ id: 'O-1', from: 'demo', to: 'password=hunter2', value: 1 })],
  ];

  test('default mode: each warning shows the scrubbed value', () => {
    const { ev, warnings } = events();
    for (const [, call] of [...rejected.slice(0, 5), ...outside]) call(ev);
    const { ev: other, warnings: secretWarnings } = events();
    rejected[5]![1](other);
    assert.equal(warnings.length, 7, warnings.join('\n'));
    for (const w of [...warnings, ...secretWarnings]) for (const part of ['jane', 'acme', 'hunter2']) assert.ok(!w.includes(part), `${part} in: ${w}`);
    assert.equal(warnings.filter((w) => w.includes(mark)).length, 6, warnings.join('\n'));
    assert.equal(warnings.filter((w) => w.includes('"password=[REDACTED]"')).length, 1, warnings.join('\n'));
    assert.equal(secretWarnings.filter((w) => w.includes('field "outcome" is "password=[REDACTED]" (string)')).length, 1, secretWarnings.join('\n'));
  });

  test('strict mode: the TypeError shows the scrubbed value', () => {
    const { ev } = events({ strict: true });
    assert.throws(
      () => ev.opportunityClosed({ id: 'O-1', outcome: address as never, value: 1 }),
      (err: unknown) => err instanceof TypeError && err.message === `@crm/business-events opportunityClosed: field "outcome" is "${mark}" (string); accepted: "won" or "lost"`,
    );
    for (const [name, call] of rejected) {
      assert.throws(() => call(ev), (err: unknown) => err instanceof TypeError && !/jane|acme|hunter2/.test(err.message), name);
    }
  });

  test('an SDK error message is scrubbed in its warning', () => {
    const { ev, warnings } = events();
    const span = trace.getTracer('t').startSpan('s');
    span.addEvent = () => {
      throw new Error(`rejected attribute value ${address}`);
    };
    context.with(trace.setSpan(context.active(), span), () => ev.leadCreated({ id: 'L-1', source: 'manual' }));
    assert.deepEqual(
      warnings.filter((w) => w.includes('SDK failed')),
      [`@crm/business-events leadCreated: the OpenTelemetry SDK failed while recording crm.lead.created (rejected attribute value ${mark}); the call returned normally`],
    );
  });

  test('stderr of a real process (the default process.emitWarning sink) shows no e-mail address', () => {
    const script = `
      const { metrics } = require('@opentelemetry/api');
      const { MeterProvider } = require('@opentelemetry/sdk-metrics');
      metrics.setGlobalMeterProvider(new MeterProvider());
      const events = require('@crm/business-events');
      events.leadCreated({ id: 'L-1', source: '${address}', score: '${address}' });
      events.opportunityClosed({ id: 'O-1', outcome: 'jane%40acme.example', value: 1 });
    `;
    const r = spawnSync(process.execPath, ['-e', script], { cwd: REPO, encoding: 'utf8', env: { PATH: process.env.PATH, CRM_EVENTS_HASH_KEY: KEY }, timeout: 30_000 });
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stderr.split('\n').filter((l) => l.includes('CrmBusinessEventsWarning'));
    assert.equal(lines.length, 3, r.stderr);
    assert.equal(lines.filter((l) => l.includes(mark)).length, 3, r.stderr);
    assert.ok(!/jane|acme/.test(r.stderr), r.stderr);
  });
});
