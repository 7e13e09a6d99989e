// A real OTLP/HTTP receiver for tests: decodes protobuf with OpenTelemetry's own generated
// codecs (otlp-codec.ts) and JSON as sent.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { OTLP_CODECS, isOtlpPath } from './otlp-codec.js';
import { waitFor } from './wait.js';

export type Attrs = Record<string, unknown>;

export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  attributes: Attrs;
  events: Array<{ name: string; attributes: Attrs }>;
  /** code: 0 unset, 1 OK, 2 ERROR */
  status: { code: number; message: string };
  resource: Attrs;
  scope: string;
}

export interface ReceivedLog {
  traceId: string;
  spanId: string;
  body: unknown;
  severityText: string;
  severityNumber: number;
  eventName: string;
  attributes: Attrs;
  resource: Attrs;
  scope: string;
}

export interface ReceivedMetric {
  name: string;
  resource: Attrs;
  dataPoints: Array<{ attributes: Attrs; value: unknown }>;
}

type AnyValue = Record<string, unknown>;

function value(v: AnyValue | undefined): unknown {
  if (!v) return undefined;
  if ('stringValue' in v) return v['stringValue'];
  if ('intValue' in v) return Number(v['intValue']);
  if ('doubleValue' in v) return v['doubleValue'];
  if ('boolValue' in v) return v['boolValue'];
  if ('arrayValue' in v) return ((v['arrayValue'] as { values?: AnyValue[] }).values ?? []).map(value);
  if ('kvlistValue' in v) return attrs((v['kvlistValue'] as { values?: KeyValue[] }).values);
  if ('bytesValue' in v) return v['bytesValue'];
  return undefined;
}

interface KeyValue {
  key: string;
  value?: AnyValue;
}

function attrs(list: KeyValue[] | undefined): Attrs {
  const out: Attrs = {};
  for (const kv of list ?? []) out[kv.key] = value(kv.value);
  return out;
}

function hex(id: unknown): string {
  if (!id) return '';
  if (typeof id === 'string') {
    // JSON OTLP carries hex; protobuf decoded with bytes:String carries base64.
    return /^[0-9a-f]+$/i.test(id) && (id.length === 32 || id.length === 16) ? id.toLowerCase() : Buffer.from(id, 'base64').toString('hex');
  }
  return Buffer.from(id as Uint8Array).toString('hex');
}

type Json = Record<string, unknown> & { [k: string]: unknown };
const arr = (v: unknown): Json[] => (Array.isArray(v) ? (v as Json[]) : []);

export class OtlpReceiver {
  readonly spans: ReceivedSpan[] = [];
  readonly logs: ReceivedLog[] = [];
  readonly metrics: ReceivedMetric[] = [];
  /** Every decoded request body, for "is this secret anywhere?" searches. */
  readonly raw: string[] = [];
  requests = 0;
  /** While true, requests are read but never answered: the exporter times out. */
  stall = false;
  private server: Server | undefined;
  port = 0;

  async start(port = 0): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, '127.0.0.1', () => resolve());
    });
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  /** Everything received, as one string. */
  everything(): string {
    return this.raw.join('\n');
  }

  waitFor<T>(what: string, probe: () => T | undefined | false, timeoutMs = 15_000): Promise<T> {
    const detail = (): string => `received ${this.spans.length} spans, ${this.logs.length} logs, ${this.metrics.length} metrics`;
    // A falsy probe result (0, '') means not yet here.
    return waitFor(() => probe() || undefined, { what, timeoutMs, intervalMs: 50, detail });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    if (this.stall) return;
    const path = (req.url ?? '').split('?')[0] ?? '';
    if (!isOtlpPath(path)) {
      res.writeHead(404).end();
      return;
    }
    const codec = OTLP_CODECS[path];
    this.requests++;
    let message: Json;
    if ((req.headers['content-type'] ?? '').includes('json')) message = JSON.parse(body.toString('utf8')) as Json;
    else message = codec.toObject(codec.decode(body), { longs: String, bytes: String, defaults: false, arrays: true }) as Json;
    this.raw.push(JSON.stringify(message));
    this.collect(path, message);
    res.writeHead(200, { 'content-type': req.headers['content-type'] ?? 'application/x-protobuf' }).end();
  }

  private collect(path: string, m: Json): void {
    if (path === '/v1/traces') {
      for (const rs of arr(m['resourceSpans'])) {
        const resource = attrs((rs['resource'] as Json | undefined)?.['attributes'] as KeyValue[]);
        for (const ss of arr(rs['scopeSpans'])) {
          const scope = String((ss['scope'] as Json | undefined)?.['name'] ?? '');
          for (const s of arr(ss['spans'])) {
            this.spans.push({
              traceId: hex(s['traceId']),
              spanId: hex(s['spanId']),
              parentSpanId: hex(s['parentSpanId']),
              name: String(s['name']),
              kind: Number(s['kind'] ?? 0),
              attributes: attrs(s['attributes'] as KeyValue[]),
              events: arr(s['events']).map((e) => ({ name: String(e['name']), attributes: attrs(e['attributes'] as KeyValue[]) })),
              status: { code: Number((s['status'] as Json | undefined)?.['code'] ?? 0), message: String((s['status'] as Json | undefined)?.['message'] ?? '') },
              resource,
              scope,
            });
          }
        }
      }
    } else if (path === '/v1/logs') {
      for (const rl of arr(m['resourceLogs'])) {
        const resource = attrs((rl['resource'] as Json | undefined)?.['attributes'] as KeyValue[]);
        for (const sl of arr(rl['scopeLogs'])) {
          const scope = String((sl['scope'] as Json | undefined)?.['name'] ?? '');
          for (const l of arr(sl['logRecords'])) {
            this.logs.push({
              traceId: hex(l['traceId']),
              spanId: hex(l['spanId']),
              body: value(l['body'] as AnyValue),
              severityText: String(l['severityText'] ?? ''),
              severityNumber: Number(l['severityNumber'] ?? 0),
              eventName: String(l['eventName'] ?? ''),
              attributes: attrs(l['attributes'] as KeyValue[]),
              resource,
              scope,
            });
          }
        }
      }
    } else {
      for (const rm of arr(m['resourceMetrics'])) {
        const resource = attrs((rm['resource'] as Json | undefined)?.['attributes'] as KeyValue[]);
        for (const sm of arr(rm['scopeMetrics'])) {
          for (const metric of arr(sm['metrics'])) {
            const data = (metric['sum'] ?? metric['gauge'] ?? metric['histogram'] ?? metric['exponentialHistogram'] ?? {}) as Json;
            this.metrics.push({
              name: String(metric['name']),
              resource,
              dataPoints: arr(data['dataPoints']).map((p) => ({
                attributes: attrs(p['attributes'] as KeyValue[]),
                value: p['asDouble'] ?? (p['asInt'] !== undefined ? Number(p['asInt']) : p['count'] !== undefined ? Number(p['count']) : undefined),
              })),
            });
          }
        }
      }
    }
  }
}
