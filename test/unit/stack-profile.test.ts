// stack/start.sh's --profile option (the tiered profile, docs/SCALING.md): a wrong profile, a
// profile component without the profile, or a missing name stops before anything starts, with a
// message naming the value and what is accepted. (The profile itself runs in test/scale/.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO } from '@crm/test-kit';

function start(...args: string[]): { status: number | null; stderr: string } {
  const r = spawnSync('bash', [join(REPO, 'stack', 'start.sh'), ...args], { encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, stderr: r.stderr };
}

const CASES: Array<{ args: string[]; message: RegExp }> = [
  { args: ['--profile', 'huge'], message: /--profile 'huge' is unknown; accepted: default scale/ },
  { args: ['--profile=huge'], message: /--profile 'huge' is unknown; accepted: default scale/ },
  { args: ['--profile'], message: /--profile needs a name; accepted: default scale/ },
  { args: ['gateway-1'], message: /gateway-1 belongs to the tiered profile: start it with --profile scale/ },
  { args: ['opensearch-2'], message: /opensearch-2 belongs to the tiered profile/ },
  { args: ['--profile', 'scale', 'gateway-3'], message: /unknown component 'gateway-3'; accepted: .*profile scale adds opensearch-2 gateway-1 gateway-2/ },
  { args: ['--fast'], message: /unknown option '--fast'; accepted: --profile NAME/ },
];

for (const { args, message } of CASES) {
  test(`stack/start.sh ${args.join(' ')}: exit 1 with a message naming what is accepted`, () => {
    const r = start(...args);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, message);
  });
}
