// Build step: bundles dist/sdk.js (this package and the SDK packages it uses) into
// dist/sdk.bundle.js with its source map (`node --enable-source-maps` then shows the original
// files in stack traces). src/sdk-loader.ts requires it with Node's module compile cache on:
// one file instead of ~300 saves resolving, reading and compiling them at every start.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, sep } from 'node:path';
import { build } from 'esbuild';

const dist = new URL('../dist/', import.meta.url).pathname;

// Packages that the instrumentations and detectors (loaded from node_modules) require too:
// the bundle exports its copies with their versions, and src/shared-packages.ts hands them
// out instead of loading the same version a second time from node_modules.
const SHARED = [
  '@opentelemetry/api',
  '@opentelemetry/api-logs',
  '@opentelemetry/core',
  '@opentelemetry/instrumentation',
  '@opentelemetry/resources',
  '@opentelemetry/semantic-conventions',
];

const fromDist = createRequire(join(dist, 'sdk.js'));
function versionOf(name) {
  const main = fromDist.resolve(name);
  const marker = `${sep}node_modules${sep}${name.split('/').join(sep)}${sep}`;
  const at = main.lastIndexOf(marker);
  if (at < 0) throw new Error(`${name} resolved outside node_modules (${main}): cannot read its version`);
  const root = main.slice(0, at + marker.length);
  return JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version;
}
const shared = SHARED.map((name) => `  ${JSON.stringify(name)}: { version: ${JSON.stringify(versionOf(name))}, load: () => require(${JSON.stringify(name)}) },`);
const entry = `module.exports = {\n sdk: require('./sdk.js'),\n shared: {\n${shared.join('\n')}\n },\n};\n`;

// Left out: the packages they are looked up from at run time, the ones with their own
// module hooks, and the gRPC exporters (@grpc/grpc-js is large; only the grpc protocol needs it).
const external = [
  '@opentelemetry/auto-instrumentations-node',
  '@opentelemetry/exporter-trace-otlp-grpc',
  '@opentelemetry/exporter-metrics-otlp-grpc',
  '@opentelemetry/exporter-logs-otlp-grpc',
  'import-in-the-middle',
  'require-in-the-middle',
];

const result = await build({
  stdin: { contents: entry, resolveDir: dist, sourcefile: 'sdk-bundle-entry.js', loader: 'js' },
  outfile: join(dist, 'sdk.bundle.js'),
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node22',
  external,
  // Resolve as Node does for require(): no 'module' condition or field, so the bundled
  // copies are the very files node_modules consumers would otherwise load.
  conditions: [],
  mainFields: ['main'],
  sourcemap: true,
  logLevel: 'warning',
  metafile: true,
});
const [, out] = Object.entries(result.metafile.outputs).find(([file]) => file.endsWith('sdk.bundle.js'));
console.log(`sdk.bundle.js: ${Object.keys(result.metafile.inputs).length} files, ${Math.round(out.bytes / 1024)} KiB, with sdk.bundle.js.map`);
