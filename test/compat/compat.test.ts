// Issue 12: real third-party apps and frameworks from npm (pinned in apps/package-lock.json,
// installed by setup.sh) run under the preload as their users run them. For each: the app works
// unchanged, exactly one start-up line, server spans with the right routes (database spans under
// the request), its HTTP metrics on /metrics, and its exit code and time on SIGTERM and SIGINT.
// The results table is written to docs/COMPATIBILITY.md.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fastExportEnv, freePort, OtlpReceiver, parsePrometheusText, REPO, scrubbedEnv, waitFor, type ReceivedSpan } from '@crm/test-kit';
import { startDatabases, type Databases } from './databases.ts';

const APPS = join(REPO, 'test', 'compat', 'apps');
const STARTUP_LINE = /^\[@crm\/otel-register\] service /gm;
const SERVER = 2; // SpanKind.SERVER

interface Ctx {
  port: number;
  dir: string;
  db: Databases;
}

interface Req {
  method?: 'GET' | 'POST';
  path: string;
  status: number;
  /** http.route expected on the server span (undefined: no route is expected, e.g. plain node:http). */
  route?: string;
}

interface Row {
  name: string;
  /** How the command preloads the register; 'in-config': the app's launcher config does (PM2's node_args). */
  preload: 'require' | 'import' | 'in-config';
  args(ctx: Ctx): string[];
  env?(ctx: Ctx): Record<string, string>;
  /** A line on stdout that says the app listens; otherwise the port is polled. */
  ready?: RegExp;
  requests: Req[];
  /** Instrumentation scopes whose spans must sit under the request's server span. */
  children?: string[];
  /** Exit codes on SIGTERM and SIGINT (as Node gives them without the kit: 143 and 130). */
  exit: { SIGTERM: number; SIGINT: number };
  /** The app ends on its own instead (exit code). */
  endsOnItsOwn?: number;
  /** The app's own SIGTERM handler keeps it serving: SIGTERM must not end it (SIGINT still does). */
  keepsRunningOnSigterm?: boolean;
  /** What the app itself prints by the time it has ended (e.g. its exit clean-up). */
  output?: RegExp;
  /** The one line the register prints instead of its start-up line; then nothing is exported either. */
  insteadOfStartup?: RegExp;
  /** Prometheus ports serving the app's metrics, from the configured one (PM2: one per instance). */
  metricsPorts?(promPort: number): number[];
  /** Why a check does not apply (shown in the table). */
  explained?: string;
  /** Problems an upstream defect causes: listed as explained, not failed, while they still occur. */
  upstream?: { problems: RegExp; why: string };
  /** More checks of what the app exported: its /metrics text and its spans; the problems found. */
  exported?(metrics: string, spans: ReceivedSpan[]): string[];
}

const PG_PASSWORD = 'compat-Pg-pass-7Q';

const json = (ctx: Ctx): string => {
  const file = join(ctx.dir, 'db.json');
  copyFileSync(join(APPS, 'db.json'), file);
  return file;
};
const leadRoutes = (route = '/leads/:id'): Req[] => [
  { path: '/leads/1', status: 200, route },
  { path: '/leads/2', status: 200, route },
  { method: 'POST', path: '/leads', status: 201, route: '/leads' },
];
const plain: Req[] = [{ path: '/a', status: 200 }, { path: '/b', status: 200 }, { path: '/c', status: 200 }, { path: '/d', status: 200 }];
const SIGNALS = { SIGTERM: 143, SIGINT: 130 };

