#!/usr/bin/env node
// A light OTLP/HTTP load generator for the collector benchmark: it encodes one protobuf
// export request once (traces of 5 spans shaped like the register's HTTP server spans, or
// log records), then for every request only rewrites the trace and span ids in place, so
// the generator costs little CPU next to the collector on a 2-core machine.
//   node bench/lib/otlp-blaster.mjs <http://host:port> traces|logs <itemsPerSecond> <seconds>
// Prints one JSON line: { sent, failed, requests, seconds, statusCodes }.
import { request, Agent } from 'node:http';
import { randomFillSync, randomBytes } from 'node:crypto';
import { OTLP_CODECS } from '@crm/test-kit';

const TRACES = OTLP_CODECS['/v1/traces'];
const LOGS = OTLP_CODECS['/v1/logs'];

const [base, kind, rateArg, secondsArg] = process.argv.slice(2);
const rate = Number(rateArg);
const seconds = Number(secondsArg);
if (!base || !['traces', 'logs'].includes(kind) || !(rate > 0) || !(seconds > 0)) {
  console.error('usage: node bench/lib/otlp-blaster.mjs <http://host:port> traces|logs <itemsPerSecond> <seconds>');
  process.exit(2);
}

const TRACES_PER_REQUEST = 20; // 100 spans per request
const LOGS_PER_REQUEST = 100;
const str = (key, value) => ({ key, value: { stringValue: value } });
const int = (key, value) => ({ key, value: { intValue: value } });
const resource = { attributes: [str('service.name', 'bench-blaster'), str('service.version', '1.0.0'), str('deployment.environment.name', 'bench'), str('host.name', 'bench-host')] };

// 16-byte (trace) and 8-byte (span) sentinels, found again in the encoded bytes
let counter = 0;
const sentinel = (n) => {
  const b = randomBytes(n);
  b[0] = 0xab;
  b[1] = counter++ & 0xff;
  return b;
};

function nowNanos(offsetMs = 0) {
  return (BigInt(Date.now() + offsetMs) * 1_000_000n).toString();
}

function buildTraces() {
  const traces = [];
  const spans = [];
  for (let t = 0; t < TRACES_PER_REQUEST; t++) {
    const traceId = sentinel(16);
    const rootId = sentinel(8);
    const ids = { traceId, spanIds: [rootId], parentRefs: [] };
    spans.push({
      traceId, spanId: rootId, name: 'GET /api/contacts/:id', kind: 2, startTimeUnixNano: nowNanos(-5), endTimeUnixNano: nowNanos(),
      attributes: [str('http.request.method', 'GET'), str('url.path', '/api/contacts/42'), str('url.scheme', 'http'), str('http.route', '/api/contacts/:id'), int('http.response.status_code', 200), str('server.address', 'crm.local'), str('user_agent.original', 'bench/1.0')],
      status: {},
    });
    for (let c = 0; c < 4; c++) {
      const id = sentinel(8);
      ids.spanIds.push(id);
      ids.parentRefs.push(rootId);
      spans.push({
        traceId, spanId: id, parentSpanId: rootId, name: c === 0 ? 'request handler - /api/contacts/:id' : `SELECT crm.contacts ${c}`, kind: c === 0 ? 1 : 3,
        startTimeUnixNano: nowNanos(-4), endTimeUnixNano: nowNanos(-1),
        attributes: c === 0 ? [str('express.type', 'request_handler'), str('http.route', '/api/contacts/:id')] : [str('db.system.name', 'postgresql'), str('db.query.text', 'SELECT * FROM contacts WHERE id = $1')],
        status: {},
      });
    }
    traces.push(ids);
  }
  const msg = TRACES.fromObject({ resourceSpans: [{ resource, scopeSpans: [{ scope: { name: 'bench' }, spans }] }] });
  return { bytes: Buffer.from(TRACES.encode(msg).finish()), traces, items: spans.length };
}

function buildLogs() {
  const logRecords = [];
  const traces = [];
  for (let i = 0; i < LOGS_PER_REQUEST; i++) {
    const traceId = sentinel(16);
    const spanId = sentinel(8);
    traces.push({ traceId, spanIds: [spanId], parentRefs: [] });
    logRecords.push({
      timeUnixNano: nowNanos(), observedTimeUnixNano: nowNanos(), severityNumber: 9, severityText: 'INFO',
      body: { stringValue: `contact ${i} updated by user 7` }, traceId, spanId,
      attributes: [str('contact.id', String(i)), str('code.function', 'updateContact')],
    });
  }
  const msg = LOGS.fromObject({ resourceLogs: [{ resource, scopeLogs: [{ scope: { name: 'bench' }, logRecords }] }] });
  return { bytes: Buffer.from(LOGS.encode(msg).finish()), traces, items: logRecords.length };
}

const built = kind === 'traces' ? buildTraces() : buildLogs();
// every place an id appears in the encoded bytes
const offsets = (needle) => {
  const found = [];
  for (let at = built.bytes.indexOf(needle); at >= 0; at = built.bytes.indexOf(needle, at + 1)) found.push(at);
  return found;
};
const slots = built.traces.map((t) => ({
  trace: { len: 16, at: offsets(t.traceId) },
  spans: t.spanIds.map((id) => ({ len: 8, at: offsets(id) })), // a span id's offsets include its children's parentSpanId
}));

/** New random trace and span ids, consistent between parents and children, in place. */
function refreshIds(buf) {
  const fresh = Buffer.allocUnsafe(16);
  for (const s of slots) {
    for (const slot of [s.trace, ...s.spans]) {
      randomFillSync(fresh, 0, slot.len);
      for (const at of slot.at) fresh.copy(buf, at, 0, slot.len);
    }
  }
}

const agent = new Agent({ keepAlive: true, maxSockets: 8 });
const url = new URL(`/v1/${kind}`, base);
const requestsPerSecond = rate / built.items;
const total = Math.max(1, Math.round(requestsPerSecond * seconds));
const stats = { sent: 0, failed: 0, requests: 0, statusCodes: {} };

function send() {
  return new Promise((resolve) => {
    const body = Buffer.from(built.bytes);
    refreshIds(body);
    const req = request(url, { method: 'POST', agent, headers: { 'content-type': 'application/x-protobuf', 'content-length': body.length } }, (res) => {
      res.resume();
      res.on('end', () => {
        stats.requests++;
        stats.statusCodes[res.statusCode] = (stats.statusCodes[res.statusCode] ?? 0) + 1;
        if (res.statusCode === 200) stats.sent += built.items;
        else stats.failed += built.items;
        resolve();
      });
    });
    req.on('error', () => {
      stats.requests++;
      stats.failed += built.items;
      resolve();
    });
    req.end(body);
  });
}

// open-loop pacing: request i is due at start + i / requestsPerSecond; at most 64 in flight
const start = performance.now();
const inFlight = new Set();
for (let i = 0; i < total; i++) {
  const due = start + (i * 1000) / requestsPerSecond;
  const wait = due - performance.now();
  if (wait > 1) await new Promise((r) => setTimeout(r, wait));
  while (inFlight.size >= 64) await Promise.race(inFlight);
  const p = send().then(() => inFlight.delete(p));
  inFlight.add(p);
}
await Promise.all(inFlight);
agent.destroy();
console.log(JSON.stringify({ ...stats, seconds: (performance.now() - start) / 1000, itemsPerRequest: built.items }));
