// Issue 3: the benchmark script runs (tiny --quick setting) and prints its markdown table.
// Its numbers are not asserted: timing belongs to the benchmark, not to the test suite.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO } from '@crm/test-kit';

test('bench/business-events.mjs --quick prints the cost table with every scenario', () => {
  const r = spawnSync(process.execPath, [join(REPO, 'bench', 'business-events.mjs'), '--quick'], { cwd: REPO, encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, `exit ${r.status}\n${r.stdout}\n${r.stderr}`);
  const lines = r.stdout.split('\n');
  assert.ok(lines.includes('| scenario | ns/call | vs prom-client inc() |'), r.stdout);
  for (const scenario of [
    'prom-client `counter.inc({ source })` (seeds)',
    'leadCreated, no SDK',
    'opportunityCreated, no SDK',
    'leadCreated, SDK: metric + span event',
    'opportunityCreated, SDK: metrics + span event',
    'leadCreated, SDK: full call (metric + span event + log record)',
    'defineEvent event (1 counter, 1 label), no SDK',
    'defineEvent event (1 counter, 1 label), SDK: metric + span event',
    'defineEvent event (1 counter, 1 label), SDK: full call',
  ]) {
    const row = lines.find((l) => l.startsWith(`| ${scenario} |`));
    assert.ok(row, `row for ${scenario} in:\n${r.stdout}`);
    assert.match(row, /\| -?\d+(\.\d)? \| -?\d+\.\dx \|$/, row);
  }
  assert.match(r.stdout, /Goal: metric \+ span-event part <= 1000 ns per call: (met|NOT met)/);
});

test('--baseline=REV measures the package of that git revision in the same run', () => {
  const r = spawnSync(process.execPath, [join(REPO, 'bench', 'business-events.mjs'), '--quick', '--baseline=HEAD'], { cwd: REPO, encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, `exit ${r.status}\n${r.stdout}\n${r.stderr}`);
  for (const scenario of ['leadCreated at HEAD, SDK: metric + span event', 'opportunityCreated at HEAD, SDK: full call']) {
    const row = r.stdout.split('\n').find((l) => l.startsWith(`| ${scenario} |`));
    assert.ok(row, `row for ${scenario} in:\n${r.stdout}`);
    assert.match(row, /\| -?\d+(\.\d)? \| -?\d+\.\dx \|$/, row);
  }
});