const ROWS: Row[] = [
  {
    name: 'json-server 0.17 (Express 4)',
    preload: 'require',
    args: (c) => ['node_modules/json-server/lib/cli/bin.js', '--port', String(c.port), '--host', '127.0.0.1', json(c)],
    requests: [
      { path: '/leads/1', status: 200, route: '/leads/:id' },
      { path: '/leads', status: 200, route: '/leads' },
    ],
    exit: SIGNALS,
    upstream: {
      problems: /http\.route undefined/,
      why:
        "the server span has no http.route (its Express spans have it): json-server renders in a middleware after the route's handler, and instrumentation-express lets that middleware overwrite the route (open-telemetry/opentelemetry-js-contrib#2884, open)",
    },
  },
  {
    name: 'json-server 1.0 beta (ESM, tinyhttp)',
    preload: 'import',
    args: (c) => ['node_modules/json-server1/lib/bin.js', json(c), '--port', String(c.port), '--host', '127.0.0.1'],
    requests: [
      { path: '/leads/1', status: 200 },
      { path: '/leads', status: 200 },
    ],
    exit: SIGNALS,
    explained: 'no http.route: tinyhttp has no OpenTelemetry instrumentation (none in opentelemetry-js-contrib), so server spans carry no route',
  },
  { name: 'Fastify 5', preload: 'require', args: () => ['fastify.js'], ready: /READY/, requests: leadRoutes(), exit: SIGNALS },
  { name: 'Koa 3 + @koa/router', preload: 'require', args: () => ['koa.js'], ready: /READY/, requests: leadRoutes(), exit: SIGNALS },
  {
    name: 'NestJS 12 (starter app)',
    // NestJS 12 ships as ES modules: its `import express` passes no require hook, so --require leaves
    // Express (and the routes) uninstrumented; --import instruments it.
    preload: 'import',
    args: () => ['nest.js'],
    ready: /READY/,
    requests: leadRoutes(),
    exit: SIGNALS,
    explained:
      'NestJS 12 is ES modules: start it with --import (under --require its Express is not instrumented, no routes); no Nest spans of its own: instrumentation-nestjs-core supports NestJS < 12 in auto-instrumentations-node 0.82.0 (NestJS 12 support: open-telemetry/opentelemetry-js-contrib#3733)',
  },
  {
    name: 'Express 5 + pg + ioredis',
    preload: 'require',
    args: () => ['express-db.js'],
    // With a password (the test server trusts local connections, so it is accepted and unused).
    env: (c) => ({ DATABASE_URL: c.db.databaseUrl.replace('//postgres@', `//postgres:${PG_PASSWORD}@`), REDIS_URL: c.db.redisUrl }),
    ready: /READY/,
    requests: [
      { path: '/leads/1', status: 200, route: '/leads/:id' },
      { method: 'POST', path: '/leads', status: 201, route: '/leads' },
    ],
    children: ['@opentelemetry/instrumentation-pg', '@opentelemetry/instrumentation-ioredis'],
    exit: SIGNALS,
    exported: (metrics, spans) => [
      ...(/db_client_connection_max\{[^}]*db_client_connection_pool_name="127\.0\.0\.1:\d+\/postgres"/.test(metrics) ? [] : [`pg pool not named host:port/database: ${metrics.match(/db_client_connection_max\{[^}]*\}/)?.[0]}`]),
      ...(metrics.includes(PG_PASSWORD) || JSON.stringify(spans).includes(PG_PASSWORD) ? ['the connection string password was exported'] : []),
    ],
  },
  { name: 'Node cluster (2 workers)', preload: 'require', args: () => ['node-cluster.js'], ready: /READY/, requests: plain, exit: SIGNALS },
  {
    name: 'PM2 cluster mode (2 instances, pm2-runtime)',
    preload: 'in-config',
    args: () => ['node_modules/pm2/bin/pm2-runtime', 'ecosystem.config.js'],
    env: (c) => ({ PM2_HOME: join(c.dir, 'pm2') }),
    requests: plain,
    metricsPorts: (p) => [p, p + 1],
    // pm2-runtime stops the instances (SIGINT to each, which flush) and exits 0 itself, with or without the kit
    exit: { SIGTERM: 0, SIGINT: 0 },
  },
  { name: 'worker_threads + pino transport', preload: 'require', args: () => ['workers.js'], ready: /READY/, requests: plain.slice(0, 2), exit: SIGNALS },
  { name: 'signal-exit 4', preload: 'require', args: () => ['signal-exit-app.js'], env: () => ({ SIGNAL_EXIT_MAJOR: '4' }), ready: /READY/, requests: plain.slice(0, 1), exit: SIGNALS, output: /CLEANUP/ },
  { name: 'signal-exit 3', preload: 'require', args: () => ['signal-exit-app.js'], env: () => ({ SIGNAL_EXIT_MAJOR: '3' }), ready: /READY/, requests: plain.slice(0, 1), exit: SIGNALS, output: /CLEANUP/ },
  {
    name: "signal-exit 4 + the app's own SIGTERM handler",
    preload: 'require',
    args: () => ['signal-exit-app.js'],
    env: () => ({ SIGNAL_EXIT_MAJOR: '4', APP_SIGTERM_KEEPS_RUNNING: '1' }),
    ready: /READY/,
    requests: plain.slice(0, 1),
    exit: SIGNALS,
    keepsRunningOnSigterm: true,
  },
  {
    name: 'an ES module app under --require',
    preload: 'require',
    args: () => ['esm-app.mjs'],
    ready: /READY/,
    requests: plain.slice(0, 2),
    insteadOfStartup: /^\[@crm\/otel-register\] warning: esm-app\.mjs is an ES module: .* node --import @crm\/otel-register esm-app\.mjs$/,
    exit: SIGNALS,
  },
  { name: 'a script that ends on its own', preload: 'require', args: () => ['script.js'], requests: [], exit: SIGNALS, endsOnItsOwn: 0 },
];

