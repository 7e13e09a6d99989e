// otel-collector/alertmanager/alertmanager.yml: `amtool check-config` accepts it (and rejects a
// broken copy), `amtool config routes test` sends each severity to its receiver, and a real
// Alertmanager running that file delivers posted alerts to a webhook server of this test: pages
// with their labels, annotations and bearer token, a Slack-compatible chat message, the default
// receiver, one notification per group, and nothing for the alerts another alert inhibits.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { REPO, freePort, stackHome } from '@crm/test-kit';
import {
  amAlerts, chatMessages, postAlerts, startAlertReceiver, webhookAlerts,
  type AlertReceiver, type AmAlert, type SlackMessage, type WebhookMessage,
} from '../support/alert-receiver.ts';

const CONFIG_DIR = join(REPO, 'otel-collector', 'alertmanager');
const CONFIG = join(CONFIG_DIR, 'alertmanager.yml');
const BIN = join(stackHome(), 'bin');

interface Run { code: number; stdout: string; stderr: string }

function run(tool: 'amtool' | 'alertmanager', args: string[]): Promise<Run> {
  const file = join(BIN, tool);
  if (!existsSync(file)) throw new Error(`${file} not found; run \`npm run stack:install\` (stack/install-alertmanager.sh builds it)`);
  return new Promise((resolve) => {
    execFile(file, args, { timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

/** A copy of the config folder at <dir>/otel-collector/alertmanager, so its ../../.stack paths land in <dir>. */
function scratchLayout(): { dir: string; configDir: string; receivers: string } {
  const dir = mkdtempSync(join(tmpdir(), 'crm-am-'));
  const configDir = join(dir, 'otel-collector', 'alertmanager');
  cpSync(CONFIG_DIR, configDir, { recursive: true });
  const receivers = join(dir, '.stack', 'alertmanager', 'receivers');
  mkdirSync(receivers, { recursive: true });
  return { dir, configDir, receivers };
}

// ---------- the file ----------

test('amtool check-config accepts the config: 3 receivers, 2 inhibit rules, the template', async () => {
  const r = await run('amtool', ['check-config', CONFIG]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /SUCCESS/);
  assert.match(r.stdout, /- 3 receivers/);
  assert.match(r.stdout, /- 2 inhibit rules/);
  assert.match(r.stdout, /- 1 templates/);
});

test('amtool check-config rejects a copy whose route names a missing receiver', async () => {
  const { dir, configDir } = scratchLayout();
  try {
    const file = join(configDir, 'alertmanager.yml');
    const text = readFileSync(file, 'utf8');
    assert.ok(text.includes('- receiver: pager'));
    writeFileSync(file, text.replace('- receiver: pager', '- receiver: pagr'));
    const r = await run('amtool', ['check-config', file]);
    assert.notEqual(r.code, 0, r.stdout);
    assert.match(r.stdout + r.stderr, /pagr/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('no receiver URL or token is in the file: each comes from a file written from the environment', () => {
  const cfg = parse(readFileSync(CONFIG, 'utf8')) as { receivers: Array<Record<string, Array<Record<string, unknown>> | string>> };
  const text = JSON.stringify(cfg.receivers);
  assert.doesNotMatch(text, /https?:\/\//, 'a URL in the receivers');
  assert.doesNotMatch(text, /"(url|api_url|credentials|routing_key|service_key|api_key)":/, 'a secret field set inline');
  const files = [...text.matchAll(/"(?:url_file|api_url_file|credentials_file)":"([^"]+)"/g)].map((m) => m[1]);
  assert.deepEqual(files.sort(), [
    '../../.stack/alertmanager/receivers/chat-url',
    '../../.stack/alertmanager/receivers/default-url',
    '../../.stack/alertmanager/receivers/pager-token',
    '../../.stack/alertmanager/receivers/pager-url',
  ]);
  // stack/start.sh writes exactly those files, each from its variable.
  const start = readFileSync(join(REPO, 'stack', 'start.sh'), 'utf8');
  for (const [v, f] of [['ALERTMANAGER_PAGER_URL', 'pager-url'], ['ALERTMANAGER_PAGER_TOKEN', 'pager-token'], ['SLACK_WEBHOOK_URL', 'chat-url'], ['ALERTMANAGER_DEFAULT_URL', 'default-url']]) {
    assert.ok(start.includes(`${v}:${f}`), `stack/start.sh writes ${f} from ${v}`);
  }
});

test('the route tree: grouped by alertname and service, repeat intervals on each branch', () => {
  const cfg = parse(readFileSync(CONFIG, 'utf8')) as {
    route: { receiver: string; group_by: string[]; repeat_interval: string; routes: Array<{ receiver: string; repeat_interval?: string; continue?: boolean }> };
  };
  assert.deepEqual(cfg.route.group_by, ['alertname', 'service']);
  assert.equal(cfg.route.receiver, 'default');
  assert.ok(cfg.route.repeat_interval);
  const pager = cfg.route.routes.find((r) => r.receiver === 'pager');
  assert.equal(pager?.repeat_interval, '1h', 'pages come back every hour while firing');
  assert.ok(cfg.route.routes.every((r) => !r.continue), 'one receiver per alert');
});

// [labels, expected receiver]
const ROUTES: Array<[string[], string]> = [
  [['severity=critical', 'alertname=CrmHighHttp5xxRate', 'service=crm-service'], 'pager'],
  [['severity=critical', 'alertname=CrmServiceDown', 'service=crm-enrichment'], 'pager'],
  [['severity=warning', 'alertname=CrmHighHttp5xxRate', 'service=crm-service'], 'chat'],
  [['severity=warning', 'alertname=OtelCollectorExporterQueueFilling'], 'chat'],
  [['severity=info', 'alertname=CrmLowLeadConversion'], 'default'],
  [['alertname=Watchdog'], 'default'],
  [['severity=page', 'alertname=Unknown'], 'default'],
];

for (const [labels, receiver] of ROUTES) {
  test(`amtool config routes test ${labels.join(' ')} -> ${receiver}`, async () => {
    const r = await run('amtool', ['config', 'routes', 'test', `--config.file=${CONFIG}`, `--verify.receivers=${receiver}`, ...labels]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(r.stdout.trim(), receiver);
  });
}

test('amtool config routes test fails when the expected receiver is wrong (the cases above can fail)', async () => {
  const r = await run('amtool', ['config', 'routes', 'test', `--config.file=${CONFIG}`, '--verify.receivers=chat', 'severity=critical']);
  assert.notEqual(r.code, 0);
  assert.match(r.stdout + r.stderr, /pager/);
});

// ---------- a real Alertmanager with this config ----------

describe('a running Alertmanager with this config', () => {
  const TOKEN = 'pager-token-for-the-test';
  let receiver: AlertReceiver;
  let am: ChildProcess | undefined;
  let amBase = '';
  let scratch = '';
  let amLog = '';
  let posted = 0;

  before(async () => {
    receiver = await startAlertReceiver();
    const layout = scratchLayout();
    scratch = layout.dir;
    writeFileSync(join(layout.receivers, 'pager-url'), `${receiver.base}/pager\n`);
    writeFileSync(join(layout.receivers, 'pager-token'), `${TOKEN}\n`);
    writeFileSync(join(layout.receivers, 'chat-url'), `${receiver.base}/chat\n`);
    writeFileSync(join(layout.receivers, 'default-url'), `${receiver.base}/default\n`);
    const port = await freePort();
    amBase = `http://127.0.0.1:${port}`;
    // As stack/start.sh runs it: in the config's directory, one instance, no cluster.
    am = spawn(join(BIN, 'alertmanager'), [
      '--config.file=alertmanager.yml', `--storage.path=${join(scratch, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`, `--web.external-url=${amBase}`, '--cluster.listen-address=',
    ], { cwd: layout.configDir, stdio: ['ignore', 'pipe', 'pipe'] });
    am.stdout?.on('data', (d: Buffer) => (amLog += d.toString()));
    am.stderr?.on('data', (d: Buffer) => (amLog += d.toString()));
    for (let i = 0; i < 100; i++) {
      const ok = await fetch(`${amBase}/-/ready`).then((r) => r.ok, () => false);
      if (ok) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const annotations = (what: string) => ({ summary: `${what} summary`, description: `${what} description`, runbook: `docs/ALERTING.md#${what}` });
    await postAlerts(amBase, [
      // A critical and its warning of the same alert and service: only the critical is sent.
      { labels: { alertname: 'CrmHighHttp5xxRate', service: 'svc-a', severity: 'critical', instance: 'a:9464' }, annotations: annotations('a-critical') },
      { labels: { alertname: 'CrmHighHttp5xxRate', service: 'svc-a', severity: 'warning', instance: 'a:9464' }, annotations: annotations('a-warning') },
      // The same warning on another service: sent to chat.
      { labels: { alertname: 'CrmHighHttp5xxRate', service: 'svc-b', severity: 'warning', instance: 'b:9464' }, annotations: annotations('b-warning') },
      // A service down holds back every other alert of that service, warnings and criticals.
      { labels: { alertname: 'CrmServiceDown', service: 'svc-c', severity: 'critical', instance: 'c:9464' }, annotations: annotations('c-down') },
      { labels: { alertname: 'CrmSlowHttpP95', service: 'svc-c', severity: 'warning', instance: 'c:9464' }, annotations: annotations('c-slow') },
      { labels: { alertname: 'CrmEventLoopDelay', service: 'svc-c', severity: 'critical', instance: 'c:9464' }, annotations: annotations('c-eventloop') },
      // Two instances of one service: one chat message for both (grouped by alertname, service).
      { labels: { alertname: 'CrmEventLoopDelay', service: 'svc-d', severity: 'warning', instance: 'd1:9464' }, annotations: annotations('d1') },
      { labels: { alertname: 'CrmEventLoopDelay', service: 'svc-d', severity: 'warning', instance: 'd2:9464' }, annotations: annotations('d2') },
      // Neither critical nor warning: the default receiver.
      { labels: { alertname: 'CrmLowLeadConversion', severity: 'info', timeframe: '1d' }, annotations: annotations('conversion') },
    ]);
    posted = Date.now();
  });

  after(async () => {
    am?.kill('SIGTERM');
    await receiver?.close();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  const waitNotifications = async (what: string, done: () => boolean, timeoutMs = 60_000): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    while (!done()) {
      if (Date.now() > deadline) {
        throw new Error(`timed out waiting for ${what}; received: ${JSON.stringify(receiver.received.map((n) => [n.path, n.body]))}\nalertmanager log:\n${amLog}`);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  };

  test('a critical alert reaches the pager webhook with its labels, annotations and bearer token', async () => {
    await waitNotifications('the page for svc-a', () => webhookAlerts(receiver.at('/pager'), { service: 'svc-a' }).length > 0);
    const [alert] = webhookAlerts(receiver.at('/pager'), { service: 'svc-a' });
    assert.deepEqual(alert!.labels, { alertname: 'CrmHighHttp5xxRate', service: 'svc-a', severity: 'critical', instance: 'a:9464' });
    assert.deepEqual(alert!.annotations, { summary: 'a-critical summary', description: 'a-critical description', runbook: 'docs/ALERTING.md#a-critical' });
    const note = receiver.at('/pager').find((n) => (n.body as WebhookMessage).groupLabels['service'] === 'svc-a')!;
    assert.equal(note.headers['authorization'], `Bearer ${TOKEN}`);
    const msg = note.body as WebhookMessage;
    assert.equal(msg.receiver, 'pager');
    assert.deepEqual(msg.groupLabels, { alertname: 'CrmHighHttp5xxRate', service: 'svc-a' });
    assert.ok(Date.now() - posted < 30_000, 'pages go out after the 10 s group_wait, before the 30 s of the other routes');
  });

  test('a warning reaches the chat webhook as a Slack message with summary, description, runbook and labels', async () => {
    await waitNotifications('the chat message for svc-b', () => chatMessages(receiver.at('/chat'), 'svc-b').length > 0);
    const [msg] = chatMessages(receiver.at('/chat'), 'svc-b') as [SlackMessage];
    const att = msg.attachments[0]!;
    assert.equal(att.title, '[FIRING:1] CrmHighHttp5xxRate on svc-b (warning)');
    for (const part of ['*b-warning summary*', 'b-warning description', 'Runbook: docs/ALERTING.md#b-warning', 'instance=b:9464', 'severity=warning']) {
      assert.ok(att.text?.includes(part), `chat text has ${part}: ${att.text}`);
    }
    assert.equal(att.color, 'warning');
  });

  test('alerts of one alertname and service are grouped into one notification', async () => {
    await waitNotifications('the chat message for svc-d', () => chatMessages(receiver.at('/chat'), 'svc-d').length > 0);
    const msgs = chatMessages(receiver.at('/chat'), 'svc-d');
    assert.equal(msgs.length, 1, JSON.stringify(msgs));
    assert.equal(msgs[0]!.attachments[0]!.title, '[FIRING:2] CrmEventLoopDelay on svc-d (warning)');
    assert.ok(msgs[0]!.attachments[0]!.text?.includes('d1 summary') && msgs[0]!.attachments[0]!.text?.includes('d2 summary'));
  });

  test('an alert that is neither critical nor warning reaches the default webhook', async () => {
    await waitNotifications('the default notification', () => webhookAlerts(receiver.at('/default'), { alertname: 'CrmLowLeadConversion' }).length > 0);
    const [alert] = webhookAlerts(receiver.at('/default'), { alertname: 'CrmLowLeadConversion' });
    assert.equal(alert!.annotations['summary'], 'conversion summary');
    assert.equal((receiver.at('/default')[0]!.body as WebhookMessage).receiver, 'default');
  });

  test('inhibited alerts are not sent: the warning under its critical, and the alerts of a service that is down', async () => {
    // Every route's group_wait (30 s at most) has passed once the chat and default messages above
    // arrived; give the inhibited groups a little longer.
    await waitNotifications('every non-inhibited notification', () =>
      chatMessages(receiver.at('/chat'), 'svc-b').length > 0 && webhookAlerts(receiver.at('/pager'), { service: 'svc-c' }).length > 0);
    await new Promise((r) => setTimeout(r, 5000));
    assert.deepEqual(chatMessages(receiver.at('/chat'), 'svc-a'), [], 'the svc-a warning was sent although its critical fires');
    assert.deepEqual(chatMessages(receiver.at('/chat'), 'svc-c'), [], 'a svc-c warning was sent although svc-c is down');
    const pagedC = webhookAlerts(receiver.at('/pager'), { service: 'svc-c' });
    assert.deepEqual(pagedC.map((a) => a.labels['alertname']), ['CrmServiceDown'], 'only the service-down page for svc-c');

    // Alertmanager says why: each is suppressed, inhibited by the expected alert.
    const all = await amAlerts(amBase);
    const find = (labels: Record<string, string>): AmAlert => {
      const a = all.find((x) => Object.entries(labels).every(([k, v]) => x.labels[k] === v));
      assert.ok(a, `alert ${JSON.stringify(labels)} in Alertmanager`);
      return a;
    };
    const aCritical = find({ service: 'svc-a', severity: 'critical' });
    const cDown = find({ alertname: 'CrmServiceDown' });
    assert.deepEqual(find({ service: 'svc-a', severity: 'warning' }).status.inhibitedBy, [aCritical.fingerprint]);
    assert.deepEqual(find({ alertname: 'CrmSlowHttpP95' }).status.inhibitedBy, [cDown.fingerprint]);
    assert.deepEqual(find({ alertname: 'CrmEventLoopDelay', service: 'svc-c' }).status.inhibitedBy, [cDown.fingerprint]);
    assert.equal(find({ service: 'svc-b' }).status.state, 'active');
    assert.equal(cDown.status.state, 'active', 'CrmServiceDown does not inhibit itself');
  });

  test('Alertmanager logged no failed notification', () => {
    assert.doesNotMatch(amLog, /Notify for alerts failed|level=ERROR/, amLog);
  });
});
