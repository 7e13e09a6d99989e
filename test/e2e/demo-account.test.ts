// `npm run demo` on the real local stack tells the truth about what a person can open: the Jaeger
// of the local stack serves a placeholder page instead of a UI and Prometheus' UI pages answer 500,
// so the demo gives API URLs; each journey's URL returns that journey's trace (both services), and
// `demo.mjs --trace <id>` draws it in the terminal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { join } from 'node:path';
import { httpJson, urls, type JaegerTrace } from '../support/backends.ts';
import { REPO, waitFor } from '@crm/test-kit';

const DEMO = join(REPO, 'examples', 'crm-service', 'demo.mjs');

function runDemo(args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [DEMO, ...args], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (code) => resolve({ code, out }));
  });
}

let out = '';

test('the demo gives API URLs for the local stack, which has no Jaeger or Prometheus UI', async () => {
  const r = await runDemo(['--duration', '8', '--rate', '1']);
  out = r.out;
  assert.equal(r.code, 0, out);
  // What a browser would get: Jaeger's placeholder page, Prometheus' 500 for its UI pages.
  const jaegerPage = await fetch(`${urls.jaeger()}/`).then((res) => res.text());
  assert.match(jaegerPage, /not the Jaeger UI/, 'the local Jaeger serves its placeholder page');
  assert.equal((await fetch(`${urls.prometheus()}/query`)).status, 500, 'the local Prometheus has no UI');
  assert.doesNotMatch(out, /(Jaeger|Prometheus) UI http/, 'the demo must not send a person to a UI that is not there');
  assert.match(out, new RegExp(`traces\\s+Jaeger API ${urls.jaeger().replace(/\./g, '\\.')}/api/traces/<trace id>\\n\\s+\\(this Jaeger is built from its Go module, without UI: node examples/crm-service/demo\\.mjs --trace <trace id> draws one here\\)`));
  assert.match(out, /metrics\s+Prometheus API http:\/\/127\.0\.0\.1:\d+\/api\/v1\/query\?query=leads_created_total \(no UI in this build\)/);
  assert.match(out, /alerts\s+Alertmanager API http:\/\/127\.0\.0\.1:\d+\/api\/v2\/alerts\n/);
});

test('each journey line links its trace, which Jaeger returns with the spans of both services', async () => {
  const links = [...out.matchAll(/^\d\d:\d\d:\d\d {2}lead L-[0-9a-f]+ .*\s(http:\/\/127\.0\.0\.1:\d+\/api\/traces\/([0-9a-f]{32}))$/gm)];
  assert.ok(links.length >= 3, `journey lines with a trace URL:\n${out}`);
  for (const [, url, id] of links.slice(0, 3)) {
    const trace = await waitFor(async () => {
      const { status, body } = await httpJson<{ data: JaegerTrace[] }>(url!);
      const t = status === 200 ? body.data[0] : undefined;
      return t && new Set(Object.values(t.processes).map((p) => p.serviceName)).size === 2 ? t : undefined;
    }, { what: `trace ${id} with both services at ${url}`, timeoutMs: 30_000 });
    assert.equal(trace.traceID, id);
    assert.ok(trace.spans.some((s) => s.operationName === 'POST /api/leads'));
  }
});

test('--trace draws a journey\'s trace in the terminal from Jaeger\'s API', async () => {
  const id = /\/api\/traces\/([0-9a-f]{32})$/m.exec(out)![1]!;
  const r = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
    execFile(process.execPath, [DEMO, '--trace', id], { cwd: REPO }, (error, stdout) => resolve({ code: error ? (error.code as number) : 0, stdout }));
  });
  assert.equal(r.code, 0, r.stdout);
  const lines = r.stdout.trim().split('\n');
  assert.match(lines[0]!, new RegExp(`^trace ${id}: \\d+ spans, 2 services \\((crm-service, crm-enrichment|crm-enrichment, crm-service)\\), `));
  assert.ok(lines.some((l) => /crm-service\s+POST \/api\/leads .*\[server\] 201/.test(l)), r.stdout);
  assert.ok(lines.some((l) => /crm-enrichment\s+ {2,}GET \/v1\/companies\/:domain .*\[server\]/.test(l)), 'the enrichment span, indented under its caller');
  assert.ok(lines.some((l) => /· crm\.lead\.created$/.test(l)), 'the business span event');
});
