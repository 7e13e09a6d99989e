#!/usr/bin/env node
// Load generator process for the HTTP benchmark (autocannon, run programmatically so
// each response's latency is kept at full resolution: autocannon's own histogram
// rounds to whole milliseconds). Prints one JSON line with the results.
//   node bench/lib/load.mjs <url> <connections> <warmupSeconds> <seconds>
import autocannon from 'autocannon';
import { percentileSorted, sorted } from './stats.mjs';

const [url, connectionsArg, warmupArg, secondsArg, rateArg] = process.argv.slice(2);
const overallRate = rateArg === undefined ? undefined : Number(rateArg);
const connections = Number(connectionsArg);
const warmup = Number(warmupArg);
const seconds = Number(secondsArg);
if (!url || !(connections > 0) || !(warmup >= 0) || !(seconds > 0) || (overallRate !== undefined && !(overallRate > 0))) {
  console.error('usage: node bench/lib/load.mjs <url> <connections> <warmupSeconds> <seconds> [requestsPerSecond]');
  process.exit(2);
}

function run(duration, keep) {
  return new Promise((resolve, reject) => {
    const latencies = [];
    const instance = autocannon({ url, connections, duration, pipelining: 1, ...(overallRate ? { overallRate } : {}) }, (error, result) => {
      if (error) reject(error);
      else resolve({ result, latencies });
    });
    if (keep) instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      if (statusCode === 200) latencies.push(responseTime);
    });
  });
}

if (warmup > 0) await run(warmup, false);
const { result, latencies } = await run(seconds, true);
const s = sorted(latencies);
const ok = result['2xx'];
console.log(
  JSON.stringify({
    seconds: result.duration,
    requests: ok,
    errors: result.errors + result.timeouts + result.non2xx,
    rps: ok / result.duration,
    p50: percentileSorted(s, 50),
    p90: percentileSorted(s, 90),
    p99: percentileSorted(s, 99),
  }),
);
