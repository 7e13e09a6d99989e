// Tracer provider: sampler, W3C propagation, open spans tracked for a crash, redaction, then a
// counted, bounded batch queue.
import type { Context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  ConsoleSpanExporter,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  TracerProvider,
  type ReadableSpan,
  type Sampler,
  type Span,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace';
import type { Config } from './config';
import { globalApi } from './global-api';
import { GuardedExporter, QueueGate, type DropLedger } from './export-guard';
import { otlpTraceExporter } from './exporters';
import { trackOpenSpans } from './open-spans';
import { redactSpan, type Redactor } from './redaction';

function sampler(c: Config['sampler']): Sampler {
  switch (c.name) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return new TraceIdRatioBasedSampler(c.ratio);
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(c.ratio) });
    default:
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
  }
}

/** Redacts a finished span, then admits it to the batch queue if there is room. */
class GuardedSpanProcessor implements SpanProcessor {
  constructor(
    private readonly inner: SpanProcessor,
    private readonly redactor: Redactor,
    private readonly gate: QueueGate,
  ) {}

  onStart(span: Span, parentContext: Context): void {
    this.inner.onStart(span, parentContext);
  }

  onEnd(span: ReadableSpan): void {
    if ((span.spanContext().traceFlags & 1) === 0) return; // not sampled: never exported
    try {
      redactSpan(this.redactor, span);
    } catch {
      return; // a span we cannot clean is not exported
    }
    if (this.gate.admit()) this.inner.onEnd(span);
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }
}

export interface TracesHandle {
  provider: TracerProvider;
  gate: QueueGate | undefined;
}

export function startTraces(config: Config, resource: Resource, redactor: Redactor, ledger: DropLedger): TracesHandle {
  const processors: SpanProcessor[] = [];
  let gate: QueueGate | undefined;
  if (config.traces.exporter !== 'none') {
    const b = config.traces.batch;
    gate = new QueueGate('traces', b.maxQueueSize, ledger);
    ledger.seed('traces', ['queue_full', 'export_failed']);
    const target = config.traces.exporter === 'otlp' ? config.traces.otlp.url : 'console';
    const raw: SpanExporter = config.traces.exporter === 'otlp' ? otlpTraceExporter(config.traces.otlp) : new ConsoleSpanExporter();
    const exporter = new GuardedExporter<ReadableSpan>('traces', raw, target, ledger, gate);
    // First: a crash ends the spans still open before the last flush (open-spans.ts).
    processors.push(trackOpenSpans());
    processors.push(new GuardedSpanProcessor(new BatchSpanProcessor({ exporter, ...b }), redactor, gate));
  }
  const provider = new TracerProvider({ resource, sampler: sampler(config.sampler), spanProcessors: processors });
  const propagators = config.propagators.map((p) => (p === 'baggage' ? new W3CBaggagePropagator() : new W3CTraceContextPropagator()));
  // SDK 3.x has no NodeTracerProvider.register(): the context manager and propagator are set here.
  const api = globalApi();
  api.context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  api.propagation.setGlobalPropagator(new CompositePropagator({ propagators }));
  api.trace.setGlobalTracerProvider(provider);
  return { provider, gate };
}
