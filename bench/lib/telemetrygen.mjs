// telemetrygen (the collector-contrib load generator) in ${CRM_STACK_HOME}/bin:
// installed with `go install` at the collector's version from stack/stack.env, or,
// when the Go module proxy does not serve that version, the nearest later one (said in the output).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { stackEnv, stackHome } from '@crm/test-kit';

const MODULE = 'github.com/open-telemetry/opentelemetry-collector-contrib/cmd/telemetrygen';

function cmp(a, b) {
  const pa = a.replace(/^v/, '').split('.').map(Number);
  const pb = b.replace(/^v/, '').split('.').map(Number);
  for (let i = 0; i < 3; i++) if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) - (pb[i] ?? 0);
  return 0;
}

/**
 * `install: false` only looks for an installed one.
 * @returns {{ path: string, version: string, note: string } | { error: string }}
 */
export function ensureTelemetrygen({ install = true } = {}) {
  const env = stackEnv();
  const bin = join(stackHome(), 'bin');
  const path = join(bin, 'telemetrygen');
  const stamp = join(bin, '.telemetrygen-version');
  const wanted = `v${env.OTELCOL_VERSION}`;
  if (existsSync(path) && existsSync(stamp)) {
    const version = readFileSync(stamp, 'utf8').trim();
    return { path, version, note: version === wanted ? '' : `the Go module proxy has no ${wanted}; nearest available used` };
  }
  if (!install) return { error: `not installed in ${bin} (the quick setting does not install it; \`node bench/collector.mjs\` does)` };
  if (!env.OTELCOL_VERSION) return { error: 'OTELCOL_VERSION is empty in stack/stack.env' };
  const go = spawnSync('go', ['version'], { encoding: 'utf8' });
  if (go.status !== 0) return { error: 'the `go` command is missing (needed to install telemetrygen)' };
  const list = spawnSync('go', ['list', '-m', '-versions', MODULE], { encoding: 'utf8', cwd: bin });
  const available = list.status === 0 ? list.stdout.trim().split(/\s+/).slice(1) : [];
  const candidates = available.includes(wanted) ? [wanted] : available.filter((v) => cmp(v, wanted) >= 0).sort(cmp);
  if (candidates.length === 0) candidates.push(wanted);
  for (const version of candidates.slice(0, 2)) {
    process.stderr.write(`installing telemetrygen ${version} with go install (a few minutes the first time) ...\n`);
    const r = spawnSync('go', ['install', `${MODULE}@${version}`], { env: { ...process.env, GOBIN: bin }, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
    if (r.status === 0) {
      writeFileSync(stamp, `${version}\n`);
      return { path, version, note: version === wanted ? '' : `the Go module proxy has no ${wanted}; nearest available used` };
    }
    process.stderr.write(r.stderr.slice(-1500));
  }
  return { error: `go install ${MODULE}@${candidates[0]} failed (see above)` };
}
