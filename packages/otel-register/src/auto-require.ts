// Loads instrumentation and detector packages the way auto-instrumentations-node
// depends on them (same versions), without loading its index, which would
// construct every instrumentation at start-up; and the ones this package depends on itself.
import { createRequire } from 'node:module';

let req: NodeJS.Require | undefined;
let own: NodeJS.Require | undefined;

export function requireFromAutoInstrumentations<T>(pkg: string): T {
  req ??= createRequire(require.resolve('@opentelemetry/auto-instrumentations-node'));
  return req(pkg) as T;
}

/** A dependency of this package, required at run time (never bundled into the SDK file). */
export function requireFromRegister<T>(pkg: string): T {
  own ??= createRequire(__filename);
  return own(pkg) as T;
}
