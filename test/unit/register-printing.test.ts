// Issue 10, point 5: nothing secret printed. Every line the register prints goes through one
// helper, printable(): userinfo in any URL masked, registered secrets (OTLP header values,
// endpoint passwords) masked, control characters escaped, one line per message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hideInOutput, info, printable, warn } from '@crm/otel-register/internal/diagnostics';
import { ExportHealth } from '@crm/otel-register/internal/export-guard';
import { readConfig } from '@crm/otel-register/internal/config';
import { captureStderr as captureChunks } from '../support/capture.ts';

const captureStderr = (fn: () => void): string => captureChunks(fn).join('');


test('userinfo is masked in every URL of a text, whatever the scheme; other text is kept', () => {
  assert.equal(printable('to https://crm:s3cret@collector:4318/v1/traces now'), 'to https://***@collector:4318/v1/traces now');
  assert.equal(printable('a http://u@h/x and grpc://k:v@h2:4317 b'), 'a http://***@h/x and grpc://***@h2:4317 b');
  assert.equal(printable('http://host/path@not-userinfo?x=a@b'), 'http://host/path@not-userinfo?x=a@b');
  assert.equal(printable('mail jane@example.com'), 'mail jane@example.com');
  assert.equal(printable('(http://a:b@c)'), '(http://***@c)');
});

test('control characters are escaped: a value cannot forge a line or move the cursor', () => {
  assert.equal(printable('crm-api\n[@crm/otel-register] all good'), 'crm-api\\n[@crm/otel-register] all good');
  assert.equal(printable('a\r\tb\x1b[2Jc\x00d\x7f\u0085e\u2028f\u202eg'), 'a\\r\\tb\\x1b[2Jc\\x00d\\x7f\\x85e\\u2028f\\u202eg');
  assert.equal(printable('x'.repeat(10_000)).length < 4200, true, 'capped');
});

test('registered secrets are masked wherever they appear; short ones are not registered', () => {
  hideInOutput(['hdr-s3cr3t-value', 'abc']);
  assert.equal(printable('401: invalid key hdr-s3cr3t-value (hdr-s3cr3t-value)'), '401: invalid key *** (***)');
  assert.equal(printable('abc'), 'abc');
});

test('printable is linear on adversarial text (a generous guard, not a timing)', () => {
  const samples = ['a://'.repeat(250_000), 'http://' + 'a:'.repeat(500_000), '://@'.repeat(250_000), 'x://y@'.repeat(170_000)];
  for (const text of samples) {
    const start = process.hrtime.bigint();
    printable(text, text.length);
    assert.ok(Number(process.hrtime.bigint() - start) / 1e6 < 1000, 'well under a second for 1 MB');
  }
});

test('warn() and info() print one prefixed line each, made printable', () => {
  const out = captureStderr(() => {
    warn('service crm\napi at http://crm:pw1234@c:4318');
    info('line \u001b]0;title\u0007');
  });
  assert.equal(out, '[@crm/otel-register] warning: service crm\\napi at http://***@c:4318\n[@crm/otel-register] line \\x1b]0;title\\x07\n');
});

test('the invalid-value line of an endpoint with credentials, with or without a scheme', () => {
  for (const endpoint of ['ftp://crm:hunter22@collector:4318', 'crm:hunter22@collector:4318']) {
    const { problems, secrets } = readConfig({ env: { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint } });
    hideInOutput(secrets);
    const out = captureStderr(() => problems.forEach((p) => warn(p)));
    assert.match(out, /OTEL_EXPORTER_OTLP_ENDPOINT=".*@collector:4318" is invalid/);
    assert.ok(!out.includes('hunter22'), out);
  }
});

test('export failure warning and recovery line: the target and the error message are masked', () => {
  let now = 0;
  const health = new ExportHealth('traces', 'https://crm:pw-in-target@collector/v1/traces', () => now);
  const out = captureStderr(() => {
    health.begin();
    health.failed(new Error('request to https://crm:pw-in-error@collector/v1/traces failed\nforged line'));
    now += 5000;
    health.ok(health.begin());
  });
  const lines = out.trimEnd().split('\n');
  assert.equal(lines.length, 2, out);
  assert.match(lines[0]!, /^\[@crm\/otel-register\] warning: traces export to https:\/\/\*\*\*@collector\/v1\/traces failed \(request to https:\/\/\*\*\*@collector\/v1\/traces failed\\nforged line\)/);
  assert.match(lines[1]!, /^\[@crm\/otel-register\] traces export to https:\/\/\*\*\*@collector\/v1\/traces recovered$/);
  assert.ok(!out.includes('pw-in'), out);
});
