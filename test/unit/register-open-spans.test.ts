// open-spans.ts with the real SDK: what a crash ends, what it leaves, and the bound on memory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SpanStatusCode } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { MAX_TRACKED, OpenSpans } from '@crm/otel-register/internal/open-spans';

function sdk(max?: number) {
  const open = new OpenSpans(max);
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({ spanProcessors: [open, new SimpleSpanProcessor({ exporter })] });
  const tracer = provider.getTracer('t');
  const finished = async () => {
    await provider.forceFlush();
    return exporter.getFinishedSpans();
  };
  const status = async (name: string) => (await finished()).find((s) => s.name === name)?.status;
  return { open, finished, tracer, status };
}

test('endAll ends the spans still open with ERROR and the message; ended ones are not touched; own statuses stay', async () => {
  const { open, finished, tracer, status } = sdk();
  tracer.startSpan('done').end();
  tracer.startSpan('open');
  tracer.startSpan('own-ok').setStatus({ code: SpanStatusCode.OK });
  tracer.startSpan('own-error').setStatus({ code: SpanStatusCode.ERROR, message: 'lead 7 not found' });
  assert.equal(open.endAll('fixed'), 3);
  assert.deepEqual(await status('done'), { code: SpanStatusCode.UNSET });
  assert.deepEqual(await status('open'), { code: SpanStatusCode.ERROR, message: 'fixed' });
  assert.deepEqual(await status('own-ok'), { code: SpanStatusCode.OK });
  assert.deepEqual(await status('own-error'), { code: SpanStatusCode.ERROR, message: 'lead 7 not found' });
  assert.equal((await finished()).length, 4);
  assert.equal(open.endAll('fixed'), 0, 'nothing left open');
});

test(`bounded: at most ${MAX_TRACKED} open spans by default; beyond the cap counted, not held; room again once spans end`, async () => {
  const { open, tracer, status } = sdk(3);
  const first = [1, 2, 3].map((i) => tracer.startSpan(`a${i}`));
  tracer.startSpan('over-1');
  tracer.startSpan('over-2');
  assert.equal(open.untracked, 2);
  for (const s of first) s.end();
  tracer.startSpan('b1'); // tracked again
  assert.equal(open.endAll('fixed'), 1);
  assert.deepEqual(await status('b1'), { code: SpanStatusCode.ERROR, message: 'fixed' });
  assert.equal(await status('over-1'), undefined, 'not tracked: not ended');

  // The default cap holds against a leak of never-ended spans.
  const leaky = sdk();
  for (let i = 0; i < MAX_TRACKED + 500; i++) leaky.tracer.startSpan('leak');
  assert.equal(leaky.open.untracked, 500);
  assert.equal(leaky.open.endAll('fixed'), MAX_TRACKED);
});
