// exception.fingerprint: the same failure gets the same value in every process and on every
// host, so that occurrences can be counted together. The rule:
//   sha256 of the exception type and its top 5 stack frames, first 16 hex digits; each frame
//   normalised to "function (location)": Node's own frames (node:..., internal/...) without
//   line and column; other paths from the last node_modules/ for dependencies, else relative
//   to the app's root (the directory of the package.json nearest to its entry script, so the
//   working directory does not matter), else the file name alone: never an absolute path;
//   file:// URLs read as paths. The message is left out: it carries ids and values.
import { createHash } from 'node:crypto';
import { basename, isAbsolute, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findAppRoot } from './app-root';

const TOP_FRAMES = 5;

let cachedRoot: string | undefined;
const appRoot = (): string => (cachedRoot ??= findAppRoot() ?? process.cwd());

/** The exception type as OTel's recordException() names it: name, else the constructor's, else typeof. */
export function exceptionType(value: unknown): string {
  if (value !== null && typeof value === 'object') {
    const name = (value as { name?: unknown }).name;
    if (typeof name === 'string' && name !== '') return name;
    const ctor = (value as { constructor?: { name?: unknown } }).constructor?.name;
    return typeof ctor === 'string' && ctor !== '' ? ctor : 'Object';
  }
  return typeof value;
}

function stripLineColumn(location: string): string {
  const col = location.lastIndexOf(':');
  const line = col > 0 ? location.lastIndexOf(':', col - 1) : -1;
  const digits = (s: string): boolean => s !== '' && [...s].every((c) => c >= '0' && c <= '9');
  return line > 0 && digits(location.slice(line + 1, col)) && digits(location.slice(col + 1)) ? location.slice(0, line) : location;
}

function normaliseLocation(location: string, root: string): string {
  const file = stripLineColumn(location);
  if (file.startsWith('node:') || file.startsWith('internal/')) return file;
  const keep = location.slice(file.length); // ":line:col" of app and dependency frames
  let path = file;
  if (path.startsWith('file://')) {
    try {
      path = fileURLToPath(path);
    } catch {
      return basename(path) + keep;
    }
  }
  if (!isAbsolute(path)) return path + keep;
  const nm = path.lastIndexOf(`${sep}node_modules${sep}`);
  if (nm >= 0) return path.slice(nm + 1) + keep;
  const rel = relative(root, path);
  return (rel.startsWith('..') || isAbsolute(rel) ? basename(path) : rel) + keep;
}

/** One stack line ("    at fn (location)", "    at location") in its normalised form. */
export function normaliseFrame(line: string, root = appRoot()): string {
  const body = line.trim().replace(/^at /, '');
  const open = body.endsWith(')') ? body.lastIndexOf(' (') : -1;
  if (open < 0) return normaliseLocation(body, root);
  return `${body.slice(0, open)} (${normaliseLocation(body.slice(open + 2, -1), root)})`;
}

/** The top frames of a stack string, normalised. */
export function topFrames(stack: string, root = appRoot()): string[] {
  const frames: string[] = [];
  for (const line of stack.split('\n')) {
    if (!line.trimStart().startsWith('at ')) continue;
    frames.push(normaliseFrame(line, root));
    if (frames.length === TOP_FRAMES) break;
  }
  return frames;
}

export function fingerprint(type: string, stack: string | undefined, root = appRoot()): string {
  const frames = stack ? topFrames(stack, root) : [];
  return createHash('sha256').update([type, ...frames].join('\n')).digest('hex').slice(0, 16);
}
