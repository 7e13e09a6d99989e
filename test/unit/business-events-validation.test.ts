// Issue 3, guards: bad input never throws in default mode (property-based, 10,000 random bad
// inputs against a real SDK), each rejection is counted exactly in
// business_events_rejected_total{event,reason} and warned once; strict mode throws TypeErrors
// naming the field, the value and what is accepted; a failing SDK never reaches the caller.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { counterValues } from '../support/capture.ts';
import { useInMemorySdk } from '../support/sdk.ts';
import fc from 'fast-check';
import { context, logs, metrics, trace } from '@opentelemetry/api';
import type { MeterProvider as ApiMeterProvider } from '@opentelemetry/api';
import { LoggerProvider } from '@opentelemetry/sdk-logs';
import { createBusinessEvents, type BusinessEventName, type BusinessEvents, type BusinessEventsOptions, type RejectionReason } from '@crm/business-events';

const sdk = useInMemorySdk();
const logRecords = sdk.records;

const counter = (name: string, labels: string[]): Promise<Map<string, number>> => counterValues(sdk.reader, name, labels);

function events(opts: BusinessEventsOptions = {}): { ev: BusinessEvents; warnings: string[] } {
  const warnings: string[] = [];
  return { ev: createBusinessEvents({ env: {}, onWarning: (m) => warnings.push(m), ...opts }), warnings };
}

// ---- the model of valid and bad values ------------------------------------------------------

type Bad = readonly [value: unknown, reason: RejectionReason];
interface Field {
  name: string;
  valid: fc.Arbitrary<unknown>;
  bad: readonly Bad[];
}
interface EventModel {
  event: BusinessEventName;
  call: (ev: BusinessEvents, input: unknown) => void;
  fields: Field[];
}

const idBad: Bad[] = [
  [undefined, 'missing_field'], [null, 'missing_field'], ['', 'missing_field'], [Number.NaN, 'not_finite'], [Infinity, 'not_finite'],
  [-1, 'negative'], [1.5, 'not_integer'], [2 ** 60, 'out_of_range'], [true, 'wrong_type'], [{}, 'wrong_type'], [[1], 'wrong_type'], [10n, 'wrong_type'],
];
const nameBad: Bad[] = [[undefined, 'missing_field'], [null, 'missing_field'], ['', 'missing_field'], [5, 'wrong_type'], [true, 'wrong_type'], [{ a: 1 }, 'wrong_type'], [['x'], 'wrong_type']];
const optionalNameBad: Bad[] = [[5, 'wrong_type'], [false, 'wrong_type'], [{}, 'wrong_type']];
const amountBad: Bad[] = [
  [undefined, 'missing_field'], [null, 'missing_field'], [Number.NaN, 'not_finite'], [Infinity, 'not_finite'], [-Infinity, 'not_finite'],
  [-0.01, 'negative'], [-1e9, 'negative'], ['100', 'wrong_type'], [true, 'wrong_type'],
];
const countBad: Bad[] = [...amountBad, [1.5, 'not_integer']];
const scoreBad: Bad[] = [[Number.NaN, 'not_finite'], [-1, 'negative'], [100.5, 'out_of_range'], [1e6, 'out_of_range'], ['50', 'wrong_type']];
const probabilityBad: Bad[] = [[Number.NaN, 'not_finite'], [-0.1, 'negative'], [1.01, 'out_of_range'], [50, 'out_of_range'], ['0.5', 'wrong_type']];
const textBad: Bad[] = [[5, 'wrong_type'], [{ email: 'x@y.example' }, 'wrong_type'], [true, 'wrong_type']];
const dateBad: Bad[] = [['not a date', 'invalid_date'], [new Date(Number.NaN), 'invalid_date'], [20261231, 'wrong_type'], [{}, 'wrong_type']];
const outcomeBad: Bad[] = [['maybe', 'unknown_outcome'], ['WIN', 'unknown_outcome'], ['', 'missing_field'], [undefined, 'missing_field'], [1, 'wrong_type']];
const contextBad: Bad[] = [[5, 'wrong_type'], ['ctx', 'wrong_type'], [[1, 2], 'wrong_type']];

