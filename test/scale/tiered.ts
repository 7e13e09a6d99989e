// Helpers for the tiered-profile tests (stack/start.sh --profile scale): synthetic traces and logs
// sent to the agent over OTLP/HTTP JSON, the stack's scripts for faults, and Jaeger reads.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { getTrace, urls, type JaegerTrace } from '../support/backends.ts';
import { REPO, scrape, sleep, total } from '@crm/test-kit';

/** The kinds of trace tail sampling is configured for (otel-collector/tiered/gateway.yaml). */
export type TraceKind = 'error' | 'slow' | 'event' | 'ordinary';

export interface SentTrace {
  traceId: string;
  kind: TraceKind;
  spanIds: string[];
  /** Date.now() before its first span was sent. */
  startedAt: number;
  /** Date.now() when the agent acknowledged the last of its spans. */
  sentAt: number;
}

/** Spans per synthetic trace; each span goes in its own OTLP request, as separate services would send them. */
export const SPANS_PER_TRACE = 3;
/** TAIL_SAMPLING_SLOW_MS default of gateway.yaml is 1000 ms; slow traces last 1.5 s. */
const SLOW_NS = 1_500_000_000n;

const hex = (bytes: number): string => randomBytes(bytes).toString('hex');

async function post(path: string, body: unknown): Promise<void> {
  const res = await fetch(`${urls.collectorOtlpHttp()}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  if (!res.ok) throw new Error(`POST ${path} -> HTTP ${res.status}: ${await res.text()}`);
}

/** Sends one trace of SPANS_PER_TRACE spans (root last, like a server span ending after its children). */
export async function sendTrace(kind: TraceKind, run: string): Promise<SentTrace> {
  const startedAt = Date.now();
  const traceId = hex(16);
  const spanIds = Array.from({ length: SPANS_PER_TRACE }, () => hex(8));
  const start = BigInt(Date.now()) * 1_000_000n;
  const end = start + (kind === 'slow' ? SLOW_NS : 5_000_000n);
  for (let i = SPANS_PER_TRACE - 1; i >= 0; i--) {
    const span = {
      traceId,
      spanId: spanIds[i],
      parentSpanId: i === 0 ? '' : spanIds[0],
      name: i === 0 ? `GET /scale/${kind}` : `child-${i}`,
      kind: i === 0 ? 2 : 1,
      startTimeUnixNano: String(start),
      endTimeUnixNano: String(end),
      attributes: [{ key: 'scale.run', value: { stringValue: run } }],
      // The error is on a child span: tail sampling must keep the whole trace for it.
      status: kind === 'error' && i === SPANS_PER_TRACE - 1 ? { code: 2, message: 'boom' } : { code: 0 },
      events: kind === 'event' && i === 1 ? [{ name: 'crm.lead.created', timeUnixNano: String(start) }] : [],
    };
    await post('/v1/traces', {
      resourceSpans: [{
        resource: { attributes: [{ key: 'service.name', value: { stringValue: `scale-${i === 0 ? 'api' : 'worker'}` } }] },
        scopeSpans: [{ scope: { name: 'test/scale' }, spans: [span] }],
      }],
    });
  }
  return { traceId, kind, spanIds, startedAt, sentAt: Date.now() };
}

/** Sends one application log record carrying a unique id; resolves to that id. */
export async function sendLog(run: string, seq: number): Promise<string> {
  const id = `${run}-${seq}`;
  await post('/v1/logs', {
    resourceLogs: [{
      resource: { attributes: [{ key: 'service.name', value: { stringValue: 'scale-api' } }] },
      scopeLogs: [{ scope: { name: 'test/scale' }, logRecords: [{
        timeUnixNano: String(BigInt(Date.now()) * 1_000_000n),
        severityNumber: 9,
        severityText: 'INFO',
        body: { stringValue: `scale log ${seq}` },
        attributes: [{ key: 'scale.run', value: { stringValue: run } }, { key: 'scale.log_id', value: { stringValue: id } }],
      }] }],
    }],
  });
  return id;
}

/** A fresh id naming one test run's data. */
export const newRun = (): string => `scale-${hex(4)}`;

/** What Jaeger holds of a sent trace. */
export interface Stored {
  /** Distinct span ids of the sent trace found in Jaeger. */
  spans: number;
  /** collector.gateway.name values on its spans' processes (one gateway per kept trace). */
  gateways: Set<string>;
}

export async function stored(t: SentTrace): Promise<Stored> {
  const trace: JaegerTrace | undefined = await getTrace(t.traceId);
  const gateways = new Set<string>();
  const ids = new Set<string>();
  for (const span of trace?.spans ?? []) {
    if (!t.spanIds.includes(span.spanID)) continue;
    ids.add(span.spanID);
    const tag = trace!.processes[span.processID]?.tags.find((k) => k.key === 'collector.gateway.name');
    gateways.add(String(tag?.value ?? '(none)'));
  }
  return { spans: ids.size, gateways };
}

/** Runs a stack script of this checkout in the profile (stack/start.sh --profile scale, stack/stop.sh). */
export function stackScript(script: 'start.sh' | 'stop.sh', ...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('bash', [join(REPO, 'stack', script), ...args], { timeout: 240_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`stack/${script} ${args.join(' ')} failed: ${stderr}`));
      else resolve(stdout + stderr);
    });
  });
}

/** Sends traces of the given kinds at about `perSecond` until `stop()` is called. */
export function loadGenerator(run: string, kinds: TraceKind[], perSecond: number): { sent: SentTrace[]; failures: string[]; stop: () => Promise<void> } {
  const sent: SentTrace[] = [];
  const failures: string[] = [];
  let running = true;
  let i = 0;
  const loop = (async () => {
    while (running) {
      const tick = Date.now();
      try {
        sent.push(await sendTrace(kinds[i++ % kinds.length]!, run));
      } catch (err) {
        failures.push((err as Error).message);
      }
      await sleep(Math.max(0, 1000 / perSecond - (Date.now() - tick)));
    }
  })();
  return { sent, failures, stop: async () => { running = false; await loop; } };
}


/** Maps items through fn, `width` at a time. */
export async function mapLimit<T, R>(items: T[], width: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  }));
  return out;
}

/** Sum of a counter over the lines of Prometheus text scrapes whose labels contain every `match` pair. */
export async function scrapeSum(ports: number[], metric: string, match: Record<string, string>): Promise<number> {
  let sum = 0;
  for (const p of ports) sum += total(await scrape(`http://127.0.0.1:${p}/metrics`), metric, match);
  return sum;
}

/** One line per figure, collected by test/scale/run.sh into .stack/scale-figures.txt for docs/RELIABILITY.md. */
export function figure(name: string, value: unknown): void {
  console.log(`SCALE-FIGURE ${name} ${JSON.stringify(value)}`);
}
