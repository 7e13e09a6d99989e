// An app's own @opentelemetry/api, of another version than the register's, still gets its own
// spans and metrics exported (issue 11). The apps carry real published copies of the API
// (root devDependencies under aliases: otel-api-older, otel-api-other-major) in their own
// node_modules, as an app that ran `npm install @opentelemetry/api` does.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, describe, test } from 'node:test';
import { FIXTURES, REPO, get, scrape, total } from '@crm/test-kit';
import { useRegisterHarness } from '../support/register-harness.ts';

const h = useRegisterHarness();
const tmp = mkdtempSync(join(tmpdir(), 'crm-app-api-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const COPIES = {
  older: join(REPO, 'node_modules', 'otel-api-older'),
  registers: join(REPO, 'node_modules', '@opentelemetry', 'api'),
  otherMajor: join(REPO, 'node_modules', 'otel-api-other-major'),
};
const versionOf = (dir: string): string => (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version;

/** Starts `fixture` from its own folder, with a copy of `apiDir` as its @opentelemetry/api. */
async function appWithOwnApi(name: string, apiDir: string, fixture: 'own-api-app.cjs' | 'own-api-app.mjs', preload: 'require' | 'import' = 'require') {
  const dir = join(tmp, name);
  cpSync(apiDir, join(dir, 'node_modules', '@opentelemetry', 'api'), { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, version: '1.0.0', private: true }));
  cpSync(join(FIXTURES, fixture), join(dir, fixture));
  const a = await h.app({ file: relative(FIXTURES, join(dir, fixture)), preload, env: { OTEL_SERVICE_NAME: name } });
  assert.equal((await get(`${a.base}/work`)).status, 200);
  return a;
}

/** The app's custom.work span, a child of the instrumented HTTP server span of the same request. */
async function customSpanUnderServerSpan(name: string) {
  const custom = await h.receiver.waitFor(`${name}'s custom.work span`, () =>
    h.receiver.spans.find((s) => s.resource['service.name'] === name && s.name === 'custom.work'),
  );
  const server = await h.receiver.waitFor(`${name}'s server span`, () =>
    h.receiver.spans.find((s) => s.resource['service.name'] === name && s.kind === 2 && s.traceId === custom.traceId),
  );
  assert.equal(custom.parentSpanId, server.spanId, 'the app\'s span continues the request\'s trace');
  return custom;
}

async function customCounter(metricsUrl: string): Promise<number> {
  return total(await scrape(metricsUrl), 'custom_things_total', { kind: 'lead' });
}

describe('an app\'s own @opentelemetry/api', () => {
  test(`older minor (${versionOf(COPIES.older)}, register ${versionOf(COPIES.registers)}): its span and counter are exported`, async () => {
    const a = await appWithOwnApi('older-api-app', COPIES.older, 'own-api-app.cjs');
    assert.ok(Number((await a.waitForOutput(/OWN API FILES (\d+)/))[1]) > 10, 'the app runs on its own copy');
    await customSpanUnderServerSpan('older-api-app');
    assert.equal(await customCounter(a.metricsUrl), 1);
    assert.doesNotMatch(a.stderr(), /warning/);
  });

  test(`older minor, ESM app with --import: its span and counter are exported`, async () => {
    const a = await appWithOwnApi('older-api-esm-app', COPIES.older, 'own-api-app.mjs', 'import');
    await customSpanUnderServerSpan('older-api-esm-app');
    assert.equal(await customCounter(a.metricsUrl), 1);
    assert.doesNotMatch(a.stderr(), /warning/);
  });

  test(`its own copy of the register's version (${versionOf(COPIES.registers)}): handed the register's copy, span and counter exported`, async () => {
    const a = await appWithOwnApi('same-api-app', COPIES.registers, 'own-api-app.cjs');
    assert.equal(Number((await a.waitForOutput(/OWN API FILES (\d+)/))[1]), 0, 'not loaded a second time');
    await customSpanUnderServerSpan('same-api-app');
    assert.equal(await customCounter(a.metricsUrl), 1);
  });

  test(`another major (${versionOf(COPIES.otherMajor)}): one warning naming both versions and the fix; the app and its HTTP spans go on`, async () => {
    const a = await appWithOwnApi('other-major-api-app', COPIES.otherMajor, 'own-api-app.cjs');
    await h.receiver.waitFor('the instrumented server span', () =>
      h.receiver.spans.find((s) => s.resource['service.name'] === 'other-major-api-app' && s.kind === 2),
    );
    const warnings = a.stderr().split('\n').filter((l) => l.includes('warning'));
    assert.equal(warnings.length, 1, a.stderr());
    assert.match(
      warnings[0]!,
      new RegExp(
        `^\\[@crm/otel-register\\] warning: the app's @opentelemetry/api is ${versionOf(COPIES.otherMajor).replace(/\./g, '\\.')} .*` +
          `@crm/otel-register's is ${versionOf(COPIES.registers).replace(/\./g, '\\.')}: another major version.*not exported.*` +
          `install @opentelemetry/api@\\^1\\.\\d+\\.0 in the app$`,
      ),
    );
    // what the warning says: that app's own span never arrives, while its server span did
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(h.receiver.spans.filter((s) => s.resource['service.name'] === 'other-major-api-app' && s.name === 'custom.work').length, 0);
  });
});
