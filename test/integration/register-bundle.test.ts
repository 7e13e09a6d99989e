// The register starts from one bundle (dist/sdk.bundle.js) with a V8 code cache beside it,
// and hands its copies of the shared OpenTelemetry packages to the instrumentations and the
// app. What a user must never see: a bad cache breaking start-up, or a package of another
// version being replaced by the bundle's.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import { REPO, get } from '../support/child.ts';
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
