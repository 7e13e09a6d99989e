// Redaction rules applied to every span and log record before export.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readConfig } from '@crm/otel-register/internal/config';
import { createRedactor, REDACTED, REDACTED_EMAIL } from '@crm/otel-register/internal/redaction';

const redactor = createRedactor(readConfig({ env: {} }).config.redaction);

test('query values of secret keys are replaced in URLs and query strings, others kept', () => {
  assert.equal(redactor.text('https://crm/x?token=abc&page=2&Signature=zz#top'), `https://crm/x?token=${REDACTED}&page=2&Signature=${REDACTED}#top`);
  assert.equal(redactor.text('access_token=t1&code=c2&state=ok'), `access_token=${REDACTED}&code=${REDACTED}&state=ok`);
  assert.equal(redactor.text('/cb?client%5Fsecret=s'), `/cb?client%5Fsecret=${REDACTED}`);
});

test('auth schemes and emails inside free text', () => {
  assert.equal(redactor.text('calling with Bearer eyJhbGciOi.abc.def now'), `calling with Bearer ${REDACTED} now`);
  assert.equal(redactor.text('lead jane.doe@example.com and bob%40corp.io'), `lead ${REDACTED_EMAIL} and ${REDACTED_EMAIL}`);
});

test('secret header attributes and secret-named keys, nested maps included', () => {
  const attrs: Record<string, unknown> = {
    'http.request.header.authorization': ['Basic dXNlcjpwYXNz'],
    'http.request.header.x-request-id': ['r-1'],
    'http.response.header.set-cookie': ['sid=1'],
    headers: { cookie: 'sid=2', 'x-api-key': 'k', accept: 'json' },
    password: 'hunter2',
    'user.email': 'a@b.co',
    'http.response.status_code': 200,
  };
  redactor.attributes(attrs);
  assert.equal(attrs['http.request.header.authorization'], REDACTED);
  assert.deepEqual(attrs['http.request.header.x-request-id'], ['r-1']);
  assert.equal(attrs['http.response.header.set-cookie'], REDACTED);
  assert.deepEqual(attrs['headers'], { cookie: REDACTED, 'x-api-key': REDACTED, accept: 'json' });
  assert.equal(attrs['password'], REDACTED);
  assert.equal(attrs['user.email'], REDACTED_EMAIL);
  assert.equal(attrs['http.response.status_code'], 200);
});

test('emails can be kept when configured', () => {
  const keep = createRedactor(readConfig({ env: { CRM_OTEL_REDACT_EMAILS: 'false' } }).config.redaction);
  assert.equal(keep.text('a@b.co'), 'a@b.co');
});
