// An ES module entry under --require: require's hooks never see its imports, so the SDK would
// export nothing of the app's while its start-up line claimed otherwise. The preload then starts
// nothing and says, in one line, to use --import.
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { findAppRoot } from './app-root';

const OUR_IMPORT = /--import[= ]\s*['"]?@crm\/otel-register(?![\w/-])/;

function isModuleEntry(entry: string): boolean {
  if (/\.m[jt]s$/.test(entry)) return true;
  if (!/\.[jt]s$/.test(entry)) return false;
  const root = findAppRoot(entry);
  try {
    return root !== undefined && (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { type?: unknown }).type === 'module';
  } catch {
    return false;
  }
}

/** The line to print instead of starting, or undefined when the entry is CommonJS (or --import also preloads us). */
export function esmEntryUnderRequire(entry = process.argv[1], execArgv = process.execArgv, nodeOptions = process.env['NODE_OPTIONS'] ?? ''): string | undefined {
  if (!entry || !isModuleEntry(entry)) return undefined;
  if (OUR_IMPORT.test(`${execArgv.join(' ')} ${nodeOptions}`)) return undefined; // --import starts the SDK
  const name = basename(entry);
  return `${name} is an ES module: --require cannot instrument its imports, so nothing is started or exported. Start it with node --import @crm/otel-register ${name}`;
}