interface Result {
  row: Row;
  works: string;
  startupLines: number;
  routes: string;
  children: string;
  metrics: string;
  SIGTERM: string;
  SIGINT: string;
  problems: string[];
  /** Problems of an upstream defect (row.upstream). */
  upstream: string[];
}

let receiver: OtlpReceiver;
let db: Databases;
const results: Result[] = [];

before(async () => {
  receiver = await new OtlpReceiver().start();
  db = await startDatabases();
});

after(async () => {
  await db?.stop();
  await receiver?.stop();
  writeReport();
});

interface Started {
  child: ChildProcess;
  out(): string;
  exited: Promise<{ code: number | null; signal: string | null; at: number }>;
}

/** A free port whose next one is free too (PM2's second instance serves port + 1). */
async function freePortBefore(candidate: number): Promise<number> {
  for (let port = candidate; ; port = await freePort()) {
    const nextFree = await new Promise<boolean>((resolve) => {
      const s = createServer().once('error', () => resolve(false));
      s.listen(port + 1, '127.0.0.1', () => s.close(() => resolve(true)));
    });
    if (nextFree) return port;
  }
}

async function waitPort(port: number, deadline: number): Promise<void> {
  const accepts = (): Promise<boolean> =>
    new Promise((resolve) => {
      const s = connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      }).once('error', () => resolve(false));
    });
  await waitFor(accepts, { what: `port ${port} to accept a connection`, timeoutMs: Math.max(0, deadline - Date.now()), intervalMs: 100 });
}

async function start(row: Row, service: string): Promise<Started & { port: number; promPort: number }> {
  const ctx: Ctx = { port: await freePort(), dir: mkdtempSync(join(tmpdir(), 'compat-')), db };
  const promPort = row.metricsPorts ? await freePortBefore(await freePort()) : await freePort();
  const env = { ...scrubbedEnv(), ...fastExportEnv(receiver.endpoint, promPort), OTEL_SERVICE_NAME: service, PORT: String(ctx.port), ...row.env?.(ctx) };
  const preload = row.preload === 'in-config' ? [] : [`--${row.preload}`, '@crm/otel-register'];
  const child = spawn(process.execPath, [...preload, ...row.args(ctx)], { cwd: APPS, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<{ code: number | null; signal: string | null; at: number }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal, at: Date.now() })),
  );
  const deadline = Date.now() + 30_000;
  if (!row.endsOnItsOwn && row.ready) {
    const ready = row.ready;
    await waitFor(() => ready.test(out), {
      what: `${row.name} to start`,
      timeoutMs: Math.max(0, deadline - Date.now()),
      intervalMs: 50,
      giveUp: () => (child.exitCode !== null ? 'exited' : undefined),
      detail: () => `output:\n${out}`,
    });
  } else if (row.endsOnItsOwn === undefined) await waitPort(ctx.port, deadline);
  return { child, out: () => out, exited, port: ctx.port, promPort };
}

/** SIGTERM to an app whose handler keeps it serving: still up and answering after the register's flush. */
async function keepsRunning(app: Started, path: string): Promise<boolean> {
  app.child.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 2_000)); // the flush takes well under this
  if (app.child.exitCode !== null || app.child.signalCode !== null) return false;
  const port = (app as Started & { port: number }).port;
  const res = await fetch(`http://127.0.0.1:${port}${path}`).catch(() => undefined);
  return res?.status === 200 && /APP_SIGTERM/.test(app.out());
}

async function stopWith(app: Started, signal: 'SIGTERM' | 'SIGINT' | 'SIGKILL'): Promise<{ code: number | null; ms: number }> {
  const sent = Date.now();
  app.child.kill(signal);
  const timeout = new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), 15_000));
  const r = await Promise.race([app.exited, timeout]);
  if (r === 'hung') {
    app.child.kill('SIGKILL');
    await app.exited;
    return { code: null, ms: 15_000 };
  }
  return { code: r.code ?? (r.signal ? 128 + (r.signal === 'SIGTERM' ? 15 : r.signal === 'SIGINT' ? 2 : 9) : null), ms: r.at - sent };
}

