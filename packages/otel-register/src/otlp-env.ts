// OTEL_EXPORTER_OTLP_{,TRACES_,METRICS_,LOGS_}TIMEOUT, _COMPRESSION and _HEADERS.
// The OTLP exporters (otlp-exporter-base 0.223: getSharedConfigurationFromEnvironment,
// core's parseKeyPairsIntoRecord) read them on their own and drop what they cannot use, with
// at most a diag message nobody sees; a timeout above 2^31-1 ms even reaches setTimeout, which
// then fires after 1 ms and fails every export. Here the same variables are checked up front,
// one line per bad value. Timeout and compression are passed to the exporters explicitly (an
// option wins over the variable); headers are left to the exporters, and judged here with
// their own parser, so that what is reported is exactly what they drop.
import { parseKeyPairsIntoRecord } from '@opentelemetry/core';
import type { Reader, Signal } from './config';

export type Compression = 'gzip' | 'none';

/** The exporters' default (getSharedConfigurationDefaults). */
export const OTLP_DEFAULT_TIMEOUT_MILLIS = 10_000;
// setTimeout() takes a signed 32-bit delay.
const MAX_TIMER_MILLIS = 2_147_483_647;
// An RFC 9110 token: a header name that is safe to print.
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

export interface OtlpSignalEnv {
  timeoutMillis: number;
  compression: Compression;
}

const specific = (signal: Signal, what: string): string => `OTEL_EXPORTER_OTLP_${signal.toUpperCase()}_${what}`;

/** Checks the shared variables once; the function returned checks and resolves one signal's. */
export function readOtlpEnv(r: Reader): (signal: Signal) => OtlpSignalEnv {
  const timeout = (name: string, fallback: number): number => {
    const v = r.raw(name);
    if (v === undefined) return fallback;
    const n = Number(v);
    if (Number.isInteger(n) && n >= 1 && n <= MAX_TIMER_MILLIS) return n;
    r.bad(name, v, `an integer from 1 to ${MAX_TIMER_MILLIS} (milliseconds)`, String(fallback));
    return fallback;
  };
  const compression = (name: string, fallback: Compression): Compression => {
    const v = r.raw(name);
    if (v === undefined) return fallback;
    const l = v.toLowerCase();
    if (l === 'gzip' || l === 'none') return l;
    r.bad(name, v, 'gzip or none', fallback);
    return fallback;
  };
  const baseTimeout = timeout('OTEL_EXPORTER_OTLP_TIMEOUT', OTLP_DEFAULT_TIMEOUT_MILLIS);
  const baseCompression = compression('OTEL_EXPORTER_OTLP_COMPRESSION', 'none');
  checkHeaders(r, 'OTEL_EXPORTER_OTLP_HEADERS');
  return (signal) => {
    checkHeaders(r, specific(signal, 'HEADERS'));
    return {
      timeoutMillis: timeout(specific(signal, 'TIMEOUT'), baseTimeout),
      compression: compression(specific(signal, 'COMPRESSION'), baseCompression),
    };
  };
}

/**
 * One line per entry the exporters would drop or cut. Header values are secrets: they are
 * never printed, and are handed to hideInOutput() in case an error message echoes them.
 */
function checkHeaders(r: Reader, name: string): void {
  const raw = r.raw(name);
  if (raw === undefined) return;
  const entries = raw.split(',');
  entries.forEach((entry, i) => {
    if (entry.trim() === '') return;
    const eq = entry.indexOf('=');
    const key = eq > 0 ? entry.slice(0, eq).trim() : '';
    const value = eq > 0 ? entry.slice(eq + 1).trim() : entry.trim();
    r.secrets.push(value);
    try {
      r.secrets.push(decodeURIComponent(value));
    } catch {
      // not decodable: reported below
    }
    const which = `${name} entry ${i + 1} of ${entries.length}${HEADER_NAME.test(key) ? ` (header ${key})` : ''}`;
    const parsed = parseKeyPairsIntoRecord(entry);
    if (Object.keys(parsed).length === 0) {
      const accepted = key === '' ? 'key=value' : value === '' ? 'a non-empty value' : "a percent-encoded value ('%' followed by two hex digits)";
      r.badHidden(which, accepted, 'the other entries');
    } else if (value.includes(';')) {
      r.badHidden(which, "';' percent-encoded as %3B (the exporters drop what follows a ';')", "the value up to ';'");
    }
  });
}
