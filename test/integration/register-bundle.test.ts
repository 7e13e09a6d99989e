// The register starts from one bundle (dist/sdk.bundle.js) required with Node's module compile
// cache on, hands its copies of the shared OpenTelemetry packages to the instrumentations, and
// ships a source map. What a user must never see: a bad cache breaking start-up, a package
// loaded twice at the same version, or SDK stack traces that point only into the bundle.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { REPO, get } from '@crm/test-kit';
import { useRegisterHarness } from '../support/register-harness.ts';

const h = useRegisterHarness();
const DIST = join(REPO, 'packages', 'otel-register', 'dist');
const BUNDLE = join(DIST, 'sdk.bundle.js');
const tmp = mkdtempSync(join(tmpdir(), 'crm-bundle-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).map((f) => join(dir, f)).filter((f) => statSync(f).isFile());
}

describe('start-up bundle and compile cache', () => {
  test('the first start writes the compile cache; a corrupt one does not stop the next start from exporting', async () => {
    // Node's default cache directory is <os.tmpdir()>/node-compile-cache: a private TMPDIR gives this test its own.
    const env = { TMPDIR: tmp };
    const first = await h.app({ env: { ...env, OTEL_SERVICE_NAME: 'cache-first-app' } });
    assert.equal((await get(`${first.base}/leads/6`)).status, 200);
    await first.stop();
    const cached = filesUnder(join(tmp, 'node-compile-cache'));
    assert.ok(cached.length > 10, `${cached.length} cache files written`);

    for (const file of cached) writeFileSync(file, 'not a V8 code cache');
    const a = await h.app({ env: { ...env, OTEL_SERVICE_NAME: 'bad-cache-app' } });
    assert.equal((await get(`${a.base}/leads/7`)).status, 200);
    await h.receiver.waitFor('the server span', () =>
      h.receiver.spans.find((s) => s.resource['service.name'] === 'bad-cache-app' && s.attributes['http.route'] === '/leads/:id'),
    );
    assert.doesNotMatch(a.stderr(), /could not start|Error/);
  });

  test('no OpenTelemetry package is loaded twice at the same version (the bundle\'s copies are shared)', async () => {
    const a = await h.app({ env: { OTEL_SERVICE_NAME: 'shared-app' } });
    await get(`${a.base}/leads/1`);
    const loaded = JSON.parse((await get(`${a.base}/modules?paths=1`)).body) as string[];
    const copies = new Map<string, Set<string>>();
    for (const file of loaded) {
      const m = /^(.*\/node_modules\/(@opentelemetry\/[^/]+))\//.exec(file);
      if (!m) continue;
      const version = (JSON.parse(readFileSync(join(m[1]!, 'package.json'), 'utf8')) as { version: string }).version;
      const key = `${m[2]}@${version}`;
      copies.set(key, (copies.get(key) ?? new Set()).add(m[1]!));
    }
    assert.ok(copies.size > 5, `${copies.size} packages loaded`);
    const twice = [...copies].filter(([, dirs]) => dirs.size > 1).map(([key, dirs]) => `${key}: ${[...dirs].join(', ')}`);
    assert.deepEqual(twice, []);
    // the app and the instrumentations asked for these, and got the bundle's copies
    for (const name of ['api', 'core', 'instrumentation', 'semantic-conventions']) {
      assert.deepEqual(loaded.filter((f) => f.startsWith(join(REPO, 'node_modules', '@opentelemetry', name, '/'))), [], name);
    }
  });

  test('the source map leads from the bundle back to the SDK\'s own files', () => {
    const text = readFileSync(BUNDLE, 'utf8');
    assert.match(text, /\n\/\/# sourceMappingURL=sdk\.bundle\.js\.map\n?$/);
    const lines = text.split('\n');
    const line = lines.findIndex((l) => l.includes('var BatchSpanProcessorBase = class'));
    assert.ok(line >= 0, 'the bundle holds the SDK\'s BatchSpanProcessorBase');
    const column = lines[line]!.indexOf('BatchSpanProcessorBase');
    // As Node applies it: the map it loads for the bundle with --enable-source-maps. The SDK
    // packages ship their own maps to their TypeScript sources; the bundle's map goes through them.
    const script = `const m = require('node:module'); require(${JSON.stringify(BUNDLE)});
      const map = m.findSourceMap(${JSON.stringify(BUNDLE)});
      const e = map.findEntry(${line}, ${column});
      const i = map.payload.sources.findIndex((s) => e.originalSource.endsWith(s.replace(/^(\\.\\.\\/)+/, '')));
      console.log(JSON.stringify({ ...e, text: map.payload.sourcesContent[i].split('\\n')[e.originalLine] }));`;
    const r = spawnSync(process.execPath, ['--enable-source-maps', '-e', script], { encoding: 'utf8', env: { ...process.env, OTEL_SDK_DISABLED: 'true' } });
    assert.equal(r.status, 0, r.stderr);
    const entry = JSON.parse(r.stdout) as { originalSource: string; text: string };
    assert.match(entry.originalSource, /\/@opentelemetry\/sdk-trace\/src\/export\/BatchSpanProcessorBase\.ts$/);
    assert.match(entry.text, /class BatchSpanProcessorBase/);
  });
});
