// The local stack as the benchmarks see it: stack/stack.env, the collector's
// health and its own Prometheus metrics on :8888.
import { existsSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './report.mjs';

export function stackEnv() {
  const env = {};
  for (const line of readFileSync(join(ROOT, 'stack', 'stack.env'), 'utf8').split('\n')) {
    const m = /^\s*([A-Z0-9_]+)=(.*)$/.exec(line);
    if (m) env[m[1]] = m[2].trim();
  }
  env.CRM_STACK_HOME = process.env.CRM_STACK_HOME || join(homedir(), '.cache', 'crm-otel-kit');
  return env;
}

async function ok(url) {
  try {
    const r = await fetch(url, { signal: AbortSignal.timeout(1000) });
    await r.arrayBuffer();
    return r.ok;
  } catch {
    return false;
  }
}

export function collectorUp() {
  return ok(`http://127.0.0.1:${stackEnv().COLLECTOR_HEALTH_PORT}/`);
}

export function jaegerUp() {
  return ok(`http://127.0.0.1:${stackEnv().JAEGER_HEALTH_PORT}/status`).then(async (up) => up || ok(`http://127.0.0.1:${stackEnv().JAEGER_UI_PORT}/`));
}

export function opensearchUp() {
  return ok(`http://127.0.0.1:${stackEnv().OPENSEARCH_PORT}/_cluster/health`);
}

/** Parsed Prometheus text from a collector's telemetry port (default: the stack's); sum(name) adds every series of a metric. */
export async function collectorMetrics(port = stackEnv().COLLECTOR_TELEMETRY_PORT) {
  const r = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(5000) });
  if (!r.ok) throw new Error(`collector metrics: HTTP ${r.status}`);
  const text = await r.text();
  const series = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (m) series.push({ name: m[1], labels: m[2] ?? '', value: Number(m[3]) });
  }
  return {
    series,
    /** Sum over every series whose name is `name` or `name` + _total (the collector adds _total). */
    sum(name, labelFilter = () => true) {
      let total = 0;
      for (const s of series) if ((s.name === name || s.name === `${name}_total`) && labelFilter(s.labels)) total += s.value;
      return total;
    },
    names() {
      return [...new Set(series.map((s) => s.name))];
    },
  };
}

/** Components the benchmarks need: the collector and the backends it exports traces and logs to. */
export const BENCH_COMPONENTS = ['opensearch', 'jaeger', 'collector'];

function binaryOf(name, env) {
  switch (name) {
    case 'collector':
      return join(env.CRM_STACK_HOME, 'bin', 'otelcol-crm');
    case 'jaeger':
      return join(env.CRM_STACK_HOME, 'bin', 'jaeger');
    case 'opensearch':
      return join(env.CRM_STACK_HOME, `opensearch-${env.OPENSEARCH_VERSION}`, 'bin', 'opensearch');
    default:
      throw new Error(`unknown component ${name}`);
  }
}

/** The components whose binaries are missing (empty when the stack is installed). */
export function missingComponents(names = BENCH_COMPONENTS) {
  const env = stackEnv();
  return names.filter((n) => !existsSync(binaryOf(n, env))).map((n) => `${n} (${binaryOf(n, env)})`);
}

const HEALTH = { collector: collectorUp, jaeger: jaegerUp, opensearch: opensearchUp };

/**
 * Starts the named components with stack/start.sh unless they already answer.
 * Returns { started, stop } where stop() stops only what this call started.
 */
export async function ensureStack(names = BENCH_COMPONENTS) {
  const down = [];
  for (const n of names) if (!(await HEALTH[n]())) down.push(n);
  if (down.length === 0) return { started: [], stop: async () => {} };
  process.stderr.write(`starting ${down.join(', ')} with stack/start.sh ...\n`);
  const r = spawnSync('bash', [join(ROOT, 'stack', 'start.sh'), ...down], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) throw new Error(`stack/start.sh ${down.join(' ')} failed (exit ${r.status}): see .stack/logs/`);
  return {
    started: down,
    stop: async () => {
      spawnSync('bash', [join(ROOT, 'stack', 'stop.sh'), ...down], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
    },
  };
}
