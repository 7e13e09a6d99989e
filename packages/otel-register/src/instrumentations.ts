// Instrumentations from auto-instrumentations-node, each constructed only when
// the app first requires a module it patches (CommonJS), or, for ESM apps,
// when that module is installed where the app can import it.
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { createRequire, isBuiltin } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import type { IncomingMessage } from 'node:http';
import { registerInstrumentations, type Instrumentation } from '@opentelemetry/instrumentation';
import { requireFromAutoInstrumentations, requireFromRegister, resolveFromAutoInstrumentations } from './auto-require';
import { DEFAULTS, type Config } from './config';
import { warn } from './diagnostics';
import { namePoolsFromConnectionStrings } from './pg-pool-name';

interface MapEntry {
  name: string;
  pkg: string;
  exportName: string;
  modules: string[];
  /** A dependency of this package rather than of auto-instrumentations-node. */
  own?: true;
}

// Maintained elsewhere than auto-instrumentations-node. Fastify's own instrumentation
// (auto-instrumentations-node has none any more) hooks every Fastify instance through
// Fastify's `fastify.initialization` channel, and names the HTTP server span's route.
const OWN: MapEntry[] = [{ name: 'fastify', pkg: '@fastify/otel', exportName: 'FastifyOtelInstrumentation', modules: ['fastify'], own: true }];

// Written at build time by scripts/instrumentation-map.mjs.
const MAP: MapEntry[] = [...(require('./instrumentation-map.json') as MapEntry[]), ...OWN];
// Instrumentations without a module to wait for: runtime metrics and undici's diagnostics channel (fetch).
const ALWAYS = new Set(['runtime-node', 'undici']);

export const INSTRUMENTATION_NAMES: readonly string[] = MAP.map((e) => e.name);

// The start event of Node's module.require tracing channel (Node 22.13+).
const REQUIRE_START = 'tracing:module.require:start';

type InstrumentationClass = new (config: Record<string, unknown>) => Instrumentation;

/** Whether a request URL (query string included or not) is under one of CRM_OTEL_IGNORE_PATHS. */
function ignoredPath(url: string, ignored: readonly string[]): boolean {
  const q = url.indexOf('?');
  const path = q >= 0 ? url.slice(0, q) : url;
  return ignored.some((p) => path === p || path.startsWith(`${p}/`));
}

function instrumentationConfig(name: string, config: Config): Record<string, unknown> {
  switch (name) {
    case 'http':
      return {
        ignoreIncomingRequestHook: (req: IncomingMessage) => ignoredPath(req.url ?? '', config.ignorePaths),
        headersToSpanAttributes: {
          server: { requestHeaders: config.captureHeaders.serverRequest, responseHeaders: config.captureHeaders.serverResponse },
        },
      };
    case 'fastify':
      // Without a plugin call in the app; the paths http leaves without a span get none here either
      // (called with the route at registration, with the request URL per request).
      return { registerOnInitialization: true, ignorePaths: (route: { url?: string }) => ignoredPath(route.url ?? '', config.ignorePaths) };
    case 'express':
      return { ignoreLayersType: ['router', 'middleware', 'request_handler'].filter((t) => !config.expressLayers.includes(t)) };
    default:
      return {};
  }
}

function enabledNames(config: Config): Set<string> {
  const { enabled, disabled } = config.instrumentations;
  const base = enabled ?? INSTRUMENTATION_NAMES.filter((n) => !(DEFAULTS.disabledInstrumentations as readonly string[]).includes(n));
  return new Set(base.filter((n) => !disabled.includes(n)));
}

/**
 * `@scope/name/sub` -> `@scope/name`, `node:fs` -> `fs`, `/app/node_modules/pg/lib` -> `pg`,
 * other relative or absolute paths -> undefined.
 */
function packageOf(request: string): string | undefined {
  let id = request;
  const first = request.charCodeAt(0);
  if (first === 46 /* . */ || first === 47 /* / */) {
    const at = request.lastIndexOf('/node_modules/');
    if (at < 0) return undefined;
    id = request.slice(at + '/node_modules/'.length);
  } else if (request.startsWith('node:')) id = request.slice(5);
  const parts = id.split('/');
  return id.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
}

