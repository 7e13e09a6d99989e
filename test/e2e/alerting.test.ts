// Alerts reach people, on the real local stack: the kit's rules fire in Prometheus, Prometheus
// sends them to the stack's Alertmanager, and Alertmanager delivers them to a webhook server run
// by this test, configured the way users do it (receiver URLs and token in the environment of
// stack/start.sh). A warning arrives in chat with its labels and annotations, a critical alert
// pages with its bearer token, and the warning its critical alert inhibits never arrives.
//
// Two demo services with names unique to this run (so their `service` label is this run's):
// - the enrichment service answers 503 to every lookup (leads from fail-*.example domains):
//   CrmHighHttp5xxRate fires in both severities after 2 minutes; only the critical one is sent;
// - the CRM service runs syncs where half the records fail: CrmLeadSyncFailures (warning) fires
//   after 30 s and goes to chat.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { httpJson, promQuery, urls } from '../support/backends.ts';
import { REPO, stackEnv, waitFor } from '@crm/test-kit';
import { FAST_EXPORT, api, createLead, expectStatus, runId, startDemoServices, type DemoServices } from '../support/demo.ts';
import {
  amAlerts, chatMessages, startAlertReceiver, webhookAlerts,
  type AlertReceiver, type AmAlert, type SlackMessage, type WebhookMessage,
} from '../support/alert-receiver.ts';

const RUN = runId('alerts');
const CRM = `alert-e2e-crm-${RUN}`;
const ENRICHMENT = `alert-e2e-enrichment-${RUN}`;
const SOURCE = 'zoominfo';
const TOKEN = `pager-token-${RUN}`;
const alertmanager = (): string => `http://127.0.0.1:${stackEnv()['ALERTMANAGER_PORT']}`;

let receiver: AlertReceiver;
let demo: DemoServices | undefined;
let running = true;
let traffic: Promise<void> = Promise.resolve();
let startOutput = '';

/** stack/start.sh alertmanager with `env`: writes the receiver files (Alertmanager already runs). */
function startAlertmanager(env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('bash', [join(REPO, 'stack', 'start.sh'), 'alertmanager'], { cwd: REPO, env, timeout: 120_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`stack/start.sh alertmanager: ${error.message}\n${stdout}${stderr}`));
      else resolve(stdout + stderr);
    });
  });
}

before(async () => {
  receiver = await startAlertReceiver();
  startOutput = await startAlertmanager({
    ...process.env,
    ALERTMANAGER_PAGER_URL: `${receiver.base}/pager`,
    ALERTMANAGER_PAGER_TOKEN: TOKEN,
    SLACK_WEBHOOK_URL: `${receiver.base}/chat`,
    ALERTMANAGER_DEFAULT_URL: `${receiver.base}/default`,
  });
  demo = await startDemoServices({ runId: RUN, env: { ...FAST_EXPORT, OTEL_SERVICE_NAME: ENRICHMENT }, crmEnv: { OTEL_SERVICE_NAME: CRM } });
  const base = demo.crm.base;
  // Until the tests end (bounded at 10 minutes): a lead whose enrichment lookup fails every 2 s
  // (0.5 lookups a second, all 503, above the 0.1/s traffic floor) and a sync losing half its
  // records every 3 s.
  traffic = (async () => {
    for (let i = 0; running && i < 300; i++) {
      await createLead(base, { source: 'website', email: `lead${i}@fail-provider.example` });
      if (i % 3 === 0) await expectStatus(api(base, 'POST', `/api/sync/${SOURCE}`, { records: 20, failures: 10 }), 200, 'failing sync');
      await new Promise((r) => setTimeout(r, 2000));
    }
  })();
});

after(async () => {
  running = false;
  await traffic.catch(() => undefined);
  await demo?.stop();
  // Back to the receivers of the environment the tests run in (usually none).
  const env = { ...process.env };
  await startAlertmanager(env).catch((e: unknown) => console.error(`restoring Alertmanager's receivers: ${(e as Error).message}`));
  await receiver?.close();
});

test('Prometheus runs with the retention of stack/stack.env and sends alerts to the stack\'s Alertmanager', async () => {
  const flags = await httpJson<{ data: Record<string, string> }>(`${urls.prometheus()}/api/v1/status/flags`);
  const toDays = (d: string): number => Number(/^(\d+)d$/.exec(d)?.[1] ?? NaN) || Number(/^(\d+)w$/.exec(d)?.[1] ?? NaN) * 7;
  assert.equal(toDays(flags.body.data['storage.tsdb.retention.time']!), toDays(stackEnv()['PROMETHEUS_RETENTION']!));
  const ams = await httpJson<{ data: { activeAlertmanagers: Array<{ url: string }> } }>(`${urls.prometheus()}/api/v1/alertmanagers`);
  assert.deepEqual(ams.body.data.activeAlertmanagers.map((a) => a.url), [`${alertmanager()}/api/v2/alerts`]);
  // stack/start.sh says which receivers are set, never their values.
  assert.match(startOutput, /alertmanager receivers: pager set, chat set, default set/);
  assert.ok(!startOutput.includes(receiver.base) && !startOutput.includes(TOKEN), 'a receiver URL or the token printed');
});

