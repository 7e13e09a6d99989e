// Node's cluster (and so PM2's cluster mode): one endpoint, one start-up line, no span lost at a stop.
// - The primary runs the register: it serves /metrics on the usual port, and each scrape adds every
//   worker's collection, asked over the cluster's IPC channel, each data point labelled with the
//   worker (cluster_worker_id). Workers open no port and print nothing.
// - A stop of the primary (SIGTERM to PID 1, its beforeExit) first asks every worker to flush and
//   waits for them, within the shutdown bound, before the primary itself ends.
// - Under PM2 (its daemon is the primary and does not run the register) each instance serves its
//   own endpoint on the port + NODE_APP_INSTANCE; instance 0 prints the start-up line.
// Messages travel as Node's internal ones (a `cmd` starting with NODE_), as cluster's own do: the
// app's 'message' listeners never see them.
import type { Worker } from 'node:cluster';
import type { MetricData, ResourceMetrics, ScopeMetrics } from '@opentelemetry/sdk-metrics';
import { MetricReader } from '@opentelemetry/sdk-metrics';

const HELLO = 'NODE_CRM_OTEL_HELLO';
const COLLECT = 'NODE_CRM_OTEL_COLLECT';
const FLUSH = 'NODE_CRM_OTEL_FLUSH';
const REPLY = 'NODE_CRM_OTEL_REPLY';
/** Set by a primary running the register, inherited by the workers it forks. */
const PRIMARY_ENV = 'CRM_OTEL_CLUSTER_PRIMARY';
const WORKER_LABEL = 'cluster.worker.id';
const COLLECT_TIMEOUT_MS = 2_000;

interface Message {
  cmd: string;
  id: number;
  scopeMetrics?: ScopeMetrics[];
}

/** single: no cluster, or its primary; worker: a worker of a primary that runs the register; instance: a worker of any other primary (PM2's daemon). */
type Role = { kind: 'single' } | { kind: 'worker' } | { kind: 'instance'; instance: number };

let role: Role | undefined;

/** What this process is in a cluster; decided once, at the start. */
export function clusterRole(env: NodeJS.ProcessEnv = process.env): Role {
  if (role) return role;
  // Node removes NODE_UNIQUE_ID from a worker's environment before the preload runs: cluster knows.
  if (!(require('node:cluster') as typeof import('node:cluster').default).isWorker) return (role = { kind: 'single' });
  if (env[PRIMARY_ENV] === String(process.ppid)) return (role = { kind: 'worker' });
  return (role = { kind: 'instance', instance: pm2Instance(env) });
}

/** PM2 hands its settings over as JSON in pm2_env (copied into the environment only after the preload). */
function pm2Instance(env: NodeJS.ProcessEnv): number {
  try {
    const settings = JSON.parse(env['pm2_env'] ?? '{}') as Record<string, unknown>;
    const key = typeof settings['instance_var'] === 'string' ? settings['instance_var'] : 'NODE_APP_INSTANCE';
    return Number(settings[key] ?? env[key]) || 0;
  } catch {
    return Number(env['NODE_APP_INSTANCE']) || 0;
  }
}

/** Whether this process prints the start-up line (a cluster speaks once). */
export function speaksForCluster(): boolean {
  const r = clusterRole();
  return r.kind === 'single' || (r.kind === 'instance' && r.instance === 0);
}

/** The Prometheus port of this process (PM2 instances each have their own). */
export function prometheusPort(port: number): number {
  const r = clusterRole();
  return r.kind === 'instance' ? port + r.instance : port;
}

/** A worker's reader: its collection goes to the primary when asked, never to a port of its own. */
class PulledByPrimary extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

let workerReader: PulledByPrimary | undefined;

/** A worker of a primary that runs the register: the reader the primary pulls from (else undefined). */
export function clusterWorkerReader(): MetricReader | undefined {
  if (clusterRole().kind !== 'worker') return undefined;
  return (workerReader ??= new PulledByPrimary());
}

interface Answer {
  worker: Worker;
  scopeMetrics?: ScopeMetrics[];
}

/** Primary side: the workers that run the register, and the requests waiting for their answer. */
class Workers {
  private next = 0;
  private readonly pending = new Map<number, (m?: ScopeMetrics[]) => void>();
  private readonly ready = new Set<Worker>();

