// Loads the SDK from dist/sdk.bundle.js (built by scripts/bundle.mjs: one file instead of ~300)
// with Node's module compile cache on, so that a start after the first neither resolves nor
// compiles those files again. Without the bundle (the sources run through tsx, or a build
// without the bundle step) it loads ./sdk.
import { existsSync } from 'node:fs';
import { enableCompileCache, flushCompileCache } from 'node:module';
import { join } from 'node:path';
import { shareBundledPackages, type SharedPackage } from './shared-packages';

type Sdk = typeof import('./sdk');
interface Bundle {
  sdk: Sdk;
  shared: Record<string, SharedPackage>;
}

const BUNDLE = join(__dirname, 'sdk.bundle.js');
let sdk: Sdk | undefined;

export function loadSdk(): Sdk {
  if (sdk) return sdk;
  // Process-wide (Node has no per-module switch): the app's own modules required afterwards are
  // cached too. The directory is NODE_COMPILE_CACHE or <tmp>/node-compile-cache; a read-only or
  // unusable one just means compiling as usual, and NODE_DISABLE_COMPILE_CACHE=1 turns it off.
  enableCompileCache();
  if (!existsSync(BUNDLE)) return (sdk = require('./sdk') as Sdk);
  const bundle = require(BUNDLE) as Bundle;
  shareBundledPackages(bundle.shared);
  return (sdk = bundle.sdk);
}

/** Writes what this start compiled to the cache now, rather than at exit (a killed process never writes it). */
export function saveCompileCache(): void {
  try {
    flushCompileCache();
  } catch {
    // an unwritable cache directory: the next start compiles again
  }
}
