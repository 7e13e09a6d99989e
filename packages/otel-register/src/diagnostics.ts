// The register's own voice on stderr: one prefixed line per message, never an exception.
// Every line goes through printable(): no credential and no forged line reaches the terminal.
import { format } from 'node:util';
import { DiagLogLevel, type DiagLogger } from '@opentelemetry/api';
import type { LogLevel } from './config';
import { globalApi } from './global-api';

const PREFIX = '[@crm/otel-register]';
const MAX_PRINTED = 4096;
const MASK = '***';

// Values that must never be printed whatever text carries them (OTLP header values,
// endpoint passwords): an exporter's error message may echo them.
const secrets = new Set<string>();

/** Never print these strings (shorter than 4 characters they would mask ordinary text). */
export function hideInOutput(values: Iterable<string>): void {
  for (const v of values) if (v.length >= 4) secrets.add(v);
}

const SCHEME_END = '://';
const AUTHORITY_END = new Set(['/', '?', '#', ' ', '\t', '\n', '\r', '"', "'", '<', '>', '(', ')', ',', ';']);

/**
 * `scheme://user:password@host` -> `scheme://***@host` wherever a URL appears in the text.
 * One pass: each scan stops at the end of its authority, which the next `://` cannot precede.
 */
function maskUserinfo(text: string): string {
  let out = '';
  let from = 0;
  for (let at = text.indexOf(SCHEME_END); at >= 0; at = text.indexOf(SCHEME_END, at + SCHEME_END.length)) {
    const start = at + SCHEME_END.length;
    let end = start;
    let userinfoEnd = -1;
    while (end < text.length && !AUTHORITY_END.has(text[end]!)) {
      if (text[end] === '@') userinfoEnd = end;
      end++;
    }
    if (userinfoEnd > start) {
      out += text.slice(from, start) + MASK;
      from = userinfoEnd;
    }
  }
  return from === 0 ? text : out + text.slice(from);
}

/** Control characters (C0, DEL, C1), line/paragraph separators and bidi controls, escaped. */
// eslint-disable-next-line no-control-regex
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

function escapeControl(text: string): string {
  return text.replace(UNPRINTABLE, (c) => {
    if (c === '\n') return '\\n';
    if (c === '\r') return '\\r';
    if (c === '\t') return '\\t';
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/**
 * Makes any text safe to print on one line: userinfo in URLs and registered secrets masked,
 * control characters escaped, the length capped. The one helper for everything the kit prints.
 */
export function printable(text: string, maxLength = MAX_PRINTED): string {
  let out = text.length > maxLength ? `${text.slice(0, maxLength)}... (${text.length - maxLength} more characters)` : text;
  for (const secret of secrets) if (out.includes(secret)) out = out.split(secret).join(MASK);
  return escapeControl(maskUserinfo(out));
}

function write(line: string): void {
  try {
    process.stderr.write(`${PREFIX} ${printable(line)}\n`);
  } catch {
    // stderr closed: nothing sensible left to do
  }
}

export function warn(message: string): void {
  write(`warning: ${message}`);
}

export function info(message: string): void {
  write(message);
}

const LEVELS: Record<LogLevel, DiagLogLevel> = {
  none: DiagLogLevel.NONE,
  error: DiagLogLevel.ERROR,
  warn: DiagLogLevel.WARN,
  info: DiagLogLevel.INFO,
  debug: DiagLogLevel.DEBUG,
  verbose: DiagLogLevel.VERBOSE,
  all: DiagLogLevel.ALL,
};

/** The SDK's diagnostics, printed like the register's own lines (not with console.*). */
const diagLogger: DiagLogger = {
  error: (message, ...args) => write(`diag error: ${format(message, ...args)}`),
  warn: (message, ...args) => write(`diag warn: ${format(message, ...args)}`),
  info: (message, ...args) => write(`diag info: ${format(message, ...args)}`),
  debug: (message, ...args) => write(`diag debug: ${format(message, ...args)}`),
  verbose: (message, ...args) => write(`diag verbose: ${format(message, ...args)}`),
};

/**
 * The SDK's own diagnostics go to stderr only when OTEL_LOG_LEVEL asks for
 * more than our default; export failures are reported by ExportGuard instead,
 * once per exporter, so the default stays quiet.
 */
export function setupDiagLogger(level: LogLevel, explicit: boolean): void {
  if (!explicit || level === 'none') return;
  globalApi().diag.setLogger(diagLogger, { logLevel: LEVELS[level], suppressOverrideMessage: true });
}
