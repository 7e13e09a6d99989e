// The redaction engine (@crm/redact) on its own: the corpus, keys, structures, size bounds,
// a property test with secrets in random encodings, positions and nesting, and a guard against
// super-linear time on adversarial input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createRedactor, REDACTED, REDACTED_EMAIL, TRUNCATED } from '@crm/redact';
import { ORDINARY, SECRET_KEYS, TEXT_ATTACKS } from './corpus.ts';

const r = createRedactor();

test('every attack in the corpus loses its marker; the text around it stays', () => {
  for (const a of TEXT_ATTACKS) {
    const out = r.text(a.text);
    assert.ok(!out.includes(a.marker), `${a.id}: ${out}`);
    assert.ok(out.includes(REDACTED) || out.includes(REDACTED_EMAIL), `${a.id}: ${out}`);
  }
  assert.equal(r.text(`password='s3cret' AND x=1`), `password='${REDACTED}' AND x=1`);
  assert.equal(r.text(`ALTER USER crm WITH PASSWORD 's3cret'`), `ALTER USER crm WITH PASSWORD '${REDACTED}'`);
  assert.equal(r.text('lead jane@example.com'), `lead ${REDACTED_EMAIL}`);
});

test('ordinary CRM text is unchanged', () => {
  for (const text of ORDINARY) assert.equal(r.text(text), text);
});

test('secret-named keys in camelCase, snake_case and kebab-case; ordinary names kept', () => {
  for (const key of [...SECRET_KEYS, 'crm.context.session', 'http.request.header.x-amz-security-token', 'db.password', 'XSRFToken', 'API_KEY', 'user[password]'])
    assert.ok(r.isSecretKey(key), key);
  for (const key of ['gen_ai.usage.input_tokens', 'messaging.kafka.message.key', 'session.id', 'http.route', 'lead.source', 'tokenizer', 'secretary', 'author', 'passenger', 'code.function'])
    assert.ok(!r.isSecretKey(key), key);
});

test('attribute maps: keys carrying e-mails are renamed, secret keys replaced, nesting bounded', () => {
  let deep: unknown = 'ann@example.com';
  for (let i = 0; i < 40; i++) deep = { a: deep };
  const attrs: Record<string, unknown> = { 'ann@example.com': 1, authToken: 'x', count: 3, nested: { pwd: 'p', list: ['bob@example.org'] }, deep };
  r.attributes(attrs);
  assert.deepEqual(Object.keys(attrs).sort(), [REDACTED_EMAIL, 'authToken', 'count', 'deep', 'nested']);
  assert.equal(attrs['authToken'], REDACTED);
  assert.deepEqual(attrs['nested'], { pwd: REDACTED, list: [REDACTED_EMAIL] });
  assert.ok(!JSON.stringify(attrs).includes('ann@'));
  assert.ok(JSON.stringify(attrs['deep']).includes(TRUNCATED));
});

test('strings over maxLength are cut before scanning, at a word boundary, and counted', () => {
  const small = createRedactor({ maxLength: 1024 });
  const text = `${'x '.repeat(510)}ann.longaddress@example.com and more`;
  const out = small.text(text);
  assert.ok(out.endsWith(TRUNCATED));
  assert.ok(!out.includes('ann.long'), 'the word the cut fell in is dropped, not left half-scanned');
  assert.equal(small.stats.truncated, 1);
});

test('property: secrets and e-mails embedded in random text, encodings and nesting never survive', () => {
  const filler = fc.stringMatching(/^[a-z0-9 .,:;/?&=_-]{0,40}$/);
  const marker = fc.stringMatching(/^[A-Z][a-z]{3}[0-9]{4}$/).map((s) => `Mk${s}`);
  const form = fc.constantFrom(
    (m: string) => `password=${m}`,
    (m: string) => `"secret": "${m}"`,
    (m: string) => `Authorization: Bearer ${m}x9`,
    (m: string) => `token%3D${m}`,
    (m: string) => `%2574oken=${m}`,
    (m: string) => `${m}@example.com`,
    (m: string) => `${m}%40crm.example`,
    (m: string) => `${m}%2540crm.example`,
    (m: string) => `${m}＠example.com`,
    (m: string) => `eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.${m}`,
    (m: string) => `?next=${encodeURIComponent(`https://crm.example/cb?access_token=${m}`)}`,
    (m: string) => `/reset-password/${m}`,
  );
  fc.assert(
    fc.property(filler, form, marker, filler, fc.nat(6), (before, make, m, after, depth) => {
      const text = `${before} ${make(m)} ${after}`;
      let value: unknown = text;
      for (let i = 0; i < depth; i++) value = i % 2 ? [value] : { field: value };
      const out = JSON.stringify(r.value('body', value));
      return !out.includes(m);
    }),
    { numRuns: 2000, seed: 10 },
  );
});

test('adversarial inputs of 1 MiB are redacted well under a second each (linear time)', () => {
  const big = createRedactor({ maxLength: 2 << 20 });
  const n = 1 << 20;
  const families: Record<string, string> = {
    'a…@': `${'a'.repeat(n)}@`,
    '@a@a': '@a'.repeat(n / 2),
    '%40': '%40'.repeat(n / 3),
    'a=': 'a='.repeat(n / 2),
    "x '": "x '".repeat(n / 3),
    'a: ': 'a: '.repeat(n / 3),
    'eyJ.': 'eyJ.'.repeat(n / 4),
    'bearer ': 'bearer '.repeat(n / 7),
    '/invite/': '/invite/'.repeat(n / 8),
    'k=%2B': 'k=%2B+'.repeat(n / 6),
  };
  for (const [name, text] of Object.entries(families)) {
    const started = performance.now();
    big.text(text);
    const ms = performance.now() - started;
    assert.ok(ms < 1000, `${name}: ${ms.toFixed(0)} ms for 1 MiB`);
  }
});

test('a value replaced by one pass is not replaced again by the next', () => {
  assert.equal(r.text('https://crm/x?token=abc&page=2'), `https://crm/x?token=${REDACTED}&page=2`);
  assert.equal(r.text('token=abc123def456 ok'), `token=${REDACTED} ok`);
});