const describeExit = (e: { code: number | null; ms: number }): string => (e.code === null ? 'did not exit in 15 s' : `${e.code} in ${e.ms} ms`);

function serverSpans(service: string): ReceivedSpan[] {
  return receiver.spans.filter((s) => s.resource['service.name'] === service && s.kind === SERVER);
}

for (const row of ROWS) {
  describe(row.name, () => {
    test(`works, one start-up line, routes, metrics, exit on SIGTERM and SIGINT`, async () => {
      const problems: string[] = [];
      const service = `compat-${row.name.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}`;
      const app = await start(row, service);
      const base = `http://127.0.0.1:${app.port}`;
      const statuses: string[] = [];
      for (const r of row.requests) {
        const res = await fetch(base + r.path, { method: r.method ?? 'GET', headers: { 'content-type': 'application/json' }, body: r.method === 'POST' ? JSON.stringify({ name: 'Initech' }) : undefined });
        await res.text();
        statuses.push(String(res.status));
        if (res.status !== r.status) problems.push(`${r.method ?? 'GET'} ${r.path} answered ${res.status}, expected ${r.status}`);
      }
      let metrics = 'n/a';
      let metricsText = '';
      if (row.requests.length && !row.insteadOfStartup) {
        let count = 0;
        for (const port of row.metricsPorts?.(app.promPort) ?? [app.promPort]) {
          const text = await fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text()).catch(() => '');
          metricsText += text;
          count += parsePrometheusText(text)
            .filter((s) => /^http_server_request_duration(_seconds)?_count$/.test(s.name))
            .reduce((n, s) => n + s.value, 0);
        }
        metrics = `${count} of ${row.requests.length} requests`;
        if (count < row.requests.length) problems.push(`/metrics counts ${count} requests of ${row.requests.length}`);
      }
      // SIGTERM (or the app's own end), then the spans that must have been flushed before the exit.
      let termCell: string;
      if (row.keepsRunningOnSigterm) {
        const kept = await keepsRunning(app, row.requests[0]!.path);
        if (!kept) problems.push('SIGTERM ended the app although its own handler keeps it serving');
        termCell = kept ? 'keeps running (app handler)' : 'ended';
        await stopWith(app, 'SIGKILL');
      } else {
        const term = row.endsOnItsOwn !== undefined ? await ownEnd(app) : await stopWith(app, 'SIGTERM');
        const expectedExit = row.endsOnItsOwn ?? row.exit.SIGTERM;
        if (term.code !== expectedExit) problems.push(`exit ${describeExit(term)}, expected ${expectedExit}`);
        termCell = row.endsOnItsOwn !== undefined ? `ended: ${describeExit(term)}` : describeExit(term);
        if (row.output && !row.output.test(app.out())) problems.push(`the app's own output ${row.output} is missing`);
      }
      const startupLines = (app.out().match(STARTUP_LINE) ?? []).length;
      if (startupLines !== (row.insteadOfStartup ? 0 : 1)) problems.push(`${startupLines} start-up lines`);
      if (row.insteadOfStartup && (app.out().match(new RegExp(row.insteadOfStartup, 'gm')) ?? []).length !== 1) problems.push(`not once: ${row.insteadOfStartup}`);
      if (/EADDRINUSE|could not listen/.test(app.out())) problems.push('a port conflict was reported');

      const spans = serverSpans(service);
      const want = row.requests.filter((r) => r.route);
      const routes = row.requests.map((r) => spans.find((s) => s.attributes['url.path'] === r.path.split('?')[0] && s.attributes['http.request.method'] === (r.method ?? 'GET')));
      const expectedSpans = row.insteadOfStartup ? 0 : row.requests.length;
      if (routes.filter(Boolean).length < expectedSpans) problems.push(`${routes.filter(Boolean).length} of ${row.requests.length} server spans arrived`);
      for (const [i, r] of row.requests.entries()) {
        if (r.route && routes[i]?.attributes['http.route'] !== r.route) problems.push(`${r.path}: http.route ${JSON.stringify(routes[i]?.attributes['http.route'])}, expected ${r.route} (span "${routes[i]?.name}")`);
      }
      let children = 'n/a';
      if (row.children) {
        const counts = row.children.map((scope) => receiver.spans.filter((s) => s.scope === scope && underServerSpan(s, spans)).length);
        children = row.children.map((scope, i) => `${scope.replace('@opentelemetry/instrumentation-', '')} ${counts[i]}`).join(', ');
        for (const [i, scope] of row.children.entries()) if (counts[i] === 0) problems.push(`no ${scope} span under a request's server span`);
      }
      if (row.exported) problems.push(...row.exported(metricsText, receiver.spans.filter((s) => s.resource['service.name'] === service)));
      if (row.insteadOfStartup && spans.length) problems.push(`${spans.length} server spans exported although the line says nothing is`);

      let int = { code: null as number | null, ms: 0 };
      if (row.endsOnItsOwn === undefined) {
        const again = await start(row, `${service}-int`);
        await fetch(`http://127.0.0.1:${again.port}${row.requests[0]?.path ?? '/'}`).then((r) => r.text()).catch(() => '');
        int = await stopWith(again, 'SIGINT');
        if (int.code !== row.exit.SIGINT) problems.push(`SIGINT: exit ${describeExit(int)}, expected ${row.exit.SIGINT}`);
      }
      const upstream = row.upstream ? problems.filter((p) => row.upstream!.problems.test(p)) : [];
      if (row.upstream && upstream.length === 0) problems.push(`the upstream defect no longer shows (${row.upstream.why}): update the row`);
      problems.splice(0, problems.length, ...problems.filter((p) => !upstream.includes(p)));
      results.push({
        row,
        upstream,
        works: statuses.join(' ') || 'ran',
        startupLines,
        routes: want.length ? [...new Set(routes.map((s) => String(s?.attributes['http.route'] ?? s?.name ?? '-')))].join(', ') : 'n/a',
        children,
        metrics,
        SIGTERM: termCell,
        SIGINT: row.endsOnItsOwn !== undefined ? 'n/a' : describeExit(int),
        problems,
      });
      assert.deepEqual(problems, []);
    });
  });
}

