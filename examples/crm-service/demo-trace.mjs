// One trace from Jaeger's HTTP API, drawn in the terminal: the local stack's Jaeger is built from
// its Go module without the UI, so `node examples/crm-service/demo.mjs --trace <id>` shows the
// span tree here instead (service, operation, duration, errors, span events).

/** GET <jaeger>/api/traces/<id>: the trace, or an Error saying why there is none. */
export async function fetchTrace(jaegerBase, traceId) {
  let res;
  try {
    res = await fetch(`${jaegerBase}/api/traces/${traceId}`, { signal: AbortSignal.timeout(5000) });
  } catch (error) {
    return new Error(`Jaeger is not reachable at ${jaegerBase} (${error.cause?.code ?? error.message}): start the local stack with npm run stack`);
  }
  if (res.status === 404) return new Error(`Jaeger has no trace ${traceId} (yet: spans arrive a few seconds after the request; or it was not sampled)`);
  if (!res.ok) return new Error(`Jaeger answered HTTP ${res.status} for trace ${traceId}`);
  const body = await res.json();
  return body.data?.[0] ?? new Error(`Jaeger has no trace ${traceId}`);
}

const tagOf = (span, key) => span.tags?.find((t) => t.key === key)?.value;
const ms = (us) => (us >= 1000 ? `${(us / 1000).toFixed(1)} ms` : `${us} µs`);

/** The trace as lines of text: a header, then one line per span (children indented under their
 * parent, in start order) and one per span event. */
export function renderTrace(trace) {
  const spans = [...trace.spans].sort((a, b) => a.startTime - b.startTime);
  const ids = new Set(spans.map((s) => s.spanID));
  const children = new Map();
  const roots = [];
  for (const s of spans) {
    const parent = s.references?.find((r) => r.refType === 'CHILD_OF' && ids.has(r.spanID))?.spanID;
    if (parent) children.set(parent, [...(children.get(parent) ?? []), s]);
    else roots.push(s);
  }
  const service = (s) => trace.processes[s.processID]?.serviceName ?? '?';
  const services = new Set(spans.map(service));
  const start = Math.min(...spans.map((s) => s.startTime));
  const end = Math.max(...spans.map((s) => s.startTime + s.duration));
  const lines = [`trace ${trace.traceID}: ${spans.length} spans, ${services.size} services (${[...services].join(', ')}), ${ms(end - start)}`];
  const width = Math.max(...[...services].map((n) => n.length));
  const walk = (s, depth) => {
    const kind = tagOf(s, 'span.kind');
    const error = tagOf(s, 'error') === true || tagOf(s, 'otel.status_code') === 'ERROR';
    const status = tagOf(s, 'http.response.status_code');
    const offset = ms(s.startTime - start).padStart(9);
    lines.push(
      `${offset}  ${service(s).padEnd(width)}  ${'  '.repeat(depth)}${s.operationName}  ${ms(s.duration)}` +
        `${kind && kind !== 'internal' ? ` [${kind}]` : ''}${status ? ` ${status}` : ''}${error ? '  ERROR' : ''}`,
    );
    for (const log of s.logs ?? []) {
      const name = log.fields?.find((f) => f.key === 'event')?.value ?? 'event';
      lines.push(`${' '.repeat(9)}  ${' '.repeat(width)}  ${'  '.repeat(depth + 1)}· ${name}`);
    }
    for (const c of children.get(s.spanID) ?? []) walk(c, depth + 1);
  };
  for (const r of roots) walk(r, 0);
  return lines;
}
