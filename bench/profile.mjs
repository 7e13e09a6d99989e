#!/usr/bin/env node
// CPU profile of one variant (node --cpu-prof), summarized as self time by package
// and by function, plus (start-up) the modules loaded per package.
//   node bench/profile.mjs startup|http [--variant=bare|ours|official] [--env=KEY=VALUE ...] [--seconds=N] [--quick] [--no-record]
// --env adds settings to the variant (e.g. --env=OTEL_NODE_DISABLED_INSTRUMENTATIONS=router
// to measure a proposed default before the register changes it).
// Profiles are kept as bench/results/profile-*.cpuprofile.json (git-ignored; Chrome DevTools
// loads them); the quick setting deletes its profile after the summary.
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { run, sleep, startAndWait, stopChild, REPO } from '@crm/test-kit';
import { parseArgs } from './lib/args.mjs';
import { header, publish, table, commandLine } from './lib/report.mjs';
import { fixed } from './lib/stats.mjs';
import { APP, variants, childEnv } from './lib/variants.mjs';
import { otlpTarget } from './lib/target.mjs';
import { summarize } from './lib/cpuprofile.mjs';

const args = parseArgs();
const mode = args.rest.find((a) => !a.startsWith('--'));
if (mode !== 'startup' && mode !== 'http') {
  console.error(`profile mode ${JSON.stringify(mode)} is invalid: accepted startup or http`);
  process.exit(2);
}
const opt = (name, fallback) => args.rest.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const variantName = opt('variant', 'ours');
const seconds = Number(opt('seconds', args.quick ? '1' : '10'));
const extraEnv = Object.fromEntries(
  args.rest.filter((a) => a.startsWith('--env=')).map((a) => {
    const kv = a.slice('--env='.length);
    const eq = kv.indexOf('=');
    if (eq < 1) throw new Error(`--env=${kv} is invalid: accepted --env=NAME=VALUE`);
    return [kv.slice(0, eq), kv.slice(eq + 1)];
  }),
);

const target = await otlpTarget({ startStack: !args.quick, sink: args.rest.includes('--sink') });
const variant = variants(target.endpoint).find((v) => v.name === variantName);
if (!variant) {
  await target.close();
  console.error(`--variant=${variantName} is invalid: accepted bare, ours or official`);
  process.exit(2);
}
const dir = join(REPO, 'bench', 'results');
mkdirSync(dir, { recursive: true });
const file = `profile-${mode}-${variantName}-${new Date().toISOString().replace(/[:.]/g, '-')}.cpuprofile.json`;
// start-up: the require timer goes first so it sees every module the register loads
const timer = mode === 'startup' ? ['--require', join(REPO, 'bench', 'lib', 'require-timer.cjs')] : [];
const nodeArgs = ['--cpu-prof', `--cpu-prof-dir=${dir}`, `--cpu-prof-name=${file}`, ...timer, ...variant.nodeArgs, APP];

let modules;
let requests;
try {
  if (mode === 'startup') {
    const started = await startAndWait(process.execPath, nodeArgs, {
      env: childEnv(variant, { ...extraEnv, PORT: '0', BENCH_EXIT_AFTER_LISTEN: '1' }),
      cwd: REPO,
      ready: /^MODULES (.*)$/,
      name: `app (${variant.name})`,
    });
    modules = JSON.parse(started.match[1]);
    await new Promise((r) => (started.child.exitCode !== null ? r() : started.child.once('exit', r)));
  } else {
    const started = await startAndWait(process.execPath, nodeArgs, {
      env: childEnv(variant, { ...extraEnv, PORT: '0' }),
      cwd: REPO,
      ready: /^LISTENING (\d+)$/,
      name: `app (${variant.name})`,
    });
    const base = `http://127.0.0.1:${started.match[1]}`;
    const out = await run(process.execPath, [join(REPO, 'bench', 'lib', 'load.mjs'), `${base}/api/contacts/42`, '20', '0', String(seconds)], { cwd: REPO });
    requests = JSON.parse(out.trim().split('\n').pop());
    const exited = new Promise((r) => started.child.once('exit', r));
    await fetch(`${base}/bench/exit`).then((r) => r.text()).catch(() => undefined);
    await Promise.race([exited, sleep(5000)]);
    await stopChild(started.child);
  }
} finally {
  await target.close();
}

if (!existsSync(join(dir, file))) {
  console.error(`no CPU profile was written to ${join(dir, file)}`);
  process.exit(1);
}
const s = summarize(join(dir, file));
const pct = (x) => `${fixed(x * 100, 1)} %`;
const envText = Object.entries(extraEnv).map(([k, v]) => `${k}=${v}`).join(' ');
const parts = [
  header(`CPU profile, ${mode}, ${variant.label}${envText ? ` with ${envText}` : ''}`, {
    command: commandLine(),
    notes: [
      `Profile: ${args.quick ? '(deleted: quick setting)' : `bench/results/${file} (git-ignored; open in Chrome DevTools)`}. Profiled span: ${fixed(s.totalMs, 0)} ms${requests ? `, ${requests.requests} requests (${fixed(requests.rps, 0)} req/s with the profiler on)` : ''}.`,
      `OTLP target: ${target.description}.`,
    ],
  }),
  '',
  'Self time by package:',
  '',
  table(['Package', 'Self ms', 'Share'], s.packages.map((p) => [p.name, fixed(p.ms, 1), pct(p.share)])),
  '',
  'Top functions by self time:',
  '',
  table(['Function', 'Self ms', 'Share'], s.functions.map((f) => [f.name, fixed(f.ms, 1), pct(f.share)])),
];
if (modules) {
  const rows = Object.entries(modules).sort((a, b) => b[1].ms - a[1].ms);
  const files = rows.reduce((n, [, t]) => n + t.files, 0);
  const ms = rows.reduce((n, [, t]) => n + t.ms, 0);
  parts.push(
    '',
    `Module loading by first listen (bench/lib/require-timer.cjs; compile + run of each file, its own requires excluded; under the profiler, so slower than without): ${files} files, ${fixed(ms, 0)} ms`,
    '',
    table(['Package', 'Files', 'Load ms'], rows.slice(0, 25).map(([pkg, t]) => [pkg, t.files, fixed(t.ms, 1)])),
  );
}
if (args.quick) rmSync(join(dir, file));
publish(parts.join('\n'), args, { kind: 'profile', mode, variant: variant.name, extraEnv, summary: s, modules, requests });