test('a warning fires in Prometheus and reaches the chat webhook with its labels and annotations', async () => {
  const msg = await waitFor(() => chatMessages(receiver.at('/chat'), 'CrmLeadSyncFailures', CRM)[0], {
    what: `the CrmLeadSyncFailures message for ${CRM} in chat`, timeoutMs: 180_000, intervalMs: 1000,
  });
  const att = (msg as SlackMessage).attachments[0]!;
  assert.equal(att.title, `[FIRING:1] CrmLeadSyncFailures on ${CRM} (warning)`);
  for (const part of [
    `*Lead sync from ${SOURCE}: 50% of records fail*`,
    `More than 20% of the lead records ${CRM} synchronized from ${SOURCE} failed over the last minute`,
    'Runbook: docs/ALERTING.md#crmleadsyncfailures: ',
    `Labels: alertname=CrmLeadSyncFailures service=${CRM} severity=warning source=${SOURCE} `,
  ]) assert.ok(att.text?.includes(part), `chat text has "${part}":\n${att.text}`);
  assert.equal(webhookAlerts(receiver.at('/pager'), { alertname: 'CrmLeadSyncFailures' }).length, 0, 'a warning does not page');
});

let critical: AmAlert | undefined;
let pagedAt = 0;

test('a critical alert fires in Prometheus and pages, with its labels, annotations and the bearer token', async () => {
  const alert = await waitFor(() => webhookAlerts(receiver.at('/pager'), { alertname: 'CrmHighHttp5xxRate', service: ENRICHMENT })[0], {
    what: `the CrmHighHttp5xxRate page for ${ENRICHMENT}`, timeoutMs: 300_000, intervalMs: 1000,
  });
  assert.equal(alert.labels['severity'], 'critical');
  assert.equal(alert.labels['job'], 'crm-apps');
  assert.equal(alert.labels['instance'], `localhost:${demo!.enrichment.metricsPort}`);
  assert.equal(alert.annotations['summary'], `${ENRICHMENT}: 100% of HTTP requests fail with 5xx`);
  assert.match(alert.annotations['description'] ?? '', new RegExp(`^More than 5% of the HTTP requests served by ${ENRICHMENT} \\(localhost:\\d+\\) answered with a 5xx status`));
  assert.match(alert.annotations['runbook'] ?? '', /^docs\/ALERTING\.md#crmhighhttp5xxrate: /);
  assert.match(alert.generatorURL, new RegExp(`^http://[^/]+:${stackEnv()['PROMETHEUS_PORT']}/`), 'the link back to the rule in Prometheus');
  const note = receiver.at('/pager').find((n) => (n.body as WebhookMessage).alerts.some((a) => a.labels['service'] === ENRICHMENT))!;
  pagedAt = note.at;
  assert.equal(note.headers['authorization'], `Bearer ${TOKEN}`);
  assert.equal((note.body as WebhookMessage).receiver, 'pager');
  critical = (await amAlerts(alertmanager())).find((a) => a.labels['alertname'] === 'CrmHighHttp5xxRate' && a.labels['service'] === ENRICHMENT && a.labels['severity'] === 'critical');
  assert.ok(critical, 'the critical alert in Alertmanager');
});

test('the warning its critical alert inhibits fires in Prometheus but never reaches chat', async () => {
  assert.ok(critical, 'the critical alert paged (previous test)');
  // Prometheus fires the 1% warning as well ...
  const firing = await promQuery(`ALERTS{alertname="CrmHighHttp5xxRate", alertstate="firing", severity="warning", service="${ENRICHMENT}"}`);
  assert.equal(firing.length, 1, 'the warning fires in Prometheus');
  // ... Alertmanager holds it back, naming the critical alert ...
  const warning = await waitFor(async () => (await amAlerts(alertmanager())).find((a) =>
    a.labels['alertname'] === 'CrmHighHttp5xxRate' && a.labels['service'] === ENRICHMENT && a.labels['severity'] === 'warning'), { what: 'the warning in Alertmanager', timeoutMs: 30_000 });
  assert.equal(warning.status.state, 'suppressed');
  assert.deepEqual(warning.status.inhibitedBy, [critical.fingerprint]);
  // ... and nothing about it reaches chat. Both alerts reached Alertmanager together; the page
  // left after the pager route's group_wait (10 s), the warning's group was due 20 s later (chat
  // route: 30 s): wait that and 10 s more.
  await new Promise((r) => setTimeout(r, Math.max(0, pagedAt + 30_000 - Date.now())));
  assert.deepEqual(chatMessages(receiver.at('/chat'), 'CrmHighHttp5xxRate', ENRICHMENT), [], 'the inhibited warning reached chat');
  assert.ok(chatMessages(receiver.at('/chat'), 'CrmLeadSyncFailures', CRM).length > 0, 'chat works (the non-inhibited warning is there)');
});
