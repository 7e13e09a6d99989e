// Command-line flags shared by every benchmark script.
//   --quick       tiny setting for the smoke test (seconds, not minutes)
//   --no-record   print the table only; do not append to BENCHMARKS.md
//   --require     exit non-zero when this benchmark cannot run here (collector/stack missing)
//   --runs=N      override the number of alternating rounds
//   --json=FILE   also write the raw numbers as JSON (bench/results/ is git-ignored)
//   --with='NAME=VALUE[;NAME=VALUE...]'  (start-up and HTTP) one more variant: ours with these
//                 settings, to measure a proposed register default before it is changed (repeatable)
//   --preload=X   (start-up and HTTP) one more variant: `node --require X` with ours' settings, e.g. a
//                 bundled build of the register to compare with today's (repeatable)
//   --sink        (start-up, HTTP, profile) export to the local OTLP sink even when the stack is installed
export function parseArgs(argv = process.argv.slice(2)) {
  try {
    return parse(argv);
  } catch (error) {
    console.error(error.message);
    process.exit(2);
  }
}

function parse(argv) {
  const out = { quick: false, record: true, require: false, runs: undefined, json: undefined, with: [], preload: [], rest: [] };
  for (const a of argv) {
    if (a === '--quick') out.quick = true;
    else if (a === '--no-record') out.record = false;
    else if (a === '--require') out.require = true;
    else if (a.startsWith('--runs=')) {
      const n = Number(a.slice('--runs='.length));
      if (!Number.isInteger(n) || n < 1) throw new Error(`--runs=${a.slice(7)} is invalid: accepted a whole number >= 1`);
      out.runs = n;
    } else if (a.startsWith('--json=')) out.json = a.slice('--json='.length);
    else if (a.startsWith('--with=')) out.with.push(parseEnvList(a.slice('--with='.length)));
    else if (a.startsWith('--preload=')) {
      const path = a.slice('--preload='.length);
      if (!path) throw new Error('--preload= is invalid: accepted --preload=<module or file for node --require>');
      out.preload.push(path);
    }
    else out.rest.push(a);
  }
  return out;
}

/** The flags to hand on to a child benchmark script. */
export function forwardArgs(args) {
  return [
    ...(args.quick ? ['--quick'] : []),
    ...(args.record ? [] : ['--no-record']),
    ...(args.require ? ['--require'] : []),
  ];
}

function parseEnvList(text) {
  const env = {};
  for (const pair of text.split(';')) {
    const eq = pair.indexOf('=');
    if (eq < 1 || !/^[A-Z_][A-Z0-9_]*$/.test(pair.slice(0, eq))) {
      throw new Error(`--with=${text} is invalid: accepted --with='NAME=VALUE[;NAME=VALUE...]' with upper-case variable names`);
    }
    env[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return env;
}