/** Whether a span's parent chain (within its trace) reaches one of the server spans. */
function underServerSpan(span: ReceivedSpan, servers: ReceivedSpan[]): boolean {
  const byId = new Map(receiver.spans.filter((s) => s.traceId === span.traceId).map((s) => [s.spanId, s]));
  const serverIds = new Set(servers.map((s) => s.spanId));
  for (let p = byId.get(span.parentSpanId), hops = 0; p && hops < 50; p = byId.get(p.parentSpanId), hops++) if (serverIds.has(p.spanId)) return true;
  return false;
}

async function ownEnd(app: Started): Promise<{ code: number | null; ms: number }> {
  const started = Date.now();
  const timeout = new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), 30_000));
  const r = await Promise.race([app.exited, timeout]);
  if (r === 'hung') {
    app.child.kill('SIGKILL');
    return { code: null, ms: 30_000 };
  }
  return { code: r.code, ms: r.at - started };
}

/** The table, from a run of every row only (a run of some rows, e.g. --test-name-pattern, leaves it as it is). */
function writeReport(): void {
  if (results.length !== ROWS.length) return;
  const cell = (s: string | number): string => String(s).replace(/\|/g, '\\|');
  const lines = [
    '# Compatibility: real apps under the preload',
    '',
    'Written by `test/compat/compat.test.ts`, run by `.ci/run` after the other suites (alone: `node scripts/run-tests.mjs compat`; what each column checks: test/compat/README.md).',
    `Last run: ${new Date().toISOString()}, Node ${process.version}. Versions: test/compat/apps/package.json.`,
    '',
    '| App | Preload | Requests | Start-up lines | Routes | DB spans under the request | /metrics | SIGTERM | SIGINT | Result |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...results.map((r) =>
      `| ${[r.row.name, r.row.preload === 'in-config' ? 'PM2 node_args --require' : `--${r.row.preload}`, r.works, r.startupLines, r.routes, r.children, r.metrics, r.SIGTERM, r.SIGINT, r.problems.length ? `FAIL: ${r.problems.join('; ')}` : r.upstream.length ? `explained: ${r.row.upstream!.why}` : r.row.explained ? `ok; ${r.row.explained}` : 'ok'].map(cell).join(' | ')} |`,
    ),
    '',
  ];
  writeFileSync(join(REPO, 'docs', 'COMPATIBILITY.md'), lines.join('\n'));
}
