// The local stack as tests and benchmarks see it: stack/stack.env (pins and ports), and each
// component's executable and health URL as stack/lib.sh defines them.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { REPO } from './repo.js';

let envCache: Record<string, string> | undefined;

/** KEY=value pairs of stack/stack.env (comments and blank lines skipped, quotes removed). */
export function stackEnv(): Readonly<Record<string, string>> {
  if (envCache) return envCache;
  const env: Record<string, string> = {};
  for (const line of readFileSync(join(REPO, 'stack', 'stack.env'), 'utf8').split('\n')) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (m) env[m[1]!] = m[2]!.trim().replace(/^["']|["']$/g, '');
  }
  envCache = env;
  return env;
}

/** A port from stack/stack.env, e.g. stackPort('JAEGER_UI_PORT'). */
export function stackPort(name: string): number {
  const value = stackEnv()[name];
  const n = Number(value);
  if (!value || !Number.isInteger(n) || n <= 0 || n > 65535) {
    throw new Error(`${name}=${value ?? '(unset)'} in stack/stack.env is not a port (1-65535)`);
  }
  return n;
}

/** Where the stack's binaries are built and downloaded ($CRM_STACK_HOME, as stack/lib.sh sets it). */
export function stackHome(): string {
  return process.env['CRM_STACK_HOME'] || join(homedir(), '.cache', 'crm-otel-kit');
}

export type Component = 'collector' | 'jaeger' | 'prometheus' | 'alertmanager' | 'opensearch';

interface ComponentPaths { binary: string; health: string }
const componentCache = new Map<Component, ComponentPaths>();

// stack/lib.sh is the one place for executables and health URLs (start.sh uses them): ask it.
function component(name: Component): ComponentPaths {
  let paths = componentCache.get(name);
  if (!paths) {
    const out = execFileSync('bash', ['-c', 'source "$1" && component_binary "$2" && health_url "$2"', 'lib.sh', join(REPO, 'stack', 'lib.sh'), name], {
      encoding: 'utf8',
      env: { ...process.env, CRM_STACK_HOME: stackHome() },
    });
    const [binary, health] = out.split('\n');
    if (!binary || !health) throw new Error(`stack/lib.sh knows no component ${name} (component_binary/health_url printed ${JSON.stringify(out)})`);
    paths = { binary, health };
    componentCache.set(name, paths);
  }
  return paths;
}

/** The executable stack/start.sh runs for a component. */
export function componentBinary(name: Component): string {
  return component(name).binary;
}

/** The URL that answers 2xx once a component is ready (what stack/start.sh waits for). */
export function healthUrl(name: Component): string {
  return component(name).health;
}