const id = fc.oneof(fc.string({ minLength: 1, maxLength: 12 }), fc.nat());
const source = fc.constantFrom('halopsa', 'Apollo', 'zoominfo', 'made_up_source', 'WEBSITE');
const stage = fc.constantFrom('proposal', 'Closed Won', 'qualification', 'mystery_stage');
const currency = fc.constantFrom('USD', 'eur', 'XYZ');
const amount = fc.double({ min: 0, max: 1e7, noNaN: true });
const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });

const MODELS: EventModel[] = [
  {
    event: 'crm.lead.created',
    call: (ev, i) => ev.leadCreated(i as never),
    fields: [
      { name: 'id', valid: id, bad: idBad },
      { name: 'source', valid: source, bad: nameBad },
      { name: 'score', valid: opt(fc.double({ min: 0, max: 100, noNaN: true })), bad: scoreBad },
      { name: 'email', valid: opt(fc.emailAddress()), bad: textBad },
      { name: 'company', valid: opt(fc.string()), bad: textBad },
    ],
  },
  {
    event: 'crm.lead.converted',
    call: (ev, i) => ev.leadConverted(i as never),
    fields: [
      { name: 'leadId', valid: id, bad: idBad },
      { name: 'prospectId', valid: id, bad: idBad },
      { name: 'source', valid: opt(source), bad: optionalNameBad },
    ],
  },
  {
    event: 'crm.opportunity.created',
    call: (ev, i) => ev.opportunityCreated(i as never),
    fields: [
      { name: 'id', valid: id, bad: idBad },
      { name: 'value', valid: amount, bad: amountBad },
      { name: 'currency', valid: currency, bad: nameBad },
      { name: 'probability', valid: opt(fc.double({ min: 0, max: 1, noNaN: true })), bad: probabilityBad },
      { name: 'expectedCloseDate', valid: opt(fc.constantFrom('2026-12-31', new Date(0))), bad: dateBad },
      { name: 'stage', valid: stage, bad: nameBad },
    ],
  },
  {
    event: 'crm.opportunity.stage_changed',
    call: (ev, i) => ev.opportunityStageChanged(i as never),
    fields: [
      { name: 'id', valid: id, bad: idBad },
      { name: 'from', valid: stage, bad: nameBad },
      { name: 'to', valid: stage, bad: nameBad },
      { name: 'value', valid: amount, bad: amountBad },
      { name: 'currency', valid: opt(currency), bad: optionalNameBad },
    ],
  },
  {
    event: 'crm.opportunity.closed',
    call: (ev, i) => ev.opportunityClosed(i as never),
    fields: [
      { name: 'id', valid: id, bad: idBad },
      { name: 'outcome', valid: fc.constantFrom('won', 'lost', ' Won '), bad: outcomeBad },
      { name: 'value', valid: amount, bad: amountBad },
      { name: 'currency', valid: opt(currency), bad: optionalNameBad },
    ],
  },
  {
    event: 'crm.sync.completed',
    call: (ev, i) => ev.syncCompleted(i as never),
    fields: [
      { name: 'source', valid: source, bad: nameBad },
      // processed is always >= successful + failed when all three are valid
      { name: 'processed', valid: fc.integer({ min: 200, max: 1_000_000 }), bad: countBad },
      { name: 'successful', valid: fc.integer({ min: 0, max: 99 }), bad: countBad },
      { name: 'failed', valid: fc.integer({ min: 0, max: 99 }), bad: countBad },
      { name: 'durationMs', valid: amount, bad: amountBad },
    ],
  },
  {
    event: 'crm.operation.failed',
    call: (ev, i) => ev.operationFailed(i as never),
    fields: [
      { name: 'operation', valid: fc.constantFrom('lead_sync', 'email_send', 'unheard_of'), bad: nameBad },
      { name: 'error', valid: fc.constantFrom<unknown>(new Error('e'), 'text', Object.assign(new Error('x'), { code: 'ETIMEDOUT' })), bad: [[undefined, 'missing_field'], [null, 'missing_field']] },
      { name: 'context', valid: opt(fc.constant({ leadId: 'L-1', email: 'a@b.example' })), bad: contextBad },
      { name: 'errorType', valid: opt(fc.constantFrom('Quota', 'Auth')), bad: optionalNameBad },
    ],
  },
];

