// docker-compose.yml and the stack/compose.yml it includes, checked statically (no Docker engine
// here): `docker compose up` needs no flag (the include reads stack/stack.env), every mounted host
// path exists, every image tag and published port comes from stack/stack.env, ports are bound to
// 127.0.0.1, the collector/Jaeger/Prometheus/Alertmanager configs find what compose gives them,
// no literal secrets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { REPO, stackEnv } from '@crm/test-kit';

const read = (rel: string): string => readFileSync(join(REPO, rel), 'utf8');

// ---------- stack/stack.env and compose-style interpolation ----------

const ENV = stackEnv();

/** Variables a user may set in the shell, not in stack/stack.env (all optional). */
const USER_VARS = new Set([
  'GRAFANA_ADMIN_PASSWORD', 'CRM_APP_METRICS_TARGETS',
  'ALERTMANAGER_PAGER_URL', 'ALERTMANAGER_PAGER_TOKEN', 'SLACK_WEBHOOK_URL', 'ALERTMANAGER_DEFAULT_URL',
]);

/** Names of every ${VAR...} outside comments ($$ is a literal dollar). */
function varsIn(text: string): string[] {
  const code = text
    .split('\n')
    .filter((l) => !l.trim().startsWith('#'))
    .join('\n');
  return [...code.replace(/\$\$/g, '').matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]!);
}

/** Compose interpolation of ${VAR}, ${VAR:?msg}, ${VAR:-default} (nested) with stack.env. */
function interpolate(text: string, env: Record<string, string> = ENV): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '$' && text[i + 1] === '$') {
      out += '$';
      i++;
    } else if (text[i] === '$' && text[i + 1] === '{') {
      let depth = 0;
      let j = i + 1;
      for (; j < text.length; j++) {
        if (text[j] === '{') depth++;
        else if (text[j] === '}' && --depth === 0) break;
      }
      const inner = text.slice(i + 2, j);
      const m = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])(.*))?$/s.exec(inner);
      assert.ok(m, `cannot read \${${inner}}`);
      const value = env[m[1]!];
      if (m[2] === ':-' || m[2] === '-') out += value ? value : interpolate(m[3] ?? '', env);
      else if (m[2] === ':?' || m[2] === '?') {
        assert.ok(value, `\${${m[1]}} is required (${m[3]})`);
        out += value;
      } else out += value ?? '';
      i = j;
    } else out += text[i];
  }
  return out;
}

// ---------- docker-compose.yml ----------

interface Service {
  image?: string;
  command?: string | string[];
  entrypoint?: string | string[];
  environment?: Record<string, string | number | boolean | null>;
  volumes?: string[];
  ports?: string[];
  healthcheck?: { test: string | string[] };
  network_mode?: string;
  profiles?: string[];
}
interface Compose { services: Record<string, Service>; volumes?: Record<string, unknown> }
interface Root { name?: string; include?: Array<{ path: string; project_directory?: string; env_file?: string }>; services?: unknown }

const ROOT_TEXT = read('docker-compose.yml');
const root = parse(ROOT_TEXT) as Root;
// The services file compose loads through the root file's include (paths relative to the root).
const INCLUDED = 'stack/compose.yml';
const COMPOSE_TEXT = read(INCLUDED);
const compose = parse(COMPOSE_TEXT) as Compose;
const services = Object.entries(compose.services);
const svc = (name: string): Service => {
  const s = compose.services[name];
  assert.ok(s, `docker-compose.yml has a ${name} service`);
  return s;
};

