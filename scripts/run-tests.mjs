#!/usr/bin/env node
// Runs the test suites with node's test runner (TypeScript through tsx).
//   node scripts/run-tests.mjs            unit, integration, then e2e on the local stack
//   node scripts/run-tests.mjs unit|integration|e2e|compat
//   node scripts/run-tests.mjs FILE.test.ts...   those files only (no stack started)
// Options for node's test runner pass through, e.g. --test-name-pattern=fastify.
// Tests import the packages' builds, the register's internals through its export condition
// crm-internal (packages/otel-register/package.json "./internal/*"), which apps never set.
// The e2e suite starts the local stack (stack/start.sh) and stops it afterwards. The compat suite
// (real third-party apps, not in the default run: .ci/run runs it last) first installs what it
// runs (test/compat/setup.sh: a no-op once installed).
import { spawnSync } from 'node:child_process';
import { readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const testOptions = process.argv.slice(2).filter((a) => a.startsWith('--'));
const fileArgs = args.filter((a) => a.endsWith('.ts'));
const suites = fileArgs.length ? ['files'] : args.length ? args : ['unit', 'attack', 'integration', 'e2e'];
const NODE_ARGS = ['--conditions=crm-internal', '--import', 'tsx', '--test', '--test-concurrency=1', '--test-reporter=spec'];

function files(suite) {
  if (suite === 'files') return fileArgs;
  const dir = join(root, 'test', suite);
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((f) => f.endsWith('.test.ts')).sort().map((f) => join(dir, f));
}

function run(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: process.env });
  return r.status ?? 1;
}

let failed = 0;
for (const suite of suites) {
  const list = files(suite);
  if (list.length === 0) {
    console.error(`no test files in test/${suite}`);
    failed++;
    continue;
  }
  if (suite !== 'files') console.log(`\n=== ${suite}: ${list.length} files`);
  if (suite === 'compat' && run('bash', ['test/compat/setup.sh']) !== 0) {
    console.error('the compat apps or databases could not be installed (test/compat/setup.sh)');
    failed++;
    continue;
  }
  if (suite === 'e2e' && run('bash', ['stack/start.sh']) !== 0) {
    console.error('the local stack did not start: see .stack/logs/');
    failed++;
    continue;
  }
  // One file at a time: child processes and ports are shared, and the machine has 2 cores.
  const status = run(process.execPath, [...NODE_ARGS, ...testOptions, ...list]);
  if (suite === 'e2e' && !process.env.KEEP_STACK) run('bash', ['stack/stop.sh']);
  if (status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