const notAnObject: Bad[] = [[null, 'invalid_input'], [undefined, 'invalid_input'], [42, 'invalid_input'], ['lead', 'invalid_input'], [[{ id: 1 }], 'invalid_input']];

interface Case {
  model: EventModel;
  input: unknown;
  reasons: RejectionReason[];
}

/** An input for `model` with at least one bad field; `reasons` lists the expected rejections. */
function badCase(model: EventModel): fc.Arbitrary<Case> {
  const valid = fc.tuple(...model.fields.map((f) => f.valid));
  const badChoice = fc.tuple(...model.fields.map((f) => fc.nat(f.bad.length - 1)));
  const which = fc.subarray(model.fields.map((_, i) => i), { minLength: 1 });
  const object = fc.tuple(valid, badChoice, which).map(([values, choice, bad]) => {
    const input: Record<string, unknown> = {};
    const reasons: RejectionReason[] = [];
    model.fields.forEach((f, i) => {
      if (bad.includes(i)) {
        const [value, reason] = f.bad[choice[i]!]!;
        input[f.name] = value;
        reasons.push(reason);
      } else if (values[i] !== undefined) {
        input[f.name] = values[i];
      }
    });
    return { model, input, reasons };
  });
  const whole = fc.constantFrom(...notAnObject).map(([value, reason]) => ({ model, input: value, reasons: [reason] }));
  return fc.oneof({ arbitrary: object, weight: 9 }, { arbitrary: whole, weight: 1 });
}

describe('default mode', () => {
  test('10,000 random bad inputs: zero throws, exact rejection counts, one warning per event and reason', async () => {
    const { ev, warnings } = events();
    const expected = new Map<string, number>();
    let calls = 0;
    const tracer = trace.getTracer('property');
    fc.assert(
      fc.property(fc.oneof(...MODELS.map(badCase)), fc.boolean(), ({ model, input, reasons }, inSpan) => {
        const run = () => model.call(ev, input); // must not throw: fast-check reports the input if it does
        if (inSpan) tracer.startActiveSpan('op', (span) => (run(), span.end()));
        else run();
        calls++;
        for (const r of reasons) expected.set(`${model.event}|${r}`, (expected.get(`${model.event}|${r}`) ?? 0) + 1);
      }),
      { numRuns: 10_000, seed: 20261125 },
    );
    assert.equal(calls, 10_000);
    const actual = await counter('business_events_rejected_total', ['event', 'reason']);
    assert.deepEqual(new Map([...actual].sort()), new Map([...expected].sort()));
    for (const key of expected.keys()) {
      const [event, reason] = key.split('|');
      const n = warnings.filter((w) => w.includes(`(reason ${reason};`) && w.includes(`rejections of ${event} `)).length;
      assert.equal(n, 1, `one warning for ${key}`);
    }
    assert.ok(expected.size > 40, `the generator covers many (event, reason) pairs: ${expected.size}`);
  });

  test('the valid part of a bad input is still recorded', async () => {
    const { ev } = events();
    ev.leadCreated({ id: 'L-1', source: 'apollo', score: Number.NaN });
    ev.opportunityCreated({ id: '', value: 30_000, currency: 'USD', stage: 'proposal', probability: 7 });
    ev.opportunityClosed({ id: 'O-1', outcome: 'maybe' as never, value: 10 });
    ev.syncCompleted({ source: 'halopsa', processed: 5, successful: 4, failed: 3, durationMs: 100 });
    assert.deepEqual(Object.fromEntries(await counter('leads_created_total', ['source', 'score_range'])), { 'apollo|unknown': 1 });
    assert.deepEqual(Object.fromEntries(await counter('opportunities_created_total', ['value_range', 'stage'])), { '25k-50k|proposal': 1 });
    assert.deepEqual(Object.fromEntries(await counter('opportunities_closed_total', ['outcome', 'currency'])), { 'unknown|USD': 1 });
    // successful + failed > processed: the record outcomes are counted, `skipped` is not derived
    assert.deepEqual(Object.fromEntries(await counter('lead_sync_total', ['status'])), { success: 4, failed: 3 });
    assert.deepEqual(Object.fromEntries(await counter('business_events_rejected_total', ['event', 'reason'])), {
      'crm.lead.created|not_finite': 1,
      'crm.opportunity.created|missing_field': 1,
      'crm.opportunity.created|out_of_range': 1,
      'crm.opportunity.closed|unknown_outcome': 1,
      'crm.sync.completed|out_of_range': 1,
    });
    const lead = logRecords.getFinishedLogRecords()[0];
    assert.deepEqual(lead?.attributes['crm.event.rejected_fields'], ['score']);
  });
});

