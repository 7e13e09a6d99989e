// Where the app lives: the directory of the package.json nearest to its entry script.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** The nearest directory holding a package.json, from the entry script's (or the working directory) up. */
export function findAppRoot(entry = process.argv[1]): string | undefined {
  let dir = entry ? dirname(resolve(entry)) : process.cwd();
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}
