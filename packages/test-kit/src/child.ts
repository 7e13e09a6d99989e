// Child processes for tests and benchmarks: a fixture app with the register preloaded the way
// users do it (startApp), any command up to a ready line (startAndWait), a command to completion (run).
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { scrubbedEnv } from './env.js';
import { FIXTURES } from './repo.js';
import { waitFor } from './wait.js';

export interface AppProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first stdout+stderr match. */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(): Promise<void>;
}

export interface StartOptions {
  preload?: 'require' | 'import' | 'none';
  env?: Record<string, string | undefined>;
  args?: string[];
  cwd?: string;
}

/** Starts test/fixtures/<file> (or a path relative to it) without the test process's OTEL_/CRM_ settings. */
export function startApp(file: string, opts: StartOptions = {}): AppProcess {
  const preload = opts.preload ?? 'require';
  const flags = preload === 'none' ? [] : [`--${preload}`, '@crm/otel-register'];
  const env = { ...scrubbedEnv(), ...opts.env };
  for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
  const child = spawn(process.execPath, [...flags, join(FIXTURES, file), ...(opts.args ?? [])], {
    cwd: opts.cwd ?? FIXTURES,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  let done = false;
  void exited.then(() => (done = true));
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitForOutput(pattern, timeoutMs = 15_000) {
      return waitFor(() => (out + err).match(pattern), {
        what: `output matching ${pattern}`,
        timeoutMs,
        intervalMs: 25,
        giveUp: () => (done ? 'process exited' : undefined),
        detail: () => `\nstdout:\n${out}\nstderr:\n${err}`,
      });
    },
    async stop() {
      if (done) return;
      child.kill('SIGKILL');
      await exited;
    },
  };
}

/** Environment for a preloaded app that exports to `endpoint` quickly. */
export function fastExportEnv(endpoint: string, promPort: number): Record<string, string> {
  return {
    OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
    OTEL_EXPORTER_PROMETHEUS_PORT: String(promPort),
    OTEL_EXPORTER_PROMETHEUS_HOST: '127.0.0.1',
    OTEL_BSP_SCHEDULE_DELAY: '100',
    OTEL_BLRP_SCHEDULE_DELAY: '100',
    OTEL_METRIC_EXPORT_INTERVAL: '300',
  };
}

/** Starts an app and waits for its `LISTENING <port>` line. */
export async function startListening(file: string, opts: StartOptions & { port: number }): Promise<AppProcess & { base: string }> {
  const app = startApp(file, { ...opts, env: { APP_PORT: String(opts.port), ...opts.env } });
  await app.waitForOutput(/LISTENING \d+/);
  return Object.assign(app, { base: `http://127.0.0.1:${opts.port}` });
}

export interface ReadyProcess {
  child: ChildProcess;
  match: RegExpExecArray;
  /** From just before spawn to the ready line. */
  ms: number;
  stderr(): string;
}

export interface ReadyOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** A stdout line matching this means ready. */
  ready: RegExp;
  timeoutMs?: number;
  /** Named in errors; the command by default. */
  name?: string;
}

/** Spawns `cmd args` and resolves when a stdout line matches `ready`, with the match and the time it took. */
export function startAndWait(cmd: string, args: string[], { env, cwd, ready, timeoutMs = 30_000, name = cmd }: ReadyOptions): Promise<ReadyProcess> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(cmd, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let done = false;
    const timer = setTimeout(() => fail(new Error(`${name} did not print ${ready} within ${timeoutMs} ms; stderr: ${stderr.slice(-2000)}`)), timeoutMs);
    const lines = createInterface({ input: child.stdout });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (stderr.length > 20_000) stderr = stderr.slice(-10_000);
    });
    function fail(error: Error): void {
      if (done) return;
      done = true;
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(error);
    }
    lines.on('line', (line) => {
      if (done) return;
      const m = ready.exec(line);
      if (!m) return;
      done = true;
      clearTimeout(timer);
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      // keep draining output so the child never blocks on a full pipe
      child.stdout.resume();
      resolve({ child, match: m, ms, stderr: () => stderr });
    });
    child.on('error', fail);
    child.on('exit', (code, signal) => fail(new Error(`${name} exited (code ${code}, signal ${signal}) before it was ready; stderr: ${stderr.slice(-2000)}`)));
  });
}

/** Sends `signal` and resolves once the process has exited. */
export function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill(signal);
  });
}

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  timeoutMs?: number;
}

/** Runs a command to completion and returns its stdout (rejects on a non-zero exit). */
export function run(cmd: string, args: string[], { env, cwd, timeoutMs = 600_000 }: RunOptions = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${err.slice(-2000)}`));
    });
  });
}
