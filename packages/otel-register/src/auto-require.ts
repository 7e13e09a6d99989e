// Loads instrumentation and detector packages the way auto-instrumentations-node
// depends on them (same versions), without loading its index, which would
// construct every instrumentation at start-up; and the ones this package depends on itself.
import { createRequire } from 'node:module';

let req: NodeJS.Require | undefined;
let own: NodeJS.Require | undefined;

function autoRequire(): NodeJS.Require {
  req ??= createRequire(require.resolve('@opentelemetry/auto-instrumentations-node'));
  return req;
}

export function requireFromAutoInstrumentations<T>(pkg: string): T {
  return autoRequire()(pkg) as T;
}

export function resolveFromAutoInstrumentations(pkg: string): string {
  return autoRequire().resolve(pkg);
}

/** A dependency of this package, required at run time (never bundled into the SDK file). */
export function requireFromRegister<T>(pkg: string): T {
  own ??= createRequire(__filename);
  return own(pkg) as T;
}
