// Issue 13 point 3: the security and audit events. Sign-ins feed auth_attempts_total{result,method}
// (the seeds' metric), permission denials permission_denied_total{action,target_type}, exports,
// deletions and settings changes audit_events_total{action,target_type}; every record names its
// actor only as a keyed hash; values outside the lists are "other"; event names crm.audit.* (the
// Collector routes them to the crm-audit-* indices).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { context, trace } from '@opentelemetry/api';
import { createBusinessEvents } from '@crm/business-events';
import { useInMemorySdk } from '../support/sdk.ts';

const KEY = 'audit-test-key-0123456789';
const hash = (id: string) => createHmac('sha256', KEY).update(id).digest('hex');
const sdk = useInMemorySdk();
const { spans, records } = sdk;

test('sign-ins: auth_attempts_total{result,method}, reason on the record, actor hashed, failures at WARN', async () => {
  const warnings: string[] = [];
  const ev = createBusinessEvents({ env: {}, pii: { hashKey: KEY }, onWarning: (m) => warnings.push(m) });
  ev.signInSucceeded({ actorId: 'U-1', method: 'password' });
  ev.signInFailed({ actorId: 'ann@example.com', method: 'password', reason: 'invalid_credentials' });
  ev.signInFailed({ method: 'SSO', reason: 'locked' });
  ev.signInFailed({ method: 'carrier-pigeon', reason: 'bad luck' });
  assert.deepEqual(await sdk.series('auth_attempts_total'), [
    [{ result: 'success', method: 'password' }, 1],
    [{ result: 'failure', method: 'password' }, 1],
    [{ result: 'failure', method: 'sso' }, 1],
    [{ result: 'failure', method: 'other' }, 1],
  ]);
  const [ok, failed, anonymous, odd] = records.getFinishedLogRecords();
  assert.equal(ok!.eventName, 'crm.audit.sign_in.succeeded');
  assert.equal(ok!.severityText, 'INFO');
  assert.deepEqual(ok!.attributes, { 'event.name': 'crm.audit.sign_in.succeeded', 'crm.audit.actor_hash': hash('U-1'), 'crm.auth.method': 'password' });
  assert.equal(failed!.eventName, 'crm.audit.sign_in.failed');
  assert.equal(failed!.severityText, 'WARN');
  assert.equal(failed!.body, 'Sign-in Failed');
  assert.deepEqual(failed!.attributes, {
    'event.name': 'crm.audit.sign_in.failed',
    'crm.audit.actor_hash': hash('ann@example.com'),
    'crm.auth.method': 'password',
    'crm.auth.reason': 'invalid_credentials',
  });
  assert.equal(anonymous!.attributes['crm.audit.actor_hash'], undefined, 'no actor, no hash, no rejection');
  assert.equal(anonymous!.attributes['crm.event.rejected_fields'], undefined);
  assert.equal(odd!.attributes['crm.auth.reason'], 'bad luck');
  assert.ok(!JSON.stringify(records.getFinishedLogRecords().map((r) => r.attributes)).includes('ann@'));
  assert.equal(warnings.length, 2, warnings.join('\n'));
});

test('permission denied, record exported and deleted, settings changed: counters, span events, hashed actors', async () => {
  const ev = createBusinessEvents({ env: {}, pii: { hashKey: KEY }, onWarning: () => {} });
  const span = trace.getTracer('t').startSpan('request');
  context.with(trace.setSpan(context.active(), span), () => {
    ev.permissionDenied({ actorId: 42, action: 'delete', targetType: 'opportunity', targetId: 'O-1' });
    ev.recordExported({ actorId: 42, targetType: 'contact', recordCount: 1200, format: 'csv' });
    ev.recordDeleted({ actorId: 'U-7', targetType: 'lead', targetId: 17 });
    ev.settingsChanged({ actorId: 'U-7', targetType: 'settings', setting: 'sso.enforced for jane@acme.example' });
  });
  span.end();
  assert.deepEqual(await sdk.series('permission_denied_total'), [[{ action: 'delete', target_type: 'opportunity' }, 1]]);
  assert.deepEqual(await sdk.series('audit_events_total'), [
    [{ action: 'export', target_type: 'contact' }, 1],
    [{ action: 'delete', target_type: 'lead' }, 1],
    [{ action: 'settings_change', target_type: 'settings' }, 1],
  ]);
  const finished = spans.getFinishedSpans().at(-1)!;
  assert.deepEqual(finished.events.map((e) => e.name), ['crm.audit.permission.denied', 'crm.audit.record.exported', 'crm.audit.record.deleted', 'crm.audit.settings.changed']);
  assert.deepEqual(finished.events[0]!.attributes, { 'crm.audit.action': 'delete', 'crm.audit.target.type': 'opportunity', 'crm.audit.target.id': 'O-1' });
  const [denied, exported, deleted, changed] = records.getFinishedLogRecords();
  assert.equal(denied!.severityText, 'WARN');
  assert.deepEqual(denied!.attributes, {
    'event.name': 'crm.audit.permission.denied',
    'crm.audit.actor_hash': hash('42'),
    'crm.audit.action': 'delete',
    'crm.audit.target.type': 'opportunity',
    'crm.audit.target.id': 'O-1',
  });
  assert.equal(exported!.attributes['crm.audit.record_count'], 1200);
  assert.equal(exported!.attributes['crm.audit.format'], 'csv');
  assert.equal(exported!.attributes['crm.audit.action'], 'export');
  assert.equal(deleted!.attributes['crm.audit.target.id'], '17');
  assert.equal(deleted!.attributes['crm.audit.actor_hash'], hash('U-7'));
  assert.match(String(changed!.attributes['crm.audit.setting']), /^sso\.enforced for \[email:[0-9a-f]{16}\]$/);
  for (const r of records.getFinishedLogRecords()) assert.match(r.eventName!, /^crm\.audit\./);
});

test('a missing actor is rejected like any required field; strict mode throws', async () => {
  const ev = createBusinessEvents({ env: {}, pii: { hashKey: KEY }, onWarning: () => {} });
  ev.recordDeleted({ targetType: 'lead' } as never);
  assert.deepEqual(await sdk.series('business_events_rejected_total'), [[{ event: 'crm.audit.record.deleted', reason: 'missing_field' }, 1]]);
  assert.deepEqual(records.getFinishedLogRecords()[0]!.attributes['crm.event.rejected_fields'], ['actorId']);
  const strict = createBusinessEvents({ env: {}, strict: true, onWarning: () => {} });
  assert.throws(() => strict.signInFailed({ method: 'password' } as never), /signInFailed: field "reason" is undefined \(missing\)/);
});
