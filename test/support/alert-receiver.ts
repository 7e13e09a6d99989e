// An HTTP server standing in for the people alerts go to: it records every notification
// Alertmanager POSTs to it (pager and default: Alertmanager's webhook JSON; chat: a Slack
// incoming-webhook message), by path. Also small clients for Alertmanager's API v2.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface WebhookAlert {
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  generatorURL: string;
  fingerprint: string;
}
/** Alertmanager's webhook payload (version 4). */
export interface WebhookMessage {
  version: string;
  status: 'firing' | 'resolved';
  receiver: string;
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
  alerts: WebhookAlert[];
}
/** What Alertmanager's slack_configs sends. */
export interface SlackMessage {
  text?: string;
  attachments: Array<{ title?: string; text?: string; color?: string; fallback?: string }>;
}

export interface Notification {
  path: string;
  headers: IncomingHttpHeaders;
  body: unknown;
  at: number;
}

export interface AlertReceiver {
  /** http://127.0.0.1:<port> */
  base: string;
  received: Notification[];
  /** Notifications POSTed to `path`. */
  at(path: string): Notification[];
  close(): Promise<void>;
}

/** Starts the receiver on a free loopback port; every POST answers 200. */
export async function startAlertReceiver(): Promise<AlertReceiver> {
  const received: Notification[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // keep the text: a test quoting it shows what arrived
      }
      received.push({ path: req.url ?? '', headers: req.headers, body, at: Date.now() });
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    received,
    at: (path) => received.filter((n) => n.path === path),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The firing alerts of webhook notifications (pager, default) that match `labels`. */
export function webhookAlerts(notifications: Notification[], labels: Record<string, string>): WebhookAlert[] {
  return notifications
    .flatMap((n) => (n.body as WebhookMessage).alerts ?? [])
    .filter((a) => a.status === 'firing' && Object.entries(labels).every(([k, v]) => a.labels[k] === v));
}

/** The chat (Slack) messages whose title or text mention every string of `parts`. */
export function chatMessages(notifications: Notification[], ...parts: string[]): SlackMessage[] {
  return notifications
    .map((n) => n.body as SlackMessage)
    .filter((m) => {
      const text = JSON.stringify(m);
      return parts.every((p) => text.includes(p));
    });
}

// ---------- Alertmanager API v2 ----------

export interface AmAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  status: { state: 'active' | 'suppressed' | 'unprocessed'; inhibitedBy: string[]; silencedBy: string[] };
  fingerprint: string;
  receivers: Array<{ name: string }>;
}

/** POST /api/v2/alerts: what Prometheus does for each firing alert. */
export async function postAlerts(base: string, alerts: Array<{ labels: Record<string, string>; annotations?: Record<string, string> }>): Promise<void> {
  const res = await fetch(`${base}/api/v2/alerts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(alerts.map((a) => ({ labels: a.labels, annotations: a.annotations ?? {}, startsAt: new Date().toISOString() }))),
    signal: AbortSignal.timeout(10_000),
  });
  if (res.status !== 200) throw new Error(`POST ${base}/api/v2/alerts -> HTTP ${res.status}: ${await res.text()}`);
}

/** GET /api/v2/alerts (active, silenced and inhibited ones). */
export async function amAlerts(base: string): Promise<AmAlert[]> {
  const res = await fetch(`${base}/api/v2/alerts`, { signal: AbortSignal.timeout(10_000) });
  if (res.status !== 200) throw new Error(`GET ${base}/api/v2/alerts -> HTTP ${res.status}: ${await res.text()}`);
  return (await res.json()) as AmAlert[];
}
