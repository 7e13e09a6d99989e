// The copy of @opentelemetry/api through which the SDK's globals (context, propagation, trace,
// metrics, logs, diag) are registered. The API keeps one global object per major version,
// stamped with the version of the copy that registered first, and a copy uses it only if that
// version is its own minor or a later one: an app whose own API is newer than ours would get
// no-op tracers and meters from a global we stamped. So the globals go through the newest copy:
// ours, or the app's own when it is newer (same major). An API of another major, or another
// pre-release, cannot see them at all: one warning says so and what to do.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import * as ours from '@opentelemetry/api';
import { warn } from './diagnostics';

export type Api = typeof ours;

const NAME = '@opentelemetry/api';

export interface ApiCopy {
  version: string;
  /** The package folder, to tell two copies apart. */
  dir: string;
  load(): Api;
}

export interface ApiChoice {
  api: Api;
  /** Set when the app's copy cannot see the globals, whichever copy registers them. */
  warning?: string;
}

const SEMVER = /^(\d+)\.(\d+)\.(\d+)(-.+)?$/;

/** Picks the copy that registers the globals, from ours and the one the app resolves (if any). */
export function chooseApi(own: ApiCopy, app: ApiCopy | undefined): ApiChoice {
  if (!app || app.dir === own.dir || app.version === own.version) return { api: own.load() };
  const a = SEMVER.exec(app.version);
  const o = SEMVER.exec(own.version);
  if (!a || !o || a[1] !== o[1] || a[4] !== undefined || o[4] !== undefined) {
    const why = a && o && a[1] !== o[1] ? 'another major version' : 'a pre-release or unparsable version';
    const wanted = o ? `^${o[1]}.${o[2]}.0` : own.version;
    return {
      api: own.load(),
      warning:
        `the app's ${NAME} is ${app.version} (${app.dir}) and @crm/otel-register's is ${own.version}: ${why}, ` +
        `which cannot use the register's SDK, so the app's own spans, metrics and logs are not exported ` +
        `(instrumented libraries' still are); install ${NAME}@${wanted} in the app`,
    };
  }
  const newer = Number(a[2]) - Number(o[2]) || Number(a[3]) - Number(o[3]);
  return { api: newer > 0 ? app.load() : own.load() };
}

/** Folder and version of the @opentelemetry/api package that holds this resolved file. */
function packageOf(file: string): { dir: string; version: string } | undefined {
  for (let dir = dirname(file); dir !== dirname(dir); dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === NAME && typeof pkg.version === 'string') return { dir, version: pkg.version };
    } catch {
      // no package.json here, or one of the package's own nested ones without a name: go up
    }
  }
  return undefined;
}

function copyResolvedBy(req: NodeJS.Require, load: () => Api): ApiCopy | undefined {
  let file: string;
  try {
    file = req.resolve(NAME);
  } catch {
    return undefined;
  }
  const pkg = packageOf(file);
  return pkg && { ...pkg, load };
}

let chosen: Api | undefined;

/** The API copy to register the globals with; decided once, at the first call. */
export function globalApi(): Api {
  if (chosen) return chosen;
  const entry = process.argv[1];
  const appRequire = createRequire(join(entry ? dirname(resolve(entry)) : process.cwd(), 'noop.js'));
  const own = copyResolvedBy(require, () => ours);
  const app = copyResolvedBy(appRequire, () => appRequire(NAME) as Api);
  const choice = own ? chooseApi(own, app) : { api: ours };
  if (choice.warning) warn(choice.warning);
  return (chosen = choice.api);
}
