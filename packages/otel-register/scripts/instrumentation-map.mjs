// Build step: records which modules each instrumentation of auto-instrumentations-node
// patches, so that at run time an instrumentation is loaded only when the app
// first requires one of its modules. Writes dist/instrumentation-map.json.
import { createRequire } from 'node:module';
import { readFileSync, writeFileSync } from 'node:fs';

const here = createRequire(import.meta.url);
const autoPath = here.resolve('@opentelemetry/auto-instrumentations-node');
const req = createRequire(autoPath);
const marker = '/node_modules/@opentelemetry/auto-instrumentations-node/';
const autoPkg = JSON.parse(readFileSync(autoPath.slice(0, autoPath.lastIndexOf(marker) + marker.length) + 'package.json', 'utf8'));

const entries = [];
for (const pkg of Object.keys(autoPkg.dependencies).filter((d) => d.startsWith('@opentelemetry/instrumentation-')).sort()) {
  const mod = req(pkg);
  const exportName = Object.keys(mod).find((k) => k.endsWith('Instrumentation') && typeof mod[k] === 'function');
  if (!exportName) throw new Error(`${pkg}: no *Instrumentation export`);
  const instance = new mod[exportName]({ enabled: false });
  const modules = [...new Set(instance.getModuleDefinitions().map((d) => d.name))].sort();
  entries.push({ name: pkg.slice('@opentelemetry/instrumentation-'.length), pkg, exportName, modules });
}
writeFileSync(new URL('../dist/instrumentation-map.json', import.meta.url), JSON.stringify(entries, null, 1) + '\n');
console.log(`instrumentation-map.json: ${entries.length} instrumentations`);
