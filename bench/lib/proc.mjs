// Child processes for the benchmarks: start one, wait for a line, stop it and wait for its exit.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

/**
 * Spawns `cmd args` and resolves when a stdout line matches `ready` (a RegExp),
 * with the match and the time it took (ms, from just before spawn).
 */
export function startAndWait(cmd, args, { env, cwd, ready, timeoutMs = 30_000, name = cmd }) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(cmd, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let done = false;
    const timer = setTimeout(() => fail(new Error(`${name} did not print ${ready} within ${timeoutMs} ms; stderr: ${stderr.slice(-2000)}`)), timeoutMs);
    const lines = createInterface({ input: child.stdout });
    child.stderr.on('data', (d) => {
      stderr += d;
      if (stderr.length > 20_000) stderr = stderr.slice(-10_000);
    });
    function fail(error) {
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
export function stop(child, signal = 'SIGKILL') {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill(signal);
  });
}

/** Runs a command to completion and returns its stdout (rejects on non-zero exit). */
export function run(cmd, args, { env, cwd, timeoutMs = 600_000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${err.slice(-2000)}`));
    });
  });
}

export async function getJson(url) {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`GET ${url}: HTTP ${r.status}`);
  return r.json();
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
