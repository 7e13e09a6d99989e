// The collector's redaction processor (otel-collector/config.yaml) is the second line of defence:
// its key patterns are generated here from @crm/redact's lists and must equal the config's, and
// both its key and value patterns must agree with the engine on the corpora. RE2 syntax used in
// the config is also valid JavaScript, so the patterns are evaluated here as the collector would.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { createRedactor, KEY_QUALIFIERS, SECRET_HEADERS, SECRET_STEMS, SECRET_WORDS, WHOLE_KEY_WORDS, QUERY_ONLY_WORDS } from '@crm/redact';
import { REPO } from '@crm/test-kit';
import { ORDINARY, SECRET_KEYS, TEXT_ATTACKS } from './corpus.ts';

const CONFIG = join(REPO, 'otel-collector', 'config.yaml');
const engine = createRedactor();

const cap = (w: string): string => w[0]!.toUpperCase() + w.slice(1);
const alt = (words: readonly string[]): string => words.join('|');

/** The key patterns the collector must carry, from the engine's lists. */
function expectedKeyPatterns(): string[] {
  const words = [...new Set([...SECRET_WORDS, ...SECRET_STEMS])].sort();
  const whole = WHOLE_KEY_WORDS.filter((w) => !(QUERY_ONLY_WORDS as readonly string[]).includes(w));
  return [
    // snake_case, kebab-case, dotted and ALL_CAPS words; lowercase compounds ending in a stem
    `(?i)(^|[^a-z0-9])[a-z0-9]*(${alt(words)})($|[^a-z0-9])`,
    // camelCase: a capitalised secret word after a lowercase letter or digit, or a first word before a capital
    `([a-z0-9])(${alt(words.map(cap))})($|[^a-z])`,
    `(^|[^a-zA-Z0-9])(${alt(words)})[A-Z0-9]`,
    // key after a qualifier: api_key, private-key, apiKey, x-api-key
    `(?i)(^|[^a-z0-9])(${alt(KEY_QUALIFIERS)})[._-]?key($|[^a-z0-9])`,
    `(${alt(KEY_QUALIFIERS)})Key($|[^a-z])`,
    // words secret only as the whole key or its last dotted part
    `(?i)(^|[.])(${alt(whole)})$`,
    // headers by exact name
    `(?i)(^|[.])(${alt(SECRET_HEADERS.map((h) => h.replace(/-/g, '[._-]')))})$`,
  ];
}

interface Redaction {
  blocked_key_patterns: string[];
  blocked_values: string[];
}
const redaction = (parse(readFileSync(CONFIG, 'utf8'), { merge: true }) as { processors: Record<string, Redaction> }).processors['redaction']!;
const re2 = (p: string, flags: string): RegExp => new RegExp(p.replace(/^\(\?i\)/, ''), p.startsWith('(?i)') ? `${flags}iu` : `${flags}u`);
const keyPatterns = redaction.blocked_key_patterns.map((p) => re2(p, ''));
const valuePatterns = redaction.blocked_values.map((p) => re2(p, 'g'));
const collectorBlocksKey = (key: string): boolean => keyPatterns.some((p) => p.test(key));
const collectorMasks = (text: string): string => valuePatterns.reduce((t, p) => t.replace(p, '****'), text);

test('the collector key patterns are generated from the engine lists (one list, two places)', () => {
  assert.deepEqual(redaction.blocked_key_patterns, expectedKeyPatterns());
});

test('collector and engine agree on secret and ordinary keys', () => {
  const secret = [...SECRET_KEYS, 'db.password', 'API_KEY', 'x-api-key', 'http.request.header.authorization', 'crm.context.session', 'xsrftoken', 'clientSecret', 'set-cookie'];
  const ordinary = ['gen_ai.usage.input_tokens', 'messaging.kafka.message.key', 'session.id', 'http.route', 'lead.source', 'tokenizer', 'secretary', 'author', 'code.function', 'url.query'];
  for (const key of secret) {
    assert.ok(engine.isSecretKey(key), `engine: ${key}`);
    assert.ok(collectorBlocksKey(key), `collector: ${key}`);
  }
  for (const key of ordinary) {
    assert.ok(!engine.isSecretKey(key), `engine: ${key}`);
    assert.ok(!collectorBlocksKey(key), `collector: ${key}`);
  }
});

test('collector value patterns mask the corpus e-mails, JWTs and bearer tokens, and leave ordinary text alone', () => {
  const byValue = TEXT_ATTACKS.filter((a) => /^(email-plain|email-idn|email-ip|jwt-anywhere|bearer-space|bearer-tab)$/.test(a.id));
  assert.equal(byValue.length, 6);
  for (const a of byValue) assert.ok(!collectorMasks(a.text).includes(a.marker), `${a.id}: ${collectorMasks(a.text)}`);
  // Without look-ahead the collector also masks file names such as logo@2x.png; the SDK does not.
  for (const text of ORDINARY.filter((t) => !t.includes('@2x.'))) assert.equal(collectorMasks(text), text);
});