function resolvableFromApp(name: string): boolean {
  if (isBuiltin(name)) return true;
  const entry = process.argv[1];
  const appRequire = createRequire(join(entry ? dirname(resolve(entry)) : process.cwd(), 'noop.js'));
  for (const id of [name, `${name}/package.json`]) {
    try {
      appRequire.resolve(id);
      return true;
    } catch {
      // try the next form
    }
  }
  return false;
}

export interface InstrumentationHandle {
  /** Names constructed so far. */
  loaded(): string[];
  /** Names waiting for their module. */
  waiting(): string[];
  /** Whether a constructed instrumentation patches this module (`http`, `node:http`, `pg`...). */
  patches(specifier: string): boolean;
}

/**
 * Call after the global providers are registered: instrumentations pick them up
 * when constructed. `esm` loads up front what the app can import, since the ESM
 * loader hook must know its modules before they are imported.
 */
export function setupInstrumentations(config: Config, esm: boolean): InstrumentationHandle {
  if (!process.env['OTEL_SEMCONV_STABILITY_OPT_IN']) {
    // Stable HTTP semantic conventions: http.server.request.duration in seconds, with http.route.
    process.env['OTEL_SEMCONV_STABILITY_OPT_IN'] = 'http';
  }
  const enabled = enabledNames(config);
  const loaded: string[] = [];
  const patched = new Set<string>();
  const waitingByModule = new Map<string, MapEntry[]>();

  const load = (entry: MapEntry): void => {
    if (loaded.includes(entry.name)) return;
    loaded.push(entry.name);
    for (const m of entry.modules) patched.add(m);
    if (entry.name === 'express' && expressCoversRouter) {
      for (const [m, list] of waitingByModule) if (list.some((e) => e.name === 'router')) waitingByModule.delete(m);
    }
    try {
      const from = entry.own ? requireFromRegister : requireFromAutoInstrumentations;
      const mod = from<Record<string, InstrumentationClass>>(entry.pkg);
      const Cls = mod[entry.exportName];
      // registerInstrumentations hands each one the global providers (some, like
      // runtime-node, create their instruments only then).
      if (Cls) registerInstrumentations({ instrumentations: [new Cls(instrumentationConfig(entry.name, config))] });
      if (entry.name === 'pg') namePoolsFromConnectionStrings(resolveFromAutoInstrumentations(entry.pkg));
    } catch (error) {
      warn(`instrumentation ${entry.name} could not start (${(error as Error).message}); the app runs without it`);
    }
  };

  // Express 5 is built on `router`: instrumentation-express already covers its layers, and
  // instrumentation-router would wrap them a second time (2-3 more spans per request).
  const expressCoversRouter = enabled.has('express') && !config.instrumentations.enabled?.includes('router');

  for (const entry of MAP) {
    if (!enabled.has(entry.name)) continue;
    if (esm && entry.name === 'router' && expressCoversRouter && resolvableFromApp('express')) continue;
    if (entry.modules.length === 0) {
      if (ALWAYS.has(entry.name) || config.instrumentations.enabled?.includes(entry.name)) load(entry);
    } else if (esm && entry.modules.some(resolvableFromApp)) {
      load(entry);
    } else {
      for (const m of entry.modules) waitingByModule.set(m, [...(waitingByModule.get(m) ?? []), entry]);
    }
  }

  if (waitingByModule.size > 0) {
    // Node publishes every require() on this channel before it loads the module: the
    // instrumentations that patch it are constructed first, so that their
    // require-in-the-middle hook is in place when it loads.
    const onRequire = (message: unknown): void => {
      const pkg = packageOf((message as { id: string }).id);
      const waiting = pkg === undefined ? undefined : waitingByModule.get(pkg);
      if (!waiting) return;
      for (const entry of waiting) {
        for (const m of entry.modules) waitingByModule.delete(m);
        load(entry);
      }
      if (waitingByModule.size === 0) unsubscribe(REQUIRE_START, onRequire);
    };
    subscribe(REQUIRE_START, onRequire);
  }

  return {
    loaded: () => [...loaded],
    waiting: () => [...new Set([...waitingByModule.values()].flat().map((e) => e.name))],
    patches: (specifier) => patched.has(specifier.startsWith('node:') ? specifier.slice(5) : specifier),
  };
}
