// instrumentation-pg names a pool `host:port/database` from the pool's options alone, so a pool made
// from a connection string (`new Pool({ connectionString })`, the usual way) is named
// `unknown_host:unknown_port/unknown_database`. Its utils module exports getPoolName, which the
// instrumentation looks up at each call: wrapped here to take host, port and database from the
// connection string, parsed as pg parses it (pg-connection-string, pg's own parser); user and password
// never enter the name. Where the file or function is not there (another version), nothing changes.
import { dirname, join } from 'node:path';
import { requireFromRegister } from './auto-require';

interface PoolOptions {
  connectionString?: unknown;
  host?: unknown;
  port?: unknown;
  database?: unknown;
}
type GetPoolName = (options: PoolOptions | undefined) => string;
type ParseConnectionString = (text: string) => { host?: string | null; port?: string | null; database?: string | null };

let parse: ParseConnectionString | undefined;

function nameFromConnectionString(options: PoolOptions): string | undefined {
  if (typeof options.connectionString !== 'string') return undefined;
  parse ??= requireFromRegister<{ parse: ParseConnectionString }>('pg-connection-string').parse;
  let parsed: ReturnType<ParseConnectionString>;
  try {
    parsed = parse(options.connectionString);
  } catch {
    return undefined; // pg will report the bad string itself
  }
  // As pg does, a part the string sets wins over the option.
  const part = (fromString: unknown, fromOptions: unknown, unknown: string): string =>
    fromString ? String(fromString) : fromOptions ? String(fromOptions) : unknown;
  return `${part(parsed.host, options.host, 'unknown_host')}:${part(parsed.port, options.port, 'unknown_port')}/${part(parsed.database, options.database, 'unknown_database')}`;
}

/** `instrumentationFile`: the resolved main file of @opentelemetry/instrumentation-pg. */
export function namePoolsFromConnectionStrings(instrumentationFile: string): void {
  const utils = requireFromRegister<{ getPoolName?: GetPoolName }>(join(dirname(instrumentationFile), 'utils.cjs'));
  const original = utils.getPoolName;
  if (typeof original !== 'function') return;
  utils.getPoolName = (options) => (options && nameFromConnectionString(options)) || original(options);
}
