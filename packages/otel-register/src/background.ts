// Export work never keeps the process alive: the batch processors' export timers, the
// exporters' retry timers and their sockets are created inside one AsyncLocalStorage scope,
// and an async_hooks init hook unrefs every timer and TCP handle born in it. A script that
// has finished its own work then reaches `beforeExit` at once, where the exit hooks flush
// within CRM_OTEL_SHUTDOWN_TIMEOUT_MS (a ref'd timer of theirs keeps the process up that long).
//
// Why a scope and not the exporter options: the OTLP exporters take an http.Agent factory
// (sockets could be unref'd there), but it would replace the one they build from
// OTEL_EXPORTER_OTLP_CERTIFICATE & co, and no option reaches the retry timers
// (otlp-exporter-base RetryingTransport) nor the 30 s export timeout that BatchSpanProcessor
// and BatchLogRecordProcessor arm for every batch. Those were what kept a script with its
// collector down alive for 33-40 s: 4 batches, each retried for 10 s, one after the other.
// Measured on Node 20 with the SDK's AsyncLocalStorage active: the scope adds ~20 ns per span or
// log record; with the extra init hook, promise-heavy code stayed at ~200 ns per promise, within
// run-to-run noise (async_hooks already run for every promise for AsyncLocalStorage's sake).
// Not covered: a connect() to an address that drops packets is an active libuv request
// and holds the loop until the export timeout ends it (then the retry wait does not).
import { AsyncLocalStorage, createHook } from 'node:async_hooks';
import { BatchLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace';

interface Unrefable {
  unref(): void;
  ref(): void;
}

const scope = new AsyncLocalStorage<true>();
let hooked = false;

function hook(): void {
  if (hooked) return;
  hooked = true;
  createHook({
    init(_id, type, _trigger, resource) {
      if ((type !== 'Timeout' && type !== 'TCPWRAP') || scope.getStore() !== true) return;
      // An exception thrown here would end the process. A kept-alive socket taken again by
      // http.Agent comes as a TCPWRAP too, with a stand-in resource (ReusedHandle) that has
      // no unref(): its handle was unref'd and pinned when it was created.
      const handle = resource as Partial<Unrefable>;
      if (typeof handle.unref !== 'function') return;
      try {
        handle.unref();
        // http.Agent ref()s a kept-alive socket again when it reuses it: not this one.
        if (type === 'TCPWRAP') handle.ref = () => undefined;
      } catch {
        // left as it is: at worst it keeps the process up until the export ends
      }
    },
  }).enable();
}

/** Runs fn (and everything asynchronous it starts) as background work. */
export function inBackground<T>(fn: () => T): T {
  hook();
  return scope.run(true, fn);
}

let patched = false;

/**
 * The batch processors arm their export timer inside onEnd/onEmit (a full batch) or in
 * timers created there: those calls run as background work too. Patched on the classes the
 * register uses, which (bundled) no other code of the app shares.
 */
export function runBatchProcessorsInBackground(): void {
  if (patched) return;
  patched = true;
  const spans = BatchSpanProcessor.prototype;
  const onEnd = spans.onEnd;
  spans.onEnd = function onEndInBackground(this: BatchSpanProcessor, span) {
    inBackground(() => onEnd.call(this, span));
  };
  const records = BatchLogRecordProcessor.prototype;
  const onEmit = records.onEmit;
  records.onEmit = function onEmitInBackground(this: BatchLogRecordProcessor, record) {
    inBackground(() => onEmit.call(this, record));
  };
}

/** Keeps the process up until the promise settles (a flush someone awaits). */
export function holdOpen<T>(work: Promise<T>): Promise<T> {
  const keep = setInterval(() => undefined, 1 << 30).ref(); // ref'd even if called from background work
  return work.finally(() => clearInterval(keep));
}
