// Which copy of @opentelemetry/api registers the SDK's globals (packages/otel-register/src/global-api.ts),
// with real published copies: 1.9.1 (root devDependency otel-api-older) and the register's own.
// No API newer than the register's is published yet, so "the app's copy is newer" is played here
// by the register's 1.10 as the app's and 1.9.1 as ours: the same rule, the same real packages.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterEach, describe, test } from 'node:test';
import { TracerProvider } from '@opentelemetry/sdk-trace';
import { REPO } from '@crm/test-kit';
import { chooseApi, type Api, type ApiCopy } from '@crm/otel-register/internal/global-api';

const require = createRequire(import.meta.url);
const NODE_MODULES = join(REPO, 'node_modules');
const older = require('otel-api-older') as Api;
const newer = require('@opentelemetry/api') as Api;
const copy = (dir: string, version: string, api: Api): ApiCopy => ({ dir: join(NODE_MODULES, dir), version, load: () => api });
const OLDER = copy('otel-api-older', '1.9.1', older);
const NEWER = copy('@opentelemetry/api', '1.10.0', newer);

// Both copies share one global object per major version; start every test without one.
afterEach(() => {
  delete (globalThis as Record<symbol, unknown>)[Symbol.for('opentelemetry.js.api.1')];
});

function recordsThrough(api: Api): boolean {
  const span = api.trace.getTracer('t').startSpan('s');
  const recording = span.isRecording();
  span.end();
  return recording;
}

describe('the copy that registers the globals', () => {
  // First: a copy that has registered once keeps delegating to that provider (its proxy), whatever the global.
  test('why: registered through the older copy, the newer one gets no-op tracers', () => {
    assert.ok(older.trace.setGlobalTracerProvider(new TracerProvider()));
    assert.ok(recordsThrough(older));
    assert.equal(recordsThrough(newer), false);
  });

  test('the app\'s copy when it is newer: then both copies get the SDK\'s tracers', () => {
    const { api, warning } = chooseApi(OLDER, NEWER);
    assert.equal(api, newer);
    assert.equal(warning, undefined);
    assert.ok(api.trace.setGlobalTracerProvider(new TracerProvider()));
    assert.ok(recordsThrough(newer), 'the newer copy records');
    assert.ok(recordsThrough(older), 'the older copy records');
  });

  test('ours when the app\'s is older, the same version, or the same folder', () => {
    assert.equal(chooseApi(NEWER, OLDER).api, newer);
    assert.equal(chooseApi(NEWER, { ...NEWER, dir: '/elsewhere' }).api, newer);
    assert.equal(chooseApi(NEWER, { ...NEWER, version: '1.9.9' }).api, newer);
    assert.equal(chooseApi(NEWER, undefined).api, newer);
  });

  test('another major or a pre-release: ours, and one warning with both versions and the fix', () => {
    const other = chooseApi(NEWER, { ...OLDER, dir: '/app/node_modules/@opentelemetry/api', version: '2.0.0' });
    assert.equal(other.api, newer);
    assert.equal(
      other.warning,
      "the app's @opentelemetry/api is 2.0.0 (/app/node_modules/@opentelemetry/api) and @crm/otel-register's is 1.10.0: " +
        "another major version, which cannot use the register's SDK, so the app's own spans, metrics and logs are not exported " +
        "(instrumented libraries' still are); install @opentelemetry/api@^1.10.0 in the app",
    );
    assert.match(chooseApi(NEWER, { ...OLDER, version: '1.11.0-rc.1' }).warning ?? '', /1\.11\.0-rc\.1 .*a pre-release/);
  });
});