test('the header says how to run it (no flag) and that Docker cannot run here', () => {
  const header = ROOT_TEXT.split('\n').filter((l) => l.startsWith('#')).join('\n');
  assert.match(header, /^#\s+docker compose up -d$/m);
  assert.doesNotMatch(header, /--env-file/);
  assert.match(header, /no Docker engine/);
});

test('`docker compose up` from the root reads stack/stack.env through include: no flag, no .env copy', () => {
  assert.equal(root.name, 'crm-otel-kit');
  assert.equal(root.services, undefined, 'the services live in the included file');
  assert.deepEqual(root.include, [{ path: INCLUDED, project_directory: '.', env_file: 'stack/stack.env' }]);
  // include's paths are relative to the root's directory (compose-go's loader joins them to it).
  assert.ok(existsSync(join(REPO, root.include![0]!.env_file!)) && existsSync(join(REPO, root.include![0]!.path)));
  // A .env at the root would be a second place for the pins (compose reads it by default).
  assert.ok(!existsSync(join(REPO, '.env')), 'a .env file at the repository root');
  assert.doesNotMatch(ROOT_TEXT.replace(/^#.*$/gm, ''), /\$\{/, 'the root file interpolates nothing (it has no env file of its own)');
});

test('the expected services are there', () => {
  for (const name of ['collector', 'jaeger', 'prometheus', 'alertmanager', 'opensearch', 'opensearch-dashboards', 'grafana', 'opensearch-setup', 'opensearch-dashboards-setup']) svc(name);
});

test('every ${VAR} is in stack/stack.env, or is an optional shell variable with a default', () => {
  for (const name of new Set(varsIn(COMPOSE_TEXT))) {
    assert.ok(name in ENV || USER_VARS.has(name), `${INCLUDED} uses \${${name}}, which stack/stack.env does not define`);
    if (name in ENV) assert.notEqual(ENV[name], '', `${name} is empty in stack/stack.env`);
  }
  // Nothing is required from the shell: `docker compose up` as typed, with an empty environment.
  const code = COMPOSE_TEXT.split('\n').filter((l) => !l.trim().startsWith('#')).join('\n').replace(/\$\$/g, '');
  for (const m of code.matchAll(/\$\{([A-Z0-9_]+)(:?[-?])?/g)) {
    if (USER_VARS.has(m[1]!)) assert.equal(m[2], ':-', `\${${m[1]}} must have a default (\${${m[1]}:-...}): compose would stop without it`);
  }
  assert.doesNotThrow(() => interpolate(code), 'interpolation with stack/stack.env alone');
});

// image repository -> the stack.env variable pinning its tag
const IMAGE_PINS: Record<string, string> = {
  'crm-otel-kit/otelcol-crm': 'OTELCOL_VERSION',
  'jaegertracing/jaeger': 'JAEGER_IMAGE_VERSION',
  'prom/prometheus': 'PROMETHEUS_VERSION',
  'prom/alertmanager': 'ALERTMANAGER_VERSION',
  'opensearchproject/opensearch': 'OPENSEARCH_VERSION',
  'opensearchproject/opensearch-dashboards': 'OPENSEARCH_DASHBOARDS_VERSION',
  'grafana/grafana': 'GRAFANA_VERSION',
};

test('every image tag is the pin from stack/stack.env, written as its variable', () => {
  for (const [name, s] of services) {
    assert.ok(s.image, `${name} has an image`);
    const [repo, tagExpr] = [s.image.slice(0, s.image.indexOf(':')), s.image.slice(s.image.indexOf(':') + 1)];
    const pin = IMAGE_PINS[repo];
    assert.ok(pin, `${name}: image ${repo} has no pin variable in this test's table`);
    assert.match(tagExpr, new RegExp(`^\\$\\{${pin}(:\\?[^}]*)?\\}$`), `${name}: the tag must be \${${pin}}, got ${tagExpr}`);
    assert.equal(interpolate(tagExpr), ENV[pin], `${name}: tag`);
  }
});

test('the pins agree with each other: OpenSearch Dashboards = OpenSearch, Jaeger image = the Jaeger module tag', () => {
  assert.equal(ENV['OPENSEARCH_DASHBOARDS_VERSION'], ENV['OPENSEARCH_VERSION'], 'OpenSearch Dashboards must match the OpenSearch version');
  const m = /^v1\.(\d+)\.(\d+)$/.exec(ENV['JAEGER_VERSION'] ?? '');
  assert.ok(m, `JAEGER_VERSION=${ENV['JAEGER_VERSION']} is a v1.N.P module tag`);
  assert.equal(ENV['JAEGER_IMAGE_VERSION'], `2.${Number(m[1]) - 63}.${m[2]}`, 'Jaeger module v1.N.P is image 2.(N-63).P');
  assert.match(ENV['PROMETHEUS_VERSION'] ?? '', /^v3\.\d+\.\d+$/, 'PROMETHEUS_VERSION is a Prometheus release tag (also the prom/prometheus tag)');
  assert.match(ENV['ALERTMANAGER_VERSION'] ?? '', /^v0\.\d+\.\d+$/, 'ALERTMANAGER_VERSION is an Alertmanager release tag (also its Go module version and prom/alertmanager tag)');
  assert.match(ENV['GRAFANA_VERSION'] ?? '', /^\d+\.\d+\.\d+$/);
});

test('every published port is 127.0.0.1:<stack.env port>:<same port>, and no port is published twice', () => {
  const seen = new Map<number, string>();
  let count = 0;
  for (const [name, s] of services) {
    for (const p of s.ports ?? []) {
      const m = /^127\.0\.0\.1:\$\{([A-Z0-9_]+_PORT)\}:\$\{([A-Z0-9_]+_PORT)\}$/.exec(p);
      assert.ok(m, `${name}: port "${p}" must be 127.0.0.1:\${X_PORT}:\${X_PORT}`);
      assert.equal(m[1], m[2], `${name}: "${p}" publishes a different container port`);
      const port = Number(ENV[m[1]!]);
      assert.ok(Number.isInteger(port) && port > 0 && port < 65536, `${m[1]}=${ENV[m[1]!]} is a port`);
      assert.equal(interpolate(p), `127.0.0.1:${port}:${port}`);
      assert.ok(!seen.has(port), `port ${port} published by ${seen.get(port)} and ${name}`);
      seen.set(port, name);
      count++;
    }
  }
  assert.ok(count >= 8, 'the UIs and the collector inputs are published');
  for (const v of ['COLLECTOR_OTLP_GRPC_PORT', 'COLLECTOR_OTLP_HTTP_PORT', 'JAEGER_UI_PORT', 'PROMETHEUS_PORT', 'ALERTMANAGER_PORT', 'OPENSEARCH_PORT', 'OPENSEARCH_DASHBOARDS_PORT', 'GRAFANA_PORT']) {
    assert.ok(seen.has(Number(ENV[v])), `${v} is published`);
  }
});

test('every mounted host file or folder exists in the repository; named volumes are declared', () => {
  let binds = 0;
  for (const [name, s] of services) {
    for (const v of s.volumes ?? []) {
      const source = v.split(':')[0]!;
      if (source.startsWith('./') || source.startsWith('/')) {
        assert.ok(source.startsWith('./'), `${name}: mount ${v} must be relative to the repository`);
        assert.ok(existsSync(join(REPO, source)), `${name}: mounted ${source} does not exist`);
        binds++;
      } else {
        assert.ok(compose.volumes && source in compose.volumes, `${name}: named volume ${source} is not declared`);
      }
    }
  }
  assert.ok(binds >= 8);
});

test('long-running services with a shell have health checks', () => {
  for (const name of ['prometheus', 'alertmanager', 'opensearch', 'opensearch-dashboards', 'grafana']) {
    const h = svc(name).healthcheck;
    assert.ok(h, `${name} has a healthcheck`);
    const cmd = interpolate(Array.isArray(h.test) ? h.test.join(' ') : h.test);
    assert.doesNotMatch(cmd, /\$\{/, `${name}: healthcheck fully resolved`);
  }
});

test('no literal secrets: passwords, tokens and receiver URLs come from the shell, with an empty default', () => {
  let secrets = 0;
  for (const [name, s] of services) {
    for (const [key, value] of Object.entries(s.environment ?? {})) {
      if (/PASSWORD|SECRET|TOKEN|API_?KEY|_URL$/i.test(key) && !key.endsWith('__FILE')) {
        assert.equal(value, `\${${key}:-}`, `${name}: ${key} must be \${${key}:-} (from the shell, empty when unset), not a literal`);
        secrets++;
      }
    }
  }
  assert.equal(secrets, 5, 'the four receiver variables and GRAFANA_ADMIN_PASSWORD, all in volume-init');
  assert.doesNotMatch(COMPOSE_TEXT, /(password|secret|token)\s*[:=]\s*["']?[A-Za-z0-9!@#%^&*]{6,}/i, `a literal credential in ${INCLUDED}`);
  assert.doesNotMatch(COMPOSE_TEXT, /hooks\.slack\.com|https:\/\//, `a receiver URL in ${INCLUDED}`);
  // Grafana reads its admin password from the file volume-init writes (the shell's value or a random one).
  const g = svc('grafana');
  assert.equal(g.environment?.['GF_SECURITY_ADMIN_PASSWORD'], undefined);
  assert.equal(g.environment?.['GF_SECURITY_ADMIN_PASSWORD__FILE'], '/run/crm-secrets/admin-password');
  assert.ok((g.volumes ?? []).includes('grafana-secrets:/run/crm-secrets:ro'));
  const init = (svc('volume-init').command as string[]).join('\n');
  assert.match(init, /printf '%s' "\$\$GRAFANA_ADMIN_PASSWORD" > \/grafana-secrets\/admin-password/);
  assert.match(init, /od -An -tx1 -N16 \/dev\/urandom/, 'a random password when none is given');
  assert.ok((svc('volume-init').volumes ?? []).includes('grafana-secrets:/grafana-secrets'));
});

// ---------- the configs the services run ----------

/** `${env:NAME:-default}` / `${env:NAME}` references of a collector-style config. */
function envRefs(text: string): Array<{ name: string; fallback: string | undefined }> {
  return [...text.matchAll(/\$\{env:([A-Z0-9_]+)(?::-([^}]*))?\}/g)].map((m) => ({ name: m[1]!, fallback: m[2] }));
}

/** Every `endpoint: host:port` and `host:` value of a collector-style config. */
function listenHosts(text: string): string[] {
  const hosts: string[] = [];
  for (const line of text.split('\n')) {
    const t = line.replace(/#.*/, '').trim();
    const ep = /^endpoint:\s*(\S+)$/.exec(t);
    // host:port, where the port is a number or a ${env:...} reference
    if (ep && !ep[1]!.includes('://')) hosts.push(ep[1]!.replace(/:(\d+|\$\{[^}]*\})$/, ''));
    const h = /^host:\s*(\S+)$/.exec(t);
    if (h) hosts.push(h[1]!);
  }
  return hosts;
}

test('collector: compose passes the stack.env ports, config defaults equal them, it listens on the compose network', () => {
  const config = read('otel-collector/config.yaml');
  const env = svc('collector').environment ?? {};
  for (const { name, fallback } of envRefs(config)) {
    if (name.endsWith('_PORT') && name in ENV) {
      assert.equal(env[name], `\${${name}}`, `collector: compose sets ${name} from stack.env`);
      if (fallback !== undefined) assert.equal(fallback, ENV[name], `otel-collector/config.yaml default of ${name} differs from stack/stack.env`);
    }
  }
  assert.equal(env['COLLECTOR_LISTEN_HOST'], '0.0.0.0');
  for (const host of listenHosts(config)) {
    if (host.includes('JAEGER_HOST') || host.includes('OPENSEARCH_HOST')) continue; // exporter targets
    assert.match(host, /COLLECTOR_LISTEN_HOST/, `collector listens on ${host}, which compose cannot override`);
  }
  assert.equal(env['JAEGER_HOST'], 'jaeger');
  assert.equal(env['OPENSEARCH_HOST'], 'opensearch');
});

test('jaeger: every variable its config reads is set by compose, and it listens on the compose network', () => {
  const config = read('otel-collector/jaeger/config.yaml');
  const env = svc('jaeger').environment ?? {};
  for (const { name, fallback } of envRefs(config)) {
    if (fallback !== undefined) continue;
    assert.ok(name in env, `jaeger: otel-collector/jaeger/config.yaml reads \${env:${name}}, which compose does not set`);
    if (name.endsWith('_PORT')) assert.equal(env[name], `\${${name}}`);
  }
  for (const p of svc('jaeger').ports ?? []) {
    const v = /\$\{([A-Z0-9_]+)\}/.exec(p)![1]!;
    assert.ok(config.includes(`\${env:${v}`), `jaeger publishes ${v}, which its config does not listen on`);
  }
  // A listener on 127.0.0.1 inside the container is unreachable from other containers and
  // from the published port: each must be ${env:JAEGER_LISTEN_HOST:-127.0.0.1} (compose sets 0.0.0.0).
  for (const host of listenHosts(config)) {
    assert.match(host, /JAEGER_LISTEN_HOST/, `otel-collector/jaeger/config.yaml listens on ${host}; use \${env:JAEGER_LISTEN_HOST:-127.0.0.1}`);
  }
});

test('prometheus: listens on PROMETHEUS_PORT; volume-init writes exactly the file_sd files prometheus.yml reads', () => {
  const p = svc('prometheus');
  const args = (Array.isArray(p.command) ? p.command : [p.command ?? '']).join(' ');
  assert.match(args, /--web\.listen-address=0\.0\.0\.0:\$\{PROMETHEUS_PORT\}/);
  assert.match(args, /--config\.file=\/kit\/otel-collector\/prometheus\/prometheus\.yml/);
  const promYml = parse(read('otel-collector/prometheus/prometheus.yml')) as {
    rule_files?: string[];
    scrape_configs: Array<{ job_name: string; file_sd_configs?: Array<{ files: string[] }> }>;
  };
  const wanted = promYml.scrape_configs.flatMap((c) => (c.file_sd_configs ?? []).flatMap((f) => f.files));
  assert.ok(wanted.length > 0);
  const init = svc('volume-init');
  const script = (Array.isArray(init.command) ? init.command : [init.command ?? '']).join('\n');
  for (const file of wanted) {
    // ../../.stack/prometheus/x.json relative to /kit/otel-collector/prometheus -> /kit/.stack/prometheus/x.json
    const m = /^\.\.\/\.\.\/\.stack\/prometheus\/([a-z0-9-]+)\.json$/.exec(file);
    assert.ok(m, `prometheus.yml reads ${file}; compose mounts only ../../.stack/prometheus/*.json`);
    assert.match(script, new RegExp(`^\\s*targets ${m[1]} `, 'm'), `volume-init does not write ${m[1]}.json`);
  }
  assert.ok((p.volumes ?? []).some((v) => v === 'prometheus-targets:/kit/.stack/prometheus:ro'));
  for (const rf of promYml.rule_files ?? []) {
    assert.ok((p.volumes ?? []).some((v) => v.startsWith(`./otel-collector/prometheus/${rf.split('/')[0]}:`)), `rule files ${rf} mounted`);
  }
  // Prometheus sends alerts to the Alertmanager of a file volume-init writes, with its port.
  const amFiles = (promYml as { alerting?: { alertmanagers: Array<{ file_sd_configs: Array<{ files: string[] }> }> } }).alerting?.alertmanagers
    .flatMap((a) => a.file_sd_configs.flatMap((f) => f.files)) ?? [];
  assert.deepEqual(amFiles, ['../../.stack/prometheus/targets-alertmanager.json']);
  assert.match(script, /^\s*targets targets-alertmanager "alertmanager:\$\{ALERTMANAGER_PORT\}"$/m);
  assert.match(args, /--storage\.tsdb\.retention\.time=\$\{PROMETHEUS_RETENTION\}/, 'the retention of stack/stack.env');
  // The collector/jaeger targets use the ports those services listen on.
  assert.match(script, /collector:\$\{COLLECTOR_TELEMETRY_PORT\}/);
  assert.match(script, /collector:\$\{COLLECTOR_PROMETHEUS_EXPORTER_PORT\}/);
  assert.match(script, /jaeger:\$\{JAEGER_TELEMETRY_PORT\}/);
});

test('alertmanager: runs the kit config in its directory, with the receiver files volume-init writes from the shell', () => {
  const am = svc('alertmanager') as Service & { working_dir?: string };
  const args = (am.command as string[]).join(' ');
  assert.match(args, /--config\.file=\/kit\/otel-collector\/alertmanager\/alertmanager\.yml/);
  assert.match(args, /--web\.listen-address=0\.0\.0\.0:\$\{ALERTMANAGER_PORT\}/);
  assert.match(args, /--cluster\.listen-address=( |$)/, 'no cluster listener');
  // url_file paths are relative to the working directory, credentials_file to the config's: one place.
  assert.equal(am.working_dir, '/kit/otel-collector/alertmanager');
  assert.ok((am.volumes ?? []).includes('./otel-collector/alertmanager:/kit/otel-collector/alertmanager:ro'));
  const config = read('otel-collector/alertmanager/alertmanager.yml');
  const files = [...config.matchAll(/_file: (\S+)/g)].map((m) => m[1]!);
  assert.equal(files.length, 4);
  const init = svc('volume-init');
  const script = (init.command as string[]).join('\n');
  for (const f of files) {
    // ../../.stack/alertmanager/receivers/x from /kit/otel-collector/alertmanager -> /kit/.stack/alertmanager/receivers/x
    const m = /^\.\.\/\.\.\/\.stack\/alertmanager\/receivers\/([a-z-]+)$/.exec(f);
    assert.ok(m, `alertmanager.yml reads ${f}`);
    assert.match(script, new RegExp(`> /receivers/${m[1]}$`, 'm'), `volume-init writes ${m[1]}`);
  }
  assert.ok((am.volumes ?? []).includes('alertmanager-receivers:/kit/.stack/alertmanager/receivers:ro'));
  assert.ok((init.volumes ?? []).includes('alertmanager-receivers:/receivers'));
  assert.match(script, /umask 077/);
  assert.match(script, /chown -R 65534:65534 \/receivers/, 'readable by the alertmanager image user (nobody) only');
  // The same variables as stack/start.sh, each into the same file.
  for (const [v, f] of [['ALERTMANAGER_PAGER_URL', 'pager-url'], ['ALERTMANAGER_PAGER_TOKEN', 'pager-token'], ['SLACK_WEBHOOK_URL', 'chat-url'], ['ALERTMANAGER_DEFAULT_URL', 'default-url']]) {
    assert.match(script, new RegExp(`printf '%s\\\\n' "\\$\\$${v}" > /receivers/${f}$`, 'm'), `volume-init writes ${f} from ${v}`);
    assert.ok(read('stack/start.sh').includes(`${v}:${f}`), `stack/start.sh writes ${f} from ${v}`);
  }
});

test('opensearch-dashboards-setup imports the kit saved objects into Dashboards once it is healthy', () => {
  const setup = svc('opensearch-dashboards-setup') as Service & { depends_on?: Record<string, { condition: string }> };
  assert.equal(setup.network_mode, 'service:opensearch-dashboards');
  assert.deepEqual(setup.entrypoint, ['bash', '/kit/stack/opensearch-dashboards-setup.sh']);
  assert.equal(setup.depends_on?.['opensearch-dashboards']?.condition, 'service_healthy');
  assert.ok((setup.volumes ?? []).includes('./stack:/kit/stack:ro'));
  assert.ok((setup.volumes ?? []).includes('./otel-collector/opensearch-dashboards:/kit/otel-collector/opensearch-dashboards:ro'));
  const script = read('stack/opensearch-dashboards-setup.sh');
  assert.match(script, /otel-collector\/opensearch-dashboards\/saved-objects\.ndjson/);
  assert.match(script, /_import\?overwrite=true/);
  assert.equal(setup.environment?.['OPENSEARCH_DASHBOARDS_PORT'], '${OPENSEARCH_DASHBOARDS_PORT}');
});

test('grafana: the variables its provisioning expands are set, and its mounts are the kit provisioning', () => {
  const env = svc('grafana').environment ?? {};
  const ds = read('otel-collector/grafana/provisioning/datasources/datasources.yml');
  for (const name of new Set(varsIn(ds))) {
    assert.ok(name in env, `datasources.yml expands \${${name}}, which compose does not pass to grafana`);
    assert.equal(env[name], `\${${name}}`);
  }
  assert.equal(env['GF_SERVER_HTTP_PORT'], '${GRAFANA_PORT}');
  const dashboardsYml = parse(read('otel-collector/grafana/provisioning/dashboards/dashboards.yml')) as { providers: Array<{ options: { path: string } }> };
  for (const prov of dashboardsYml.providers) {
    assert.ok((svc('grafana').volumes ?? []).some((v) => v.endsWith(`:${prov.options.path}:ro`)), `dashboard path ${prov.options.path} is mounted`);
  }
});

test('opensearch: single node on OPENSEARCH_PORT; the setup one-shot runs the kit script against it', () => {
  const os = svc('opensearch').environment ?? {};
  assert.equal(os['discovery.type'], 'single-node');
  assert.equal(os['http.port'], '${OPENSEARCH_PORT}');
  const setup = svc('opensearch-setup');
  assert.equal(setup.network_mode, 'service:opensearch');
  const entry = Array.isArray(setup.entrypoint) ? setup.entrypoint.join(' ') : (setup.entrypoint ?? '');
  const script = /\/kit\/(stack\/[a-z-]+\.sh)/.exec(entry)?.[1];
  assert.ok(script && existsSync(join(REPO, script)), `opensearch-setup runs ${script}, which exists in the repository`);
});

test('interpolation helper: defaults, nesting, required variables', () => {
  assert.equal(interpolate('${A:-x${B}y}', { B: '1' }), 'x1y');
  assert.equal(interpolate('${A:-x}', { A: 'a' }), 'a');
  assert.equal(interpolate('$${A}', { A: 'a' }), '${A}');
  assert.throws(() => interpolate('${A:?need A}', {}), /need A/);
});

test('the collector image is built from the builder manifest with the pinned versions', () => {
  const c = svc('collector') as { build?: { context?: string; dockerfile?: string; args?: Record<string, string> } };
  assert.equal(c.build?.context, '.');
  const dockerfile = read(c.build?.dockerfile ?? 'missing');
  for (const arg of ['OTELCOL_VERSION', 'GO_IMAGE_VERSION', 'DEBIAN_IMAGE_VERSION']) {
    assert.match(String(c.build?.args?.[arg]), new RegExp(`^\\$\\{${arg}(:\\?[^}]*)?\\}$`), `compose passes ${arg} from stack.env`);
    assert.ok(ENV[arg], `${arg} pinned in stack/stack.env`);
    assert.match(dockerfile, new RegExp(`ARG ${arg}`), `the Dockerfile takes ${arg}`);
  }
  assert.match(dockerfile, /builder@v\$\{OTELCOL_VERSION\}/, 'the builder is the pinned release');
  assert.match(dockerfile, /COPY otel-collector\/builder-config\.yaml/);
  assert.match(dockerfile, /COPY otel-collector\/components/);
});


// ---------- compose's own loader ----------

interface LoadedService {
  image?: string;
  command?: string[] | null;
  environment?: Record<string, string | null>;
  working_dir?: string;
  volumes?: Array<{ type: string; source: string; target: string }>;
  ports?: Array<{ host_ip: string; target: number; published: string }>;
}
interface LoadedProject { name: string; services: Record<string, LoadedService> }

const LOADER_DIR = join(REPO, 'test', 'support', 'compose-config');
let loaderBin: string | undefined;

/** docker-compose.yml as `docker compose config` resolves it (compose-go, pinned in
 * test/support/compose-config/go.mod), from the repository root, with only `shell` in the environment. */
function composeConfig(shell: Record<string, string> = {}): LoadedProject {
  if (!loaderBin) {
    const dir = mkdtempSync(join(tmpdir(), 'crm-compose-config-'));
    loaderBin = join(dir, 'compose-config');
    process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
    try {
      execFileSync('go', ['build', '-o', loaderBin, '.'], { cwd: LOADER_DIR, env: { ...process.env, GOFLAGS: '-mod=readonly' }, stdio: 'pipe', timeout: 300_000 });
    } catch (error) {
      throw new Error(`building test/support/compose-config needs Go (as npm run stack:install does): ${(error as Error).message}`, { cause: error });
    }
  }
  const out = execFileSync(loaderBin, ['docker-compose.yml', REPO], { cwd: REPO, env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', ...shell }, stdio: ['ignore', 'pipe', 'pipe'] });
  return JSON.parse(out.toString()) as LoadedProject;
}

/** What compose resolved: no variable left, image tags = pins, ports on loopback, bind mounts in the repository. */
function assertResolved(p: LoadedProject): void {
  for (const [name, s] of Object.entries(p.services)) {
    // (volume-init's shell script has shell expansions of its own: ${list:+...})
    assert.doesNotMatch(JSON.stringify({ ...s, command: name === 'volume-init' ? [] : s.command }), /\$\{/, `${name}: a variable left unresolved`);
    if (s.image) {
      const repo = s.image.slice(0, s.image.lastIndexOf(':'));
      assert.equal(s.image, `${repo}:${ENV[IMAGE_PINS[repo]!]}`, `${name}: image tag is the stack.env pin`);
    }
    for (const port of s.ports ?? []) {
      assert.equal(port.host_ip, '127.0.0.1', `${name}: port ${port.target} bound to loopback`);
      assert.equal(Number(port.published), port.target);
    }
    for (const v of s.volumes ?? []) {
      if (v.type === 'bind') {
        assert.ok(v.source.startsWith(REPO), `${name}: bind mount ${v.source} resolves inside the repository (project_directory)`);
        assert.ok(existsSync(v.source), `${name}: ${v.source} exists`);
      }
    }
  }
}

test('compose\'s loader resolves `docker compose up` as typed: no flag, an empty shell, every pin and port from stack/stack.env', () => {
  const p = composeConfig();
  assert.equal(p.name, 'crm-otel-kit');
  // Without --profile: exactly the services that belong to no profile (profile scale adds its own).
  assert.deepEqual(Object.keys(p.services).sort(), services.filter(([, s]) => !s.profiles).map(([n]) => n).sort());
  assertResolved(p);
  const prom = p.services['prometheus']!;
  assert.ok(prom.command?.includes(`--storage.tsdb.retention.time=${ENV['PROMETHEUS_RETENTION']}`), JSON.stringify(prom.command));
  assert.ok(prom.command?.includes(`--web.listen-address=0.0.0.0:${ENV['PROMETHEUS_PORT']}`));
  assert.equal(p.services['alertmanager']!.working_dir, '/kit/otel-collector/alertmanager');
  // $$ in the included file reaches the container as a single $ (include interpolates once more).
  const init = p.services['volume-init']!.command!.join('\n');
  assert.match(init, /^printf '%s\\n' "\$SLACK_WEBHOOK_URL" > \/receivers\/chat-url$/m);
  assert.match(init, /^targets targets-alertmanager "alertmanager:\d+"$/m);
  assert.equal(p.services['volume-init']!.environment?.['SLACK_WEBHOOK_URL'], '', 'unset: an empty receiver, not an error');
});

test('compose\'s loader: the shell\'s variables reach the containers and override stack/stack.env', () => {
  const p = composeConfig({ SLACK_WEBHOOK_URL: 'https://chat.example/hook', GRAFANA_ADMIN_PASSWORD: 'from-the-shell', PROMETHEUS_PORT: '19090' });
  assert.equal(p.services['volume-init']!.environment?.['SLACK_WEBHOOK_URL'], 'https://chat.example/hook');
  assert.equal(p.services['volume-init']!.environment?.['GRAFANA_ADMIN_PASSWORD'], 'from-the-shell');
  assert.ok(p.services['prometheus']!.command?.includes('--web.listen-address=0.0.0.0:19090'));
});

test('compose\'s loader stops, naming the pins, when stack/stack.env is not what the include reads (the check can fail)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'crm-compose-bad-'));
  try {
    writeFileSync(join(dir, 'empty.env'), '');
    const bad = join(dir, 'docker-compose.yml');
    writeFileSync(bad, ROOT_TEXT
      .replace('path: stack/compose.yml', `path: ${join(REPO, INCLUDED)}`)
      .replace('project_directory: .', `project_directory: ${REPO}`)
      .replace('env_file: stack/stack.env', `env_file: ${join(dir, 'empty.env')}`));
    composeConfig(); // builds the loader
    assert.throws(
      () => execFileSync(loaderBin!, [bad, dir], { env: { PATH: process.env['PATH'] ?? '' }, stdio: 'pipe' }),
      (e: Error & { stderr?: Buffer }) => /required variable \w+_VERSION is missing a value: set it in stack\/stack\.env/.test(String(e.stderr)),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// ---------- profile `scale`: the tiered layout (docs/SCALING.md) ----------

const SCALE_SERVICES = ['volume-init-scale', 'opensearch-scale-1', 'opensearch-scale-2', 'opensearch-scale-setup', 'jaeger-scale', 'gateway-1', 'gateway-2', 'agent'];

/** The container paths of a service's read-only bind mounts, by repository file. */
function mounts(s: Service): Map<string, string> {
  return new Map((s.volumes ?? []).filter((v) => v.startsWith('./')).map((v) => [v.split(':')[0]!.slice(2), v.split(':')[1]!]));
}

test('profile scale: its services and only those carry the profile; `--profile scale` resolves them all', () => {
  assert.deepEqual(services.filter(([, s]) => s.profiles).map(([n]) => n).sort(), [...SCALE_SERVICES].sort());
  for (const name of SCALE_SERVICES) assert.deepEqual(svc(name).profiles, ['scale'], `${name} belongs to profile scale`);
  const p = composeConfig({ COMPOSE_PROFILES: 'scale' });
  assert.deepEqual(Object.keys(p.services).sort(), Object.keys(compose.services).sort());
  assertResolved(p);
});

test('profile scale: agent = config.yaml + tiered/agent.yaml, sending to both gateways by service name', () => {
  const p = composeConfig({ COMPOSE_PROFILES: 'scale' });
  const agent = svc('agent');
  const m = mounts(agent);
  assert.deepEqual(agent.command, [`--config=${m.get('otel-collector/config.yaml')}`, `--config=${m.get('otel-collector/tiered/agent.yaml')}`]);
  const agentYaml = read('otel-collector/tiered/agent.yaml');
  const gatewayGrpc = ENV['COLLECTOR_OTLP_GRPC_PORT'];
  for (const n of [1, 2]) {
    assert.ok(agentYaml.includes(`\${env:GATEWAY_${n}_ENDPOINT`), `agent.yaml routes to GATEWAY_${n}_ENDPOINT`);
    assert.equal(p.services['agent']!.environment?.[`GATEWAY_${n}_ENDPOINT`], `gateway-${n}:${gatewayGrpc}`);
    assert.equal(p.services[`gateway-${n}`]!.environment?.['COLLECTOR_OTLP_GRPC_PORT'], gatewayGrpc, `gateway-${n} listens where the agent sends`);
  }
  // Published: the agent's OTLP inputs, on their own ports (the default collector keeps its own).
  assert.deepEqual(agent.ports, ['127.0.0.1:${SCALE_AGENT_OTLP_GRPC_PORT}:${SCALE_AGENT_OTLP_GRPC_PORT}', '127.0.0.1:${SCALE_AGENT_OTLP_HTTP_PORT}:${SCALE_AGENT_OTLP_HTTP_PORT}']);
  assert.equal(agent.environment?.['COLLECTOR_OTLP_GRPC_PORT'], '${SCALE_AGENT_OTLP_GRPC_PORT}');
  assert.equal(agent.environment?.['COLLECTOR_OTLP_HTTP_PORT'], '${SCALE_AGENT_OTLP_HTTP_PORT}');
  assert.equal(agent.environment?.['OPENSEARCH_HOST'], 'opensearch-scale-1', 'logs go to the cluster');
});

test('profile scale: gateways = config.yaml + tiered/gateway.yaml, named, each with its own queue volume, sending to jaeger-scale', () => {
  const volumes = new Set<string>();
  for (const n of [1, 2]) {
    const g = svc(`gateway-${n}`);
    const m = mounts(g);
    assert.deepEqual(g.command, [`--config=${m.get('otel-collector/config.yaml')}`, `--config=${m.get('otel-collector/tiered/gateway.yaml')}`]);
    assert.equal(g.environment?.['GATEWAY_NAME'], `gateway-${n}`);
    assert.equal(g.environment?.['JAEGER_HOST'], 'jaeger-scale');
    assert.equal(g.environment?.['COLLECTOR_LISTEN_HOST'], '0.0.0.0');
    for (const v of g.volumes ?? []) if (!v.startsWith('./')) volumes.add(v.split(':')[0]!);
  }
  assert.deepEqual([...volumes].sort(), ['gateway-1-data', 'gateway-2-data']);
});

test('profile scale: Jaeger on the two-node cluster; node 1 the only cluster manager; Prometheus scrapes every collector', () => {
  const j = svc('jaeger-scale');
  const m = mounts(j);
  assert.deepEqual(j.command, [`--config=${m.get('otel-collector/jaeger/config.yaml')}`, `--config=${m.get('otel-collector/jaeger/opensearch.yaml')}`]);
  assert.equal(j.environment?.['JAEGER_OPENSEARCH_URL_1'], 'http://opensearch-scale-1:${OPENSEARCH_PORT}');
  assert.equal(j.environment?.['JAEGER_OPENSEARCH_URL_2'], 'http://opensearch-scale-2:${OPENSEARCH_PORT}');
  assert.equal(j.environment?.['JAEGER_UI_PORT'], '${SCALE_JAEGER_UI_PORT}');
  const [n1, n2] = [svc('opensearch-scale-1').environment!, svc('opensearch-scale-2').environment!];
  for (const key of ['cluster.name', 'discovery.seed_hosts', 'cluster.initial_cluster_manager_nodes', 'http.port']) {
    assert.equal(n1[key], n2[key], `both nodes share ${key}`);
  }
  assert.equal(n1['discovery.seed_hosts'], 'opensearch-scale-1,opensearch-scale-2');
  assert.equal(n1['cluster.initial_cluster_manager_nodes'], 'opensearch-scale-1');
  assert.match(String(n1['node.roles']), /cluster_manager/);
  assert.doesNotMatch(String(n2['node.roles']), /cluster_manager/);
  assert.equal(n1['node.name'], 'opensearch-scale-1');
  assert.equal(n2['node.name'], 'opensearch-scale-2');
  const setup = svc('opensearch-scale-setup');
  assert.equal(setup.network_mode, 'service:opensearch-scale-1');
  assert.match(String(setup.entrypoint), /opensearch-setup\.sh && bash \/kit\/stack\/opensearch-setup-scale\.sh/);
  const init = (svc('volume-init-scale').command as string[]).join('\n');
  for (const host of ['collector', 'agent', 'gateway-1', 'gateway-2']) {
    assert.ok(init.includes(`"${host}:\${COLLECTOR_TELEMETRY_PORT}"`), `Prometheus scrapes ${host}'s telemetry`);
    assert.ok(init.includes(`"${host}:\${COLLECTOR_PROMETHEUS_EXPORTER_PORT}"`), `Prometheus scrapes ${host}'s exporter`);
  }
});