describe('strict mode', () => {
  const strictCases: [string, (ev: BusinessEvents) => void, string][] = [
    ['score', (ev) => ev.leadCreated({ id: 'L-1', source: 'web', score: 150 }), '@crm/business-events leadCreated: field "score" is 150; accepted: a finite number from 0 to 100'],
    ['id', (ev) => ev.leadCreated({ source: 'web' } as never), '@crm/business-events leadCreated: field "id" is undefined (missing); accepted: a non-empty string or a non-negative safe integer'],
    ['value', (ev) => ev.opportunityCreated({ id: 'O-1', value: Number.NaN, currency: 'USD', stage: 'demo' }), '@crm/business-events opportunityCreated: field "value" is NaN; accepted: a finite number >= 0'],
    ['probability', (ev) => ev.opportunityCreated({ id: 'O-1', value: 1, currency: 'USD', stage: 'demo', probability: 1.2 }), '@crm/business-events opportunityCreated: field "probability" is 1.2; accepted: a finite number from 0 to 1'],
    ['outcome', (ev) => ev.opportunityClosed({ id: 'O-1', outcome: 'maybe' as never, value: 1 }), '@crm/business-events opportunityClosed: field "outcome" is "maybe" (string); accepted: "won" or "lost"'],
    ['failed', (ev) => ev.syncCompleted({ source: 'apollo', processed: 3, successful: 1, failed: -2, durationMs: 5 }), '@crm/business-events syncCompleted: field "failed" is -2; accepted: a non-negative integer'],
    ['processed', (ev) => ev.syncCompleted({ source: 'apollo', processed: 3, successful: 3, failed: 2, durationMs: 5 }), '@crm/business-events syncCompleted: field "processed" is 3; accepted: at least successful + failed (5)'],
    ['source', (ev) => ev.leadCreated({ id: 'L-1', source: 42 as never }), '@crm/business-events leadCreated: field "source" is 42; accepted: a non-empty string (values outside the allow-list are recorded as "other")'],
    ['input', (ev) => ev.operationFailed(null as never), '@crm/business-events operationFailed: field "input" is null; accepted: an object such as { operation, error, context }'],
  ];
  for (const [field, call, message] of strictCases) {
    test(`a bad ${field} throws a TypeError naming the field, the value and what is accepted`, () => {
      const { ev } = events({ strict: true });
      assert.throws(() => call(ev), (err: unknown) => err instanceof TypeError && err.message === message);
    });
  }

  test('sensitive values are not repeated in the error message', () => {
    const { ev } = events({ strict: true });
    assert.throws(
      () => ev.leadCreated({ id: 'L-1', source: 'web', email: { address: 'jane@acme.example' } as never }),
      (err: unknown) => err instanceof TypeError && err.message === '@crm/business-events leadCreated: field "email" is an object; accepted: a string',
    );
  });

  test('CRM_EVENTS_STRICT=true turns strict mode on; the option wins over the variable; nothing but the rejection is recorded', async () => {
    const { ev } = events({ env: { CRM_EVENTS_STRICT: 'true' } });
    assert.throws(() => ev.leadCreated({ id: 'L-1', source: 'web', score: -1 }), TypeError);
    assert.deepEqual(Object.fromEntries(await counter('leads_created_total', ['source'])), {});
    assert.deepEqual(Object.fromEntries(await counter('business_events_rejected_total', ['event', 'reason'])), { 'crm.lead.created|negative': 1 });
    const lenient = events({ strict: false, env: { CRM_EVENTS_STRICT: 'true' } }).ev;
    assert.doesNotThrow(() => lenient.leadCreated({ id: 'L-1', source: 'web', score: -1 }));
  });

  test('a bad CRM_EVENTS_STRICT value is named in a warning and strict mode stays off', () => {
    const { ev, warnings } = events({ env: { CRM_EVENTS_STRICT: 'sometimes' } });
    assert.deepEqual(warnings, ['@crm/business-events: CRM_EVENTS_STRICT is "sometimes"; accepted: true, false, 1, 0, yes, no; using false']);
    assert.doesNotThrow(() => ev.leadCreated({ id: 'L-1', source: 'web', score: -1 }));
  });

  test('bad options throw in strict mode and warn otherwise', () => {
    assert.throws(() => createBusinessEvents({ strict: true, sources: 'halopsa' as never }), /option sources is "halopsa"; accepted: an array of non-empty strings/);
    const { warnings } = events({ pii: { email: 'clear' as never } });
    assert.deepEqual(warnings, ['@crm/business-events: option pii.email is "clear"; accepted: hash, drop; using hash']);
  });
});

