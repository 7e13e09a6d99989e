// The collector distribution (otelcol-crm, built by `npm run stack:install`) accepts the kit's
// otel-collector/config.yaml, with and without the stack's environment, rejects broken copies
// of it with an error naming the problem, and contains exactly the components the config uses.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { REPO, componentBinary, stackEnv } from '@crm/test-kit';

const CONFIG = join(REPO, 'otel-collector', 'config.yaml');
const MANIFEST = join(REPO, 'otel-collector', 'builder-config.yaml');
/** The tiered profile's roles, each merged on top of config.yaml (otelcol-crm --config config.yaml --config <role>). */
const TIERED = ['agent', 'gateway'].map((role) => join(REPO, 'otel-collector', 'tiered', `${role}.yaml`));
const BINARY = componentBinary('collector');
/** Module path prefix of the kit's own components (otel-collector/components/<folder>). */
const LOCAL_MODULE_PREFIX = 'crm-otel-kit.local/otel-collector/components/';

interface Run { code: number; stdout: string; stderr: string }

/** Runs the collector binary; never rejects, the exit code is part of the result. */
function otelcol(args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve) => {
    execFile(BINARY, args, { cwd: REPO, env, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** Only what a shell needs: no stack variables, so the config's own defaults are used. */
function bareEnv(): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.HOME };
}

/** bareEnv plus every KEY=value of stack/stack.env, as stack/start.sh exports them. */
function startEnv(): NodeJS.ProcessEnv {
  return { ...bareEnv(), ...stackEnv(), CRM_STACK_DATA: join(REPO, '.stack', 'data') };
}

type Config = Record<string, Record<string, unknown>>;

function loadConfig(): Config {
  return parse(readFileSync(CONFIG, 'utf8'), { merge: true }) as Config;
}

/** Writes a modified copy of the config to a temp dir and returns its path. */
function brokenCopy(change: (cfg: Config) => void): string {
  const cfg = loadConfig();
  change(cfg);
  const file = join(mkdtempSync(join(tmpdir(), 'otelcol-broken-')), 'config.yaml');
  writeFileSync(file, stringify(cfg));
  return file;
}

async function assertRejected(file: string, expected: RegExp): Promise<void> {
  const r = await otelcol(['validate', '--config', file], bareEnv());
  assert.notEqual(r.code, 0, `validate accepted the broken config ${file}:\n${r.stdout}${r.stderr}`);
  assert.match(r.stderr + r.stdout, expected);
}

/** Component type of an id such as "otlp/jaeger" or "routing/logs". */
const typeOf = (id: string): string => id.split('/')[0]!;

describe('otelcol-crm and otel-collector/config.yaml', () => {
  before(() => {
    assert.ok(
      existsSync(BINARY),
      `the collector binary ${BINARY} is missing: run \`npm run stack:install\` (builds it with stack/install-collector.sh)`,
    );
  });

  test('validate accepts the config with no environment at all (built-in defaults)', async () => {
    const r = await otelcol(['validate', '--config', CONFIG], bareEnv());
    assert.equal(r.code, 0, `otelcol-crm validate failed:\n${r.stdout}${r.stderr}`);
  });

  test('validate accepts the config with the stack environment (stack/stack.env exported)', async () => {
    const r = await otelcol(['validate', '--config', CONFIG], startEnv());
    assert.equal(r.code, 0, `otelcol-crm validate failed:\n${r.stdout}${r.stderr}`);
  });

  test('validate rejects a pipeline that names an exporter the config does not define', async () => {
    const file = brokenCopy((cfg) => {
      const pipelines = (cfg.service!.pipelines ?? {}) as Record<string, { exporters: string[] }>;
      pipelines.traces!.exporters = [...pipelines.traces!.exporters, 'otlp/nowhere'];
    });
    await assertRejected(file, /otlp\/nowhere/);
  });

  test('validate rejects a routing condition that is not valid OTTL', async () => {
    const file = brokenCopy((cfg) => {
      const routing = cfg.connectors!['routing/logs'] as { table: { condition: string }[] };
      routing.table[0]!.condition = 'attributes["event.name"] ==== "crm."';
    });
    await assertRejected(file, /routing\/logs|condition|statement/i);
  });

  test('validate accepts each tiered role merged on top of config.yaml, with and without the environment', async () => {
    for (const file of TIERED) {
      for (const env of [bareEnv(), startEnv()]) {
        const r = await otelcol(['validate', '--config', CONFIG, '--config', file], env);
        assert.equal(r.code, 0, `otelcol-crm validate --config config.yaml --config ${file} failed:\n${r.stdout}${r.stderr}`);
      }
    }
  });

  test('validate rejects a component this distribution does not contain', async () => {
    const file = brokenCopy((cfg) => {
      cfg.exporters!.kafka = { brokers: ['127.0.0.1:9092'] };
      const pipelines = cfg.service!.pipelines as Record<string, { exporters: string[] }>;
      pipelines.traces!.exporters.push('kafka');
    });
    await assertRejected(file, /kafka/);
  });

  test('the binary contains exactly the components the config uses, at the pinned version (the kit\'s own at v0.0.0)', async () => {
    const r = await otelcol(['components'], bareEnv());
    assert.equal(r.code, 0, `otelcol-crm components failed:\n${r.stderr}`);
    const built = parse(r.stdout) as Record<string, { name: string; module: string }[] | unknown>;
    const cfg = loadConfig();
    // The tiered profile's roles (otel-collector/tiered/, merged on top of config.yaml) use the same binary.
    for (const file of TIERED) {
      const overlay = parse(readFileSync(file, 'utf8'), { merge: true }) as Config;
      for (const kind of Object.keys(overlay)) if (kind !== 'service') cfg[kind] = { ...cfg[kind], ...overlay[kind] };
    }
    const version = stackEnv()['OTELCOL_VERSION'];
    assert.ok(version, 'OTELCOL_VERSION is set in stack/stack.env');
    assert.match(readFileSync(MANIFEST, 'utf8'), new RegExp(`version: ${version.replaceAll('.', '\\.')}\\n`));

    for (const kind of ['receivers', 'processors', 'exporters', 'connectors', 'extensions'] as const) {
      const inBinary = ((built[kind] ?? []) as { name: string; module: string }[]);
      const usedTypes = new Set(Object.keys(cfg[kind] ?? {}).map(typeOf));
      assert.deepEqual(
        inBinary.map((c) => c.name).sort(),
        [...usedTypes].sort(),
        `${kind} built into otelcol-crm vs used in config.yaml and otel-collector/tiered/`,
      );
      for (const c of inBinary) {
        if (c.module.startsWith(LOCAL_MODULE_PREFIX)) {
          // The kit's own components: built from otel-collector/components/<folder>, always v0.0.0.
          const folder = c.module.slice(LOCAL_MODULE_PREFIX.length).split(' ')[0]!;
          assert.match(c.module, / v0\.0\.0$/, `${c.name} (the kit's own module) version`);
          assert.ok(existsSync(join(REPO, 'otel-collector', 'components', folder, 'go.mod')), `${c.name} source in otel-collector/components/${folder}`);
        } else {
          assert.match(c.module, new RegExp(` v${version.replaceAll('.', '\\.')}$`), `${c.name} module version`);
        }
      }
    }
  });
});
