// Summaries of a V8 .cpuprofile (node --cpu-prof): self time by package and by function.
import { readFileSync } from 'node:fs';

/** `node_modules/@scope/name/...` -> `@scope/name`; node internals, the app and V8 pseudo-frames get their own buckets. */
export function packageOfUrl(url, functionName) {
  if (!url) {
    if (functionName.startsWith('(')) return functionName; // (garbage collector), (idle), (program)
    return '(native)';
  }
  if (url.startsWith('node:')) return 'node: core';
  const at = url.lastIndexOf('/node_modules/');
  if (at >= 0) {
    const parts = url.slice(at + '/node_modules/'.length).split('/');
    return parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
  }
  if (url.includes('/packages/otel-register/')) return '@crm/otel-register';
  if (url.includes('/bench/')) return 'app';
  return url.replace(/^file:\/\//, '');
}

export function summarize(file) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i];
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const total = (profile.endTime - profile.startTime) || 1;
  const packages = new Map();
  const functions = new Map();
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    const { functionName, url, lineNumber } = node.callFrame;
    const pkg = packageOfUrl(url, functionName);
    packages.set(pkg, (packages.get(pkg) ?? 0) + us);
    const fn = `${functionName || '(anonymous)'} ${pkg === 'app' || pkg.startsWith('(') ? '' : `[${pkg}${url ? ` ${url.split('/').pop()}:${lineNumber + 1}` : ''}]`}`.trim();
    functions.set(fn, (functions.get(fn) ?? 0) + us);
  }
  const top = (m, n) =>
    [...m].sort((a, b) => b[1] - a[1]).slice(0, n).map(([name, us]) => ({ name, ms: us / 1000, share: us / total }));
  return { totalMs: total / 1000, packages: top(packages, 15), functions: top(functions, 20) };
}