describe('a failing SDK never reaches the caller', () => {
  test('a MeterProvider that throws and a span whose addEvent throws', () => {
    for (const strict of [false, true]) {
      metrics.disable();
      const broken: ApiMeterProvider = {
        getMeter() {
          throw new Error('meter provider is broken');
        },
      };
      metrics.setGlobalMeterProvider(broken);
      const { ev, warnings } = events({ strict });
      const span = trace.getTracer('t').startSpan('s');
      span.addEvent = () => {
        throw new Error('addEvent is broken');
      };
      context.with(trace.setSpan(context.active(), span), () => {
        assert.doesNotThrow(() => ev.leadCreated({ id: 'L-1', source: 'web', score: 10 }));
        assert.doesNotThrow(() => ev.operationFailed({ operation: 'lead_sync', error: new Error('x') }));
      });
      assert.ok(warnings.some((w) => w.includes('the OpenTelemetry SDK failed while recording crm.lead.created (meter provider is broken)')), warnings.join('\n'));
      // and a validation error in strict mode is still a TypeError, not the SDK's error
      if (strict) assert.throws(() => ev.leadCreated({ id: 'L-1', source: 'web', score: 101 }), TypeError);
    }
  });

  test('a log record processor that throws', () => {
    logs.disable();
    logs.setGlobalLoggerProvider(
      new LoggerProvider({
        processors: [
          {
            onEmit() {
              throw new Error('processor is broken');
            },
            forceFlush: async () => {},
            shutdown: async () => {},
          },
        ],
      }),
    );
    const { ev, warnings } = events();
    assert.doesNotThrow(() => ev.syncCompleted({ source: 'halopsa', processed: 1, successful: 1, failed: 0, durationMs: 1 }));
    assert.ok(warnings.some((w) => w.includes('processor is broken')));
  });
});
