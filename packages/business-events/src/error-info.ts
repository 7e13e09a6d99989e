// What operationFailed records of a thrown value: its type (the error_type label), and for log
// records its name, message and stack. Reading may run the application's getters and Proxy traps.

import { describeValue } from './validate.js';

export interface ErrorInfo {
  /** error.code when it looks like a code (ECONNRESET, ERR_HTTP_TIMEOUT), else error.name, else the value's kind. */
  type: string;
  /** exception.type: the name of an Error. */
  name?: string;
  /** exception.message, not yet scrubbed. */
  message?: string;
  /** The Error, whose stack is read only when a log record is written. */
  error?: Error;
}

const CODE = /^[A-Z][A-Z0-9_]{1,63}$/;

/** Reads a thrown value (not undefined or null). Throws when one of its getters or Proxy traps does. */
export function readError(error: unknown, quote: (s: string) => string): ErrorInfo {
  if (typeof error === 'string') return { type: 'Error', message: error };
  if (typeof error !== 'object' || error === null) return { type: typeof error, message: describeValue(error, quote) };
  const code = (error as { code?: unknown }).code;
  const name = (error as { name?: unknown }).name;
  const type = typeof code === 'string' && CODE.test(code) ? code : typeof name === 'string' && name.length > 0 ? name : 'Object';
  if (error instanceof Error) {
    const message = error.message;
    return { type, name: typeof name === 'string' ? name : 'Error', message: typeof message === 'string' ? message : undefined, error };
  }
  return { type, message: describeValue(error, quote) };
}

/** The stack of an Error, or undefined when it has none or reading it throws (a getter, Error.prepareStackTrace). */
export function readStack(error: Error): string | undefined {
  try {
    const stack = error.stack;
    return typeof stack === 'string' ? stack : undefined;
  } catch {
    return undefined;
  }
}
