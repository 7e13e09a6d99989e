// The kit's own collector components (otel-collector/components/<name>, each a Go module built
// into otelcol-crm by stack/install-collector.sh) pass their Go unit tests: `go test ./...` in
// each module folder, e.g. crm_opensearch's retry-vs-drop classification against a fake
// OpenSearch that drops connections or rejects documents.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from '@crm/test-kit';

const COMPONENTS = join(REPO, 'otel-collector', 'components');

interface Run { code: number | string; output: string }

function run(cmd: string, args: string[], cwd: string): Promise<Run> {
  return new Promise((resolve) => {
    execFile(cmd, args, {
      cwd,
      // The default module cache (the one install-collector.sh fills). -mod=mod: resolve from the
      // committed go.mod/go.sum without a vendor dir. GOSUMDB=off as in install-collector.sh (the
      // checksum database lacks some collector modules); the committed go.sum still verifies
      // every download.
      env: { ...process.env, GOFLAGS: '-mod=mod', GOSUMDB: 'off' },
      // A first run on a fresh machine downloads and compiles the collector's dependencies.
      timeout: 15 * 60_000,
      maxBuffer: 16 * 1024 * 1024,
    }, (err, stdout, stderr) => {
      const code = err ? ((err as NodeJS.ErrnoException).code ?? 1) : 0;
      resolve({ code, output: `${stdout}${stderr}` });
    });
  });
}

const modules = readdirSync(COMPONENTS, { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(join(COMPONENTS, d.name, 'go.mod')))
  .map((d) => d.name);

describe('the kit\'s own collector components (Go)', () => {
  test('there is at least one component module', () => {
    assert.ok(modules.length > 0, `no Go module (go.mod) under ${COMPONENTS}`);
  });

  for (const name of modules) {
    test(`go test ./... passes in otel-collector/components/${name}`, async () => {
      const r = await run('go', ['test', '-count=1', './...'], join(COMPONENTS, name));
      assert.notEqual(r.code, 'ENOENT',
        'the `go` command is not on PATH: the collector components are Go modules; install Go (https://go.dev/dl/) to run their tests');
      assert.equal(r.code, 0, `go test ./... failed in otel-collector/components/${name}:\n${r.output}`);
      // Tests really ran (not "no test files").
      assert.match(r.output, /^ok\s+\S+/m, `no package with tests passed in ${name}:\n${r.output}`);
    });
  }
});
