// Tail sampling on the tiered profile (otel-collector/tiered/gateway.yaml, default knobs): every
// error, slow and business-event trace is kept whole, the share of ordinary traces kept is the
// configured 10 % within tolerance, every trace is kept or dropped whole by one gateway, and the
// RED metrics (spanmetrics, before sampling) count every span, dropped ones included.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sleep, stackPort, waitFor } from '@crm/test-kit';
import { figure, mapLimit, newRun, scrapeSum, sendTrace, SPANS_PER_TRACE, stored, type SentTrace, type TraceKind } from './tiered.ts';

const ORDINARY = 600;
const SHARE = 0.10; // TAIL_SAMPLING_PERCENT default
// Binomial sd of the kept count is sqrt(600 * 0.1 * 0.9) = 7.3 traces; +-4 points is more than 3 sd.
const TOLERANCE = 0.04;
const EXPORTERS = [stackPort('GATEWAY_1_PROMETHEUS_EXPORTER_PORT'), stackPort('GATEWAY_2_PROMETHEUS_EXPORTER_PORT')];

test('tail sampling keeps every error, slow and business-event trace, the configured share of the rest, each trace whole', { timeout: 300_000 }, async () => {
  const run = newRun();
  const rootCalls = (kind: TraceKind): Promise<number> =>
    scrapeSum(EXPORTERS, 'traces_span_metrics_calls_total', { service_name: 'scale-api', span_name: `GET /scale/${kind}` });
  const ordinaryBefore = await rootCalls('ordinary');

  const kinds: TraceKind[] = [
    ...Array<TraceKind>(40).fill('error'), ...Array<TraceKind>(20).fill('slow'),
    ...Array<TraceKind>(20).fill('event'), ...Array<TraceKind>(ORDINARY).fill('ordinary'),
  ];
  const sent: SentTrace[] = await mapLimit(kinds, 8, (k) => sendTrace(k, run));
  const mustKeep = sent.filter((t) => t.kind !== 'ordinary');

  // Decisions come 5 s (decision_wait) after a trace's first span; Jaeger indexes within ~1 s.
  await waitFor(async () => {
    const s = await mapLimit(mustKeep, 8, stored);
    return s.every((x) => x.spans === SPANS_PER_TRACE);
  }, { what: `all ${mustKeep.length} error/slow/event traces complete in Jaeger`, timeoutMs: 90_000, intervalMs: 3000 });
  await sleep(5000); // ordinary traces decided in the same window are indexed too

  const all = await mapLimit(sent, 8, stored);
  const partial = sent.filter((_, i) => all[i]!.spans !== 0 && all[i]!.spans !== SPANS_PER_TRACE);
  assert.deepEqual(partial.map((t) => t.traceId), [], 'traces kept only in part');
  const split = sent.filter((_, i) => all[i]!.gateways.size > 1);
  assert.deepEqual(split.map((t) => t.traceId), [], 'traces whose spans went through more than one gateway');

  const keptOrdinary = sent.filter((t, i) => t.kind === 'ordinary' && all[i]!.spans === SPANS_PER_TRACE).length;
  const share = keptOrdinary / ORDINARY;
  figure('sampling.kept_ordinary', { kept: keptOrdinary, of: ORDINARY, share, configured: SHARE });
  assert.ok(Math.abs(share - SHARE) <= TOLERANCE, `kept ${keptOrdinary}/${ORDINARY} ordinary traces (${(share * 100).toFixed(1)} %), configured ${SHARE * 100} % +- ${TOLERANCE * 100}`);

  const byGateway = new Map<string, number>();
  for (const s of all) for (const g of s.gateways) byGateway.set(g, (byGateway.get(g) ?? 0) + 1);
  figure('sampling.kept_by_gateway', Object.fromEntries(byGateway));
  assert.deepEqual([...byGateway.keys()].sort(), ['gateway-1', 'gateway-2'], 'both gateways keep traces (trace ids spread over them)');

  // RED metrics count every ordinary root span, also the ~90 % that sampling dropped (flush: 15 s).
  const counted = await waitFor(async () => {
    const n = (await rootCalls('ordinary')) - ordinaryBefore;
    return n >= ORDINARY ? n : undefined;
  }, { what: `spanmetrics to count all ${ORDINARY} ordinary root spans`, timeoutMs: 60_000, intervalMs: 2000 });
  figure('sampling.red_ordinary_calls', counted);
  assert.equal(counted, ORDINARY, 'calls counted by spanmetrics across both gateways = ordinary traces sent (each counted once)');
});
