#!/usr/bin/env node
// A local OTLP/HTTP sink for when the real collector is not installed:
// accepts /v1/traces, /v1/metrics and /v1/logs (protobuf or JSON), decodes them
// to count what arrived, and answers 200 like a collector. GET /stats returns the counts.
// Prints `SINK <port>` when ready. Usage: node bench/lib/otlp-sink.mjs [port]
import { createServer } from 'node:http';
import { OTLP_CODECS } from '@crm/test-kit';

const SIGNALS = {
  '/v1/traces': { codec: OTLP_CODECS['/v1/traces'], count: countSpans },
  '/v1/metrics': { codec: OTLP_CODECS['/v1/metrics'], count: countPoints },
  '/v1/logs': { codec: OTLP_CODECS['/v1/logs'], count: countLogs },
};
const stats = { requests: 0, bytes: 0, spans: 0, logRecords: 0, metricPoints: 0, undecodable: 0 };

function countSpans(m) {
  let n = 0;
  for (const rs of m.resourceSpans ?? []) for (const ss of rs.scopeSpans ?? []) n += ss.spans?.length ?? 0;
  stats.spans += n;
}
function countLogs(m) {
  let n = 0;
  for (const rl of m.resourceLogs ?? []) for (const sl of rl.scopeLogs ?? []) n += sl.logRecords?.length ?? 0;
  stats.logRecords += n;
}
function countPoints(m) {
  let n = 0;
  for (const rm of m.resourceMetrics ?? [])
    for (const sm of rm.scopeMetrics ?? [])
      for (const metric of sm.metrics ?? []) {
        const data = metric.sum ?? metric.gauge ?? metric.histogram ?? metric.exponentialHistogram ?? metric.summary;
        n += data?.dataPoints?.length ?? 0;
      }
  stats.metricPoints += n;
}

const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/stats') {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(stats));
    return;
  }
  const signal = SIGNALS[req.url ?? ''];
  if (req.method !== 'POST' || !signal) {
    res.statusCode = 404;
    res.end();
    return;
  }
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    stats.requests++;
    stats.bytes += body.length;
    const json = (req.headers['content-type'] ?? '').includes('json');
    try {
      signal.count(json ? JSON.parse(body.toString('utf8')) : signal.codec.decode(body));
    } catch {
      stats.undecodable++;
    }
    res.statusCode = 200;
    res.setHeader('content-type', json ? 'application/json' : 'application/x-protobuf');
    res.end(json ? '{}' : '');
  });
});

server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  console.log(`SINK ${server.address().port}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
