// Real PostgreSQL and Redis servers (Debian's packages, installed by setup.sh) for the suite, each
// in a temporary folder on a free port, stopped when the suite ends.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitFor } from '@crm/test-kit';

export interface Databases {
  databaseUrl: string;
  redisUrl: string;
  stop(): Promise<void>;
}

function pgBin(name: string): string {
  const versions = readdirSync('/usr/lib/postgresql').sort((a, b) => Number(a) - Number(b));
  return join('/usr/lib/postgresql', versions[versions.length - 1]!, 'bin', name);
}

/** PostgreSQL refuses to run as root: the server runs as the `postgres` user the package creates. */
function asPostgres(cmd: string, args: string[]): string[] {
  return process.getuid?.() === 0 ? ['runuser', '-u', 'postgres', '--', cmd, ...args] : [cmd, ...args];
}

/** Waits for the child's exit; SIGKILL after 10 s so that the suite's end never hangs. */
async function waitExit(child: ChildProcess, pid = child.pid): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const killer = setTimeout(() => {
    for (const p of new Set([pid, child.pid])) {
      try {
        if (p) process.kill(p, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }, 10_000);
  await new Promise((resolve) => child.once('exit', resolve));
  clearTimeout(killer);
}

/** The postmaster's own pid: runuser, our child, does not pass SIGINT on to it. */
function postmasterPid(data: string): number | undefined {
  try {
    return Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]) || undefined;
  } catch {
    return undefined;
  }
}

export async function startDatabases(): Promise<Databases> {
  const dir = mkdtempSync(join(tmpdir(), 'compat-pg-'));
  chmodSync(dir, 0o777);
  const data = join(dir, 'data');
  const pgPort = await freePort();
  const [initdb, ...initArgs] = asPostgres(pgBin('initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8']);
  execFileSync(initdb!, initArgs, { stdio: 'ignore' });
  const [pg, ...pgArgs] = asPostgres(pgBin('postgres'), ['-D', data, '-p', String(pgPort), '-k', dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off']);
  const postgres = spawn(pg!, pgArgs, { stdio: 'ignore' });
  const redisPort = await freePort();
  const redis = spawn('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });

  const databaseUrl = `postgres://postgres@127.0.0.1:${pgPort}/postgres`;
  await waitFor(
    () => {
      execFileSync('psql', [databaseUrl, '-c', 'select 1'], { stdio: 'ignore' });
      execFileSync('redis-cli', ['-p', String(redisPort), 'ping'], { stdio: 'ignore' });
      return true;
    },
    { what: 'PostgreSQL and Redis to start', timeoutMs: 30_000, intervalMs: 200 },
  );
  return {
    databaseUrl,
    redisUrl: `redis://127.0.0.1:${redisPort}`,
    async stop() {
      const pid = postmasterPid(data);
      try {
        if (pid) process.kill(pid, 'SIGINT'); // fast shutdown
        else postgres.kill('SIGINT');
      } catch {
        // already gone
      }
      redis.kill('SIGTERM');
      await Promise.all([waitExit(postgres, pid), waitExit(redis)]);
    },
  };
}
