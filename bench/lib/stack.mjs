// The local stack as the benchmarks see it: which components are up (their health URLs as
// stack/lib.sh defines them, through @crm/test-kit), the collector's own Prometheus metrics on
// :8888, and starting what is down with stack/start.sh.
import { existsSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO, componentBinary, healthUrl, parsePrometheusText, stackPort, total } from '@crm/test-kit';

async function up(name) {
  try {
    const r = await fetch(healthUrl(name), { signal: AbortSignal.timeout(3000) });
    await r.arrayBuffer();
    return r.ok;
  } catch {
    return false;
  }
}

export function collectorUp() {
  return up('collector');
}

/** Prometheus text from a collector's telemetry port (default: the stack's); sum(name) adds every series of a metric. */
export async function collectorMetrics(port = stackPort('COLLECTOR_TELEMETRY_PORT')) {
  const r = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(5000) });
  if (!r.ok) throw new Error(`collector metrics: HTTP ${r.status}`);
  const samples = parsePrometheusText(await r.text());
  return {
    /** Sum over the series named `name` or `name` + _total (the collector adds _total) whose labels include `match`. */
    sum(name, match = {}) {
      return total(samples, name, match) + total(samples, `${name}_total`, match);
    },
  };
}

/** Components the benchmarks need: the collector and the backends it exports traces and logs to. */
export const BENCH_COMPONENTS = ['opensearch', 'jaeger', 'collector'];

/** The components whose binaries are missing (empty when the stack is installed). */
export function missingComponents(names = BENCH_COMPONENTS) {
  return names.filter((n) => !existsSync(componentBinary(n))).map((n) => `${n} (${componentBinary(n)})`);
}

/** Busy and total jiffies of the whole machine (all cores), from /proc/stat. */
export function machineCpu() {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const idle = f[3] + (f[4] ?? 0);
  return { busy: f.reduce((a, b) => a + b, 0) - idle, total: f.reduce((a, b) => a + b, 0) };
}

const QUIET_SHARE = 0.15; // machine busy below this over a 5 s window
const QUIET_MAX_S = 180;

/**
 * Waits until the machine is quiet: a stack started for a benchmark can still be busy, e.g. with
 * Jaeger draining the collector's persistent queue left by an earlier run (2026-12-03: 26 % of the
 * 2 cores 3 minutes after the start, and the collector ladder 67 % busy at 1,000 spans/s instead
 * of 10 %; `rm -rf .stack/data` with the stack stopped clears it).
 */
async function settle() {
  const t0 = Date.now();
  for (;;) {
    const a = machineCpu();
    await sleep(5000);
    const b = machineCpu();
    const share = (b.busy - a.busy) / (b.total - a.total);
    if (share < QUIET_SHARE || Date.now() - t0 > QUIET_MAX_S * 1000) {
      process.stderr.write(`machine ${Math.round(share * 100)} % busy after ${Math.round((Date.now() - t0) / 1000)} s of settling\n`);
      return;
    }
  }
}

/**
 * Starts the named components with stack/start.sh unless they already answer, then waits until
 * the machine is quiet. Returns { started, stop } where stop() stops only what this call started.
 */
export async function ensureStack(names = BENCH_COMPONENTS) {
  const down = [];
  for (const n of names) if (!(await up(n))) down.push(n);
  if (down.length === 0) return { started: [], stop: async () => {} };
  process.stderr.write(`starting ${down.join(', ')} with stack/start.sh ...\n`);
  const r = spawnSync('bash', [join(REPO, 'stack', 'start.sh'), ...down], { cwd: REPO, stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) throw new Error(`stack/start.sh ${down.join(' ')} failed (exit ${r.status}): see .stack/logs/`);
  await settle();
  return {
    started: down,
    stop: async () => {
      spawnSync('bash', [join(REPO, 'stack', 'stop.sh'), ...down], { cwd: REPO, stdio: ['ignore', 'ignore', 'inherit'] });
    },
  };
}
