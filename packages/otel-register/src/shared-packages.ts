// The one file that touches Node's module internals (Module._load, _resolveFilename, _cache), and why.
//
// The instrumentations and resource detectors load from node_modules, and require the
// OpenTelemetry API, core, semantic conventions... that the bundle already holds. For the
// same version of the same package, hand them the bundle's copy instead of loading ~150
// files a second time; any other version, or a copy the app loaded first, stays as is.
// The public way, a resolve hook of module.registerHooks() pointing such require() calls at
// a stub that exports the bundle's copy, works too, but while any resolve hook is registered
// every require() of the process takes Node's hooked path: +7 ms of CPU to the benchmark
// app's start-up, measured against this wrapper (BENCHMARKS.md, Start-up 2026-12-02T17:56:25Z, S1).
import Module from 'node:module';
import { readFileSync } from 'node:fs';
import { join, sep } from 'node:path';

export interface SharedPackage {
  version: string;
  load(): unknown;
}

type LoadFn = (request: string, parent: { filename?: string } | undefined, isMain: boolean) => unknown;
type ModuleInternals = {
  _load: LoadFn;
  _resolveFilename(request: string, parent: unknown, isMain: boolean): string;
  _cache: Record<string, unknown>;
};

export function shareBundledPackages(shared: Record<string, SharedPackage>): void {
  const M = Module as unknown as ModuleInternals;
  const original = M._load;
  const sameVersion = new Map<string, boolean>();

  /** Whether the copy Node would load for this parent is the bundle's version, and not loaded yet. */
  const bundledCopyFits = (pkg: SharedPackage, request: string, parent: unknown, isMain: boolean): boolean => {
    const file = M._resolveFilename(request, parent, isMain);
    if (M._cache[file]) return false;
    const marker = `${sep}node_modules${sep}${request.split('/').join(sep)}${sep}`;
    const at = file.lastIndexOf(marker);
    if (at < 0) return false;
    const root = file.slice(0, at + marker.length);
    let same = sameVersion.get(root);
    if (same === undefined) {
      same = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version?: string }).version === pkg.version;
      sameVersion.set(root, same);
    }
    return same;
  };

  M._load = function loadSharedFromBundle(this: unknown, request, parent, isMain) {
    if (typeof request === 'string' && request.charCodeAt(0) === 64 /* @ */ && Object.hasOwn(shared, request)) {
      const pkg = shared[request]!;
      let fits = false;
      try {
        fits = bundledCopyFits(pkg, request, parent, isMain);
      } catch {
        // Unresolvable or unreadable: Node's own loader reports it as usual.
      }
      if (fits) return pkg.load();
    }
    return original.call(this, request, parent, isMain);
  };
}
