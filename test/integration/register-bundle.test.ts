// The register starts from one bundle (dist/sdk.bundle.js) with a V8 code cache beside it,
// and hands its copies of the shared OpenTelemetry packages to the instrumentations and the
// app. What a user must never see: a bad cache breaking start-up, or a package of another
// version being replaced by the bundle's.
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { after, describe, test } from 'node:test';
import { FIXTURES, REPO, fastExportEnv, freePort, get, startApp } from '../support/child.ts';
import { useRegisterHarness } from '../support/register-harness.ts';

const h = useRegisterHarness();
const DIST = join(REPO, 'packages', 'otel-register', 'dist');
const CACHE = join(DIST, '.v8-cache', `sdk.bundle-${process.versions.v8}-${process.arch}.bin`);

describe('start-up bundle and code cache', () => {
  test('a corrupt code cache is replaced, and the app starts and exports as usual', async () => {
    const garbage = Buffer.from('not a V8 code cache');
    mkdirSync(dirname(CACHE), { recursive: true });
    writeFileSync(CACHE, garbage);
    const a = await h.app({ env: { OTEL_SERVICE_NAME: 'bad-cache-app' } });
    assert.equal((await get(`${a.base}/leads/7`)).status, 200);
    await h.receiver.waitFor('the server span', () =>
      h.receiver.spans.find((s) => s.resource['service.name'] === 'bad-cache-app' && s.attributes['http.route'] === '/leads/:id'),
    );
    const cache = readFileSync(CACHE);
    assert.ok(cache.length > 100_000 && !cache.equals(garbage), `cache rewritten (${cache.length} bytes)`);
    assert.doesNotMatch(a.stderr(), /could not start|Error/);
  });
});

describe('shared packages', () => {
  const apiMain = createRequire(join(DIST, 'sdk.js')).resolve('@opentelemetry/api');
  const apiDir = apiMain.slice(0, apiMain.lastIndexOf('/dist/'));
  const bundledVersion = (JSON.parse(readFileSync(join(apiDir, 'package.json'), 'utf8')) as { version: string }).version;
  const tmp = mkdtempSync(join(tmpdir(), 'crm-shared-'));
  after(() => rmSync(tmp, { recursive: true, force: true }));

  /** An app in its own folder with its own copy of @opentelemetry/api, declaring `version`. */
  async function appWithOwnApi(name: string, version: string) {
    const dir = join(tmp, name);
    const own = join(dir, 'node_modules', '@opentelemetry', 'api');
    cpSync(apiDir, own, { recursive: true });
    const pkg = JSON.parse(readFileSync(join(own, 'package.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(join(own, 'package.json'), JSON.stringify({ ...pkg, version }));
    writeFileSync(
      join(dir, 'app.cjs'),
      `const api = require('@opentelemetry/api');
const own = Object.keys(require.cache).filter((f) => f.startsWith(${JSON.stringify(own)})).length;
api.trace.getTracer('shared-test').startActiveSpan('own-api-span', (span) => span.end());
console.log('OWN API FILES ' + own);\n`,
    );
    const a = h.track(
      startApp(relative(FIXTURES, join(dir, 'app.cjs')), {
        env: { ...fastExportEnv(h.receiver.endpoint, await freePort()), OTEL_SERVICE_NAME: name },
      }),
    );
    const files = Number((await a.waitForOutput(/OWN API FILES (\d+)/))[1]);
    const span = await h.receiver.waitFor(`${name}'s span`, () =>
      h.receiver.spans.find((s) => s.resource['service.name'] === name && s.name === 'own-api-span'),
    );
    return { files, span };
  }

  test('the same version of @opentelemetry/api is the bundle\'s copy: not loaded again, spans exported', async () => {
    const { files } = await appWithOwnApi('same-api-app', bundledVersion);
    assert.equal(files, 0);
  });

  test('another version of @opentelemetry/api loads from the app\'s node_modules, and its spans still reach the SDK', async () => {
    const { files } = await appWithOwnApi('other-api-app', '1.9.0');
    assert.ok(files > 10, `${files} files of the app's own copy loaded`);
  });
});
