// Loads instrumentation and detector packages the way auto-instrumentations-node
// depends on them (same versions), without loading its index, which would
// construct every instrumentation at start-up.
import { createRequire } from 'node:module';

let req: NodeJS.Require | undefined;

export function requireFromAutoInstrumentations<T>(pkg: string): T {
  req ??= createRequire(require.resolve('@opentelemetry/auto-instrumentations-node'));
  return req(pkg) as T;
}