  constructor(cluster: typeof import('node:cluster').default) {
    cluster.on('fork', (worker: Worker) => {
      worker.process.on('internalMessage', (m: Message) => {
        if (m?.cmd === HELLO) this.ready.add(worker);
        else if (m?.cmd === REPLY) this.pending.get(m.id)?.(m.scopeMetrics);
      });
      worker.once('exit', () => this.ready.delete(worker));
    });
  }

  /** Asks every live worker; resolves with the answers that came within the bound. */
  ask(cmd: string, timeoutMs: number): Promise<Answer[]> {
    const live = [...this.ready].filter((w) => w.isConnected() && !w.isDead());
    return Promise.all(live.map((worker) => this.askOne(worker, cmd, timeoutMs)));
  }

  private askOne(worker: Worker, cmd: string, timeoutMs: number): Promise<Answer> {
    return new Promise<Answer>((resolve) => {
      const id = ++this.next;
      const done = (scopeMetrics?: ScopeMetrics[]): void => {
        clearTimeout(timer);
        worker.removeListener('exit', gone);
        this.pending.delete(id);
        resolve(scopeMetrics ? { worker, scopeMetrics } : { worker });
      };
      const gone = (): void => done();
      const timer = setTimeout(done, timeoutMs);
      worker.once('exit', gone);
      this.pending.set(id, done);
      send(worker.process, { cmd, id }, () => done());
    });
  }
}

/** Sends an internal message (the typings only know the public form of send). */
function send(target: unknown, message: Message, failed: () => void = () => undefined): void {
  try {
    (target as { send(m: Message, cb: (e: Error | null) => void): void }).send(message, (error) => {
      if (error) failed();
    });
  } catch {
    failed();
  }
}

let workers: Workers | undefined;

/**
 * This process's part, once its SDK runs: a primary remembers its workers and tells them, through
 * the environment they inherit, that it gathers their metrics; a worker answers its primary.
 */
export function startClusterPart(flush: () => Promise<void>): void {
  const r = clusterRole();
  if (r.kind === 'single') {
    const cluster = require('node:cluster') as typeof import('node:cluster').default;
    if (!cluster.isPrimary) return;
    process.env[PRIMARY_ENV] = String(process.pid);
    workers = new Workers(cluster);
  } else if (r.kind === 'worker') {
    process.on('internalMessage', (m: Message) => {
      if (m?.cmd === COLLECT && workerReader) {
        void workerReader.collect().then(
          ({ resourceMetrics }) => reply(m.id, resourceMetrics.scopeMetrics),
          () => reply(m.id, []),
        );
      } else if (m?.cmd === FLUSH) {
        void flush().then(() => reply(m.id, undefined));
      }
    });
    send(process, { cmd: HELLO, id: 0 });
  }
}

function reply(id: number, scopeMetrics: ScopeMetrics[] | undefined): void {
  // IPC serialises as JSON: the data points go as plain values
  send(process, { cmd: REPLY, id, ...(scopeMetrics ? { scopeMetrics: JSON.parse(JSON.stringify(scopeMetrics)) as ScopeMetrics[] } : {}) });
}

/** Primary: every worker flushes, within the bound; a worker that ends meanwhile counts as done. */
export async function flushClusterWorkers(timeoutMs: number): Promise<void> {
  if (workers) await workers.ask(FLUSH, timeoutMs);
}

/** Primary: the workers' collections merged into the primary's, one series per worker. */
export async function addWorkerMetrics(into: ResourceMetrics): Promise<void> {
  if (!workers) return;
  for (const { worker, scopeMetrics } of await workers.ask(COLLECT, COLLECT_TIMEOUT_MS)) {
    for (const scope of scopeMetrics ?? []) merge(into, scope, String(worker.id));
  }
}

function merge(into: ResourceMetrics, scope: ScopeMetrics, workerId: string): void {
  const sameScope = (s: ScopeMetrics): boolean => s.scope.name === scope.scope.name && s.scope.version === scope.scope.version;
  let target = into.scopeMetrics.find(sameScope);
  if (!target) {
    target = { scope: scope.scope, metrics: [] };
    into.scopeMetrics.push(target);
  }
  for (const metric of scope.metrics) {
    const points = metric.dataPoints.map((p) => ({ ...p, attributes: { ...p.attributes, [WORKER_LABEL]: workerId } }));
    const existing = target.metrics.find((m) => m.descriptor.name === metric.descriptor.name && m.dataPointType === metric.dataPointType);
    if (existing) (existing.dataPoints as unknown[]).push(...points);
    else target.metrics.push({ ...metric, dataPoints: points } as MetricData);
  }
}
