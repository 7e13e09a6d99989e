// Loads the SDK from dist/sdk.bundle.js (built by scripts/bundle.mjs) through a V8 code
// cache kept beside it, so that a start neither resolves ~350 files nor compiles them
// again. Node 20 has no module compile cache of its own (module.enableCompileCache is 22+).
import Module from 'node:module';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Script } from 'node:vm';
import { shareBundledPackages, type SharedPackage } from './shared-packages';

type Sdk = typeof import('./sdk');
interface Bundle {
  sdk: Sdk;
  shared: Record<string, SharedPackage>;
}

const BUNDLE = join(__dirname, 'sdk.bundle.js');
// V8 rejects a cache from another V8 version or flag set; one file per version and arch
// keeps two Node versions sharing this install from overwriting each other's.
const CACHE_DIR = join(__dirname, '.v8-cache');
const CACHE = join(CACHE_DIR, `sdk.bundle-${process.versions.v8}-${process.arch}.bin`);

let sdk: Sdk | undefined;
let uncached: Script | undefined;

export function loadSdk(): Sdk {
  if (sdk) return sdk;
  let source: string;
  try {
    source = readFileSync(BUNDLE, 'utf8');
  } catch {
    // No bundle: run from the sources (tsx) or a build without the bundle step.
    return (sdk = require('./sdk') as Sdk);
  }
  let cachedData: Buffer | undefined;
  try {
    cachedData = readFileSync(CACHE);
  } catch {
    // First start with this Node version: compiled normally, cached by saveCodeCache().
  }
  const script = new Script(Module.wrap(source), { filename: BUNDLE, cachedData });
  if (cachedData === undefined || script.cachedDataRejected) uncached = script;
  const mod = { exports: {} as Bundle };
  const wrapper = script.runInThisContext() as (...args: unknown[]) => void;
  wrapper.call(mod.exports, mod.exports, Module.createRequire(BUNDLE), mod, BUNDLE, __dirname);
  shareBundledPackages(mod.exports.shared);
  return (sdk = mod.exports.sdk);
}

/** Writes the code cache after a start without a usable one; never throws. */
export function saveCodeCache(): void {
  const script = uncached;
  uncached = undefined;
  if (!script) return;
  try {
    mkdirSync(CACHE_DIR, { recursive: true });
    // Several processes may start at once: write aside, then rename into place.
    const temp = `${CACHE}.${process.pid}.tmp`;
    try {
      writeFileSync(temp, script.createCachedData());
      renameSync(temp, CACHE);
    } finally {
      rmSync(temp, { force: true });
    }
  } catch {
    // A read-only install: every start compiles, as without the bundle.
  }
}
