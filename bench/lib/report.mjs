// Markdown output shared by the benchmark scripts: the table, the machine and
// versions header, and the record of each run in bench/results/ (git-ignored).
// BENCHMARKS.md holds the method, the current summary and the findings, written by hand.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { cpus, totalmem, release, platform, arch, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { REPO } from '@crm/test-kit';

export const RESULTS_DIR = join(REPO, 'bench', 'results');
/** The line a script prints when it has recorded its section (run.mjs looks for it). */
export const RECORDED = '(recorded in ';

export function table(headers, rows) {
  const line = (cells) => `| ${cells.map((c) => String(c).replace(/\|/g, '\\|')).join(' | ')} |`;
  return [line(headers), line(headers.map(() => '---')), ...rows.map(line)].join('\n');
}

function pkgVersion(name) {
  try {
    // read the file directly: some packages' "exports" hide package.json from require
    return JSON.parse(readFileSync(join(REPO, 'node_modules', name, 'package.json'), 'utf8')).version;
  } catch {
    return 'not installed';
  }
}

function gitCommit() {
  try {
    const sha = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: REPO, encoding: 'utf8' }).trim();
    return dirty ? `${sha} (+ uncommitted changes)` : sha;
  } catch {
    return 'unknown';
  }
}

export function machine() {
  const c = cpus();
  return `${platform()} ${release()} ${arch()}, ${c.length} x ${c[0]?.model?.trim() ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM`;
}

export function versions(extra = {}) {
  return {
    node: process.version,
    '@crm/otel-register': pkgVersion('@crm/otel-register'),
    '@opentelemetry/auto-instrumentations-node': pkgVersion('@opentelemetry/auto-instrumentations-node'),
    '@opentelemetry/sdk-trace': pkgVersion('@opentelemetry/sdk-trace'),
    express: pkgVersion('express'),
    autocannon: pkgVersion('autocannon'),
    commit: gitCommit(),
    ...extra,
  };
}

/** The block printed above each table and kept in BENCHMARKS.md. */
export function header(title, { command, extraVersions = {}, notes = [] }) {
  const v = versions(extraVersions);
  return [
    `### ${title}: ${new Date().toISOString().replace(/\.\d+Z$/, 'Z')}`,
    '',
    `- Machine: ${machine()}; load average ${loadavg().map((l) => l.toFixed(2)).join(' / ')} (1/5/15 min) when the table was written`,
    `- Versions: ${Object.entries(v).map(([k, val]) => `${k} ${val}`).join(', ')}`,
    `- Command: \`${command}\``,
    ...notes.map((n) => `- ${n}`),
  ].join('\n');
}

/** The command line that produced this output, as a user would type it. */
export function commandLine() {
  const script = process.argv[1] ? process.argv[1].replace(`${REPO}/`, '') : '';
  return ['node', script, ...process.argv.slice(2)].join(' ');
}

/**
 * Prints the section and, unless --no-record, records it in bench/results/.
 * `args.json` (optional) gets the raw numbers.
 */
export function publish(section, args, raw) {
  console.log(`\n${section}\n`);
  if (args.json && raw !== undefined) {
    mkdirSync(dirname(args.json), { recursive: true });
    writeFileSync(args.json, JSON.stringify(raw, null, 2));
  }
  if (args.record) recordSection(section);
}

/** Writes a section to bench/results/<time>-<title>.md, named after its `### Title: time` heading. */
export function recordSection(section) {
  const heading = /^### (.+?): (\S+)$/m.exec(section);
  const title = (heading?.[1] ?? 'bench').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
  const time = (heading?.[2] ?? new Date().toISOString()).replace(/[:.]/g, '');
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = join(RESULTS_DIR, `${time}-${title}.md`);
  writeFileSync(file, `${section}\n`);
  console.log(`${RECORDED}${file.replace(`${REPO}/`, '')})`);
}

/** `met` / `MISSED` for the target column. */
export function verdict(ok) {
  if (ok === undefined) return 'n/a';
  return ok ? 'met' : 'MISSED';
}
