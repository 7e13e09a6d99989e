// An uncaught exception or unhandled rejection is recorded: a log record with exception.type,
// .message, .stacktrace and .fingerprint (fingerprint.ts) in the active trace, and an exception
// event on the active span. With no handler of the app's, the process would end there: the kit
// ends that span (status ERROR, the exception's message) and every other span still open (ERROR,
// a fixed message: open-spans.ts), so the whole trace of the request that crashed and those of
// the requests in flight are exported; it flushes within CRM_OTEL_SHUTDOWN_TIMEOUT_MS, then lets
// Node end the process with its own report and exit code (an exception is thrown again, a
// rejection raised again, once the kit's listeners are gone). Meanwhile the event loop runs on
// for up to that bound.
// With a handler of the app's (or an uncaught-exception capture callback), the app decides and
// the kit only records.
import { inspect, types } from 'node:util';
import { runInThisContext } from 'node:vm';
import { SeverityNumber, SpanStatusCode, type Attributes } from '@opentelemetry/api';
import { exceptionType, fingerprint } from './fingerprint';
import { warn } from './diagnostics';
import { globalApi } from './global-api';
import { endOpenSpans, type CRASH_STATUS } from './open-spans';
import { EXIT_RANK, type ExitControl } from './shutdown';

const SCOPE = '@crm/otel-register';

// Node prints the source line of the throw site above the stack; once the exception has been
// caught, JavaScript cannot read that site any more, and a plain `throw` here would make Node
// print this line instead. Node leaves out the excerpt of a source line that carries this marker,
// so the report is Node's own minus that excerpt (see the README).
const rethrow = runInThisContext('(function rethrow(error) { throw error; }) // node-do-not-add-exception-line', {
  filename: '@crm/otel-register/rethrow',
}) as (error: unknown) => never;

function describe(value: unknown): Attributes {
  let type = 'unknown';
  let message: string;
  let stack: string | undefined;
  try {
    type = exceptionType(value);
    if (types.isNativeError(value) || value instanceof Error) {
      message = String(value.message);
      stack = typeof value.stack === 'string' ? value.stack : undefined;
    } else {
      message = typeof value === 'string' ? value : inspect(value, { depth: 2, breakLength: Infinity, customInspect: false });
    }
  } catch {
    message = '(unreadable)';
  }
  const attributes: Attributes = {
    'exception.type': type,
    'exception.message': message,
    'exception.fingerprint': fingerprint(type, stack),
  };
  if (stack !== undefined) attributes['exception.stacktrace'] = stack;
  return attributes;
}

/** --unhandled-rejections as Node reads it; 'throw' (the default) and 'strict' end the process. */
function rejectionsEndTheProcess(): boolean {
  const flags = [...process.execArgv, ...(process.env['NODE_OPTIONS'] ?? '').split(/\s+/)];
  const mode = flags.reverse().find((f) => f.startsWith('--unhandled-rejections='))?.split('=')[1] ?? 'throw';
  return mode === 'throw' || mode === 'strict';
}

export function installCrashHandlers(exit: ExitControl): void {
  const recorded = new WeakSet<object>();
  let lastPrimitive: { value: unknown } | undefined;
  const firstTime = (value: unknown): boolean => {
    if (value !== null && (typeof value === 'object' || typeof value === 'function')) {
      if (recorded.has(value)) return false;
      recorded.add(value);
      return true;
    }
    if (lastPrimitive && Object.is(lastPrimitive.value, value)) return false;
    lastPrimitive = { value };
    return true;
  };

  const record = (value: unknown, origin: string, fatal: boolean): void => {
    try {
      if (!firstTime(value)) return;
      const attributes = describe(value);
      const span = globalApi().trace.getActiveSpan();
      if (span?.isRecording()) {
        span.addEvent('exception', attributes);
        if (fatal) {
          span.setStatus({ code: SpanStatusCode.ERROR, message: String(attributes['exception.message']) });
          span.end(); // the process ends before its owner could: ended here, it is exported
        }
      }
      globalApi().logs.getLogger(SCOPE).emit({
        severityNumber: fatal ? SeverityNumber.FATAL : SeverityNumber.ERROR,
        severityText: fatal ? 'FATAL' : 'ERROR',
        body: `${origin}: ${attributes['exception.type']}: ${attributes['exception.message']}`,
        attributes,
      });
    } catch {
      // recording must never add a failure of its own
    }
  };

  const appHandlesExceptions = (): boolean =>
    process.listenerCount('uncaughtException') > 1 || process.hasUncaughtExceptionCaptureCallback();

  /** The process is about to end: its open spans end now, to go out with the flush. */
  const endOnCrash = (origin: keyof typeof CRASH_STATUS, run: () => void): void => {
    try {
      const line = endOpenSpans(origin);
      if (line) warn(line);
    } catch {
      // the flush and Node's ending come all the same
    }
    exit.endAfterFlush(EXIT_RANK.crash, run);
  };

  const detach = (): void => {
    process.removeListener('uncaughtExceptionMonitor', onMonitor);
    process.removeListener('uncaughtException', onException);
    process.removeListener('unhandledRejection', onRejection);
  };

  function onMonitor(error: unknown, origin: string): void {
    record(error, origin, !appHandlesExceptions());
  }

  function onException(error: unknown): void {
    if (process.listenerCount('uncaughtException') > 1) return; // the app decides
    endOnCrash('uncaughtException', () => {
      detach();
      // The app's monitors have seen this exception once already.
      process.removeAllListeners('uncaughtExceptionMonitor');
      setImmediate(() => rethrow(error));
    });
  }

  function onRejection(reason: unknown): void {
    if (process.listenerCount('unhandledRejection') > 1) {
      record(reason, 'unhandledRejection', false); // the app decides
      return;
    }
    const fatal = rejectionsEndTheProcess() && !appHandlesExceptions();
    record(reason, 'unhandledRejection', fatal);
    const raiseAgain = (): void => void Promise.reject(reason);
    if (fatal) {
      endOnCrash('unhandledRejection', () => {
        detach();
        // Node words a rejection with a primitive itself (ERR_UNHANDLED_REJECTION): raised again,
        // it reads the same. An Error's excerpt Node takes from its stack, which the record has
        // read (V8 then forgets where it was made): thrown like an uncaught exception, it has none.
        if (reason !== null && (typeof reason === 'object' || typeof reason === 'function')) setImmediate(() => rethrow(reason));
        else raiseAgain();
      });
      return;
    }
    // Node's own handling, now: a warning, or the app's uncaughtException handler.
    process.removeListener('unhandledRejection', onRejection);
    raiseAgain();
    setImmediate(() => process.on('unhandledRejection', onRejection));
  }

  process.on('uncaughtExceptionMonitor', onMonitor);
  process.on('uncaughtException', onException);
  process.on('unhandledRejection', onRejection);
}
