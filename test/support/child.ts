// Runs a fixture app in a child process with the register preloaded the way users do it.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';

export const REPO = new URL('../..', import.meta.url).pathname;
export const FIXTURES = join(REPO, 'test', 'fixtures');

// Ports handed out by this process: the kernel may offer a closed port again at once, and an app's
// port and its Prometheus port picked one after the other were then sometimes the same (EADDRINUSE).
const handedOut = new Set<number>();

export async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const s = createServer();
      s.once('error', reject);
      s.listen(0, '127.0.0.1', () => {
        const { port } = s.address() as { port: number };
        s.close(() => resolve(port));
      });
    });
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
}

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

/** The test process's environment without any OTEL_ or CRM_ variables. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('OTEL_') && !k.startsWith('CRM_') && k !== 'NODE_OPTIONS') env[k] = v;
  return env;
}

export function startApp(file: string, opts: StartOptions = {}): AppProcess {
  const preload = opts.preload ?? 'require';
  const flags = preload === 'none' ? [] : [`--${preload}`, '@crm/otel-register'];
  const env = { ...cleanEnv(), ...opts.env };
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
    async waitForOutput(pattern, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const m = (out + err).match(pattern);
        if (m) return m;
        if (done || Date.now() > deadline) {
          throw new Error(`no output matching ${pattern} (${done ? 'process exited' : 'timeout'})\nstdout:\n${out}\nstderr:\n${err}`);
        }
        await new Promise((r) => setTimeout(r, 25));
      }
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

export async function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  const res = await fetch(url, { headers });
  return { status: res.status, body: await res.text() };
}

/** Starts an app and waits for its `LISTENING <port>` line. */
export async function startListening(file: string, opts: StartOptions & { port: number }): Promise<AppProcess & { base: string }> {
  const app = startApp(file, { ...opts, env: { APP_PORT: String(opts.port), ...opts.env } });
  await app.waitForOutput(/LISTENING \d+/);
  return Object.assign(app, { base: `http://127.0.0.1:${opts.port}` });
}
