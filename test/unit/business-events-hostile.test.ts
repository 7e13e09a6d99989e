// Issue 10, point 6: the event functions never throw in default mode, whatever they are given:
// Proxies whose traps throw, revoked Proxies and throwing getters, as the input object, as a
// field value, as the context object and nested in it. What cannot be read is counted in
// business_events_rejected_total{reason="unreadable"} (an object where a string or number is
// expected stays `wrong_type`), the rest is recorded; strict mode throws our TypeError, never
// the Proxy's error; no message repeats the Proxy's error.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { counterValues } from '../support/capture.ts';
import { useInMemorySdk } from '../support/sdk.ts';
import fc from 'fast-check';
import { trace } from '@opentelemetry/api';
import * as events from '@crm/business-events';
import type { BusinessEventName, BusinessEvents, BusinessEventsOptions } from '@crm/business-events';

/** In every error a hostile object throws: no warning, message or record may repeat it. */
const MARK = 'HOSTILE-TRAP-MESSAGE';

const sdk = useInMemorySdk({ spanLimits: { eventCountLimit: 1_000_000 } });
const { spans, records: logRecords } = sdk;

const counter = (name: string, labels: string[]): Promise<Map<string, number>> => counterValues(sdk.reader, name, labels);

// ---- hostile objects --------------------------------------------------------------------------

const TRAPS = ['get', 'has', 'ownKeys', 'getOwnPropertyDescriptor', 'getPrototypeOf'] as const;
type Kind = (typeof TRAPS)[number] | 'revoked' | 'getter';
const KINDS: readonly Kind[] = [...TRAPS, 'revoked', 'getter'];

/** `target` behind a Proxy whose `kind` trap throws, a revoked Proxy, or an object whose every property is a throwing getter. */
function hostile(kind: Kind, target: Record<string, unknown>): object {
  if (kind === 'revoked') {
    const { proxy, revoke } = Proxy.revocable(target, {});
    revoke();
    return proxy;
  }
  if (kind === 'getter') {
    const o = {};
    for (const key of Object.keys(target)) {
      Object.defineProperty(o, key, {
        enumerable: true,
        get() {
          throw new Error(`${MARK} getter ${key}`);
        },
      });
    }
    return o;
  }
  return new Proxy(target, {
    [kind]() {
      throw new Error(`${MARK} ${kind} trap`);
    },
  });
}

// What reading needs, and so which kinds make a value unreadable:
// - a field of the input object: [[Get]];
// - a thrown value (operationFailed's `error`): its code and name ([[Get]]) and whether it is an Error ([[GetPrototypeOf]]);
// - the context object: its keys ([[OwnPropertyKeys]], [[GetOwnProperty]]) and values ([[Get]]);
// - a value nested in the context, walked by @crm/redact: all of those and its prototype (Date, Uint8Array).
// No reading uses [[HasProperty]], so a Proxy whose `has` trap throws reads like its target.
const GET_THROWS: ReadonlySet<Kind> = new Set(['get', 'revoked', 'getter']);
const ERROR_THROWS: ReadonlySet<Kind> = new Set(['get', 'getPrototypeOf', 'revoked', 'getter']);
const CONTEXT_THROWS: ReadonlySet<Kind> = new Set(['get', 'ownKeys', 'getOwnPropertyDescriptor', 'revoked', 'getter']);
const NESTED_THROWS: ReadonlySet<Kind> = new Set(['get', 'ownKeys', 'getOwnPropertyDescriptor', 'getPrototypeOf', 'revoked', 'getter']);

/** The target of hostile field values: an error-like object, so each getter and trap is reached. */
const FIELD_TARGET = { code: 'E_HOSTILE', name: 'HostileError', message: 'hostile', note: 'x' };

interface Model {
  event: BusinessEventName;
  method: keyof BusinessEvents;
  /** A valid input with every field set: the target of hostile inputs. */
  valid: () => Record<string, unknown>;
}

const MODELS: Model[] = [
  { event: 'crm.lead.created', method: 'leadCreated', valid: () => ({ id: 'L-1', source: 'halopsa', score: 50, email: 'lead@acme.example', company: 'Acme' }) },
  { event: 'crm.lead.converted', method: 'leadConverted', valid: () => ({ leadId: 'L-1', prospectId: 'P-1', source: 'apollo' }) },
  {
    event: 'crm.opportunity.created',
    method: 'opportunityCreated',
    valid: () => ({ id: 'O-1', value: 30_000, currency: 'USD', probability: 0.5, expectedCloseDate: '2026-12-31', stage: 'proposal' }),
  },
  { event: 'crm.opportunity.stage_changed', method: 'opportunityStageChanged', valid: () => ({ id: 'O-1', from: 'demo', to: 'proposal', value: 10, currency: 'EUR' }) },
  { event: 'crm.opportunity.closed', method: 'opportunityClosed', valid: () => ({ id: 'O-1', outcome: 'won', value: 10, currency: 'USD' }) },
  { event: 'crm.sync.completed', method: 'syncCompleted', valid: () => ({ source: 'halopsa', processed: 10, successful: 8, failed: 1, durationMs: 100 }) },
  {
    event: 'crm.operation.failed',
    method: 'operationFailed',
    valid: () => ({ operation: 'lead_sync', error: new Error('boom'), errorType: 'Quota', context: { leadId: 'L-1', attempt: 2 } }),
  },
];

type Position = { at: 'input' } | { at: 'field'; field: string } | { at: 'nested' };

interface Case {
  model: Model;
  kind: Kind;
  position: Position;
  input: unknown;
  /** Expected rejections as `reason` -> count. */
  expected: Map<string, number>;
}

function rejections(reason: string, n: number): Map<string, number> {
  return n > 0 ? new Map([[reason, n]]) : new Map();
}

/** One hostile object in one position of one event's input, with the rejections it must cause. */
function makeCase(model: Model, kind: Kind, position: Position): Case {
  const valid = model.valid();
  const fields = Object.keys(valid);
  if (position.at === 'input') {
    return { model, kind, position, input: hostile(kind, valid), expected: rejections('unreadable', GET_THROWS.has(kind) ? fields.length : 0) };
  }
  if (position.at === 'nested') {
    const input = { ...valid, context: { leadId: 'L-1', nested: hostile(kind, { ...FIELD_TARGET }) } };
    return { model, kind, position, input, expected: rejections('unreadable', NESTED_THROWS.has(kind) ? 1 : 0) };
  }
  const input = { ...valid, [position.field]: hostile(kind, { ...FIELD_TARGET }) };
  let expected: Map<string, number>;
  if (position.field === 'error') expected = rejections('unreadable', ERROR_THROWS.has(kind) ? 1 : 0);
  else if (position.field === 'context') expected = rejections('unreadable', CONTEXT_THROWS.has(kind) ? 1 : 0);
  else expected = rejections('wrong_type', 1); // an object where a string, number or date is expected
  return { model, kind, position, input, expected };
}

/** Every event x every position (the input, each field, a value nested in the context) x every kind. */
function allCases(): Case[] {
  const cases: Case[] = [];
  for (const model of MODELS) {
    const positions: Position[] = [{ at: 'input' }, ...Object.keys(model.valid()).map((field): Position => ({ at: 'field', field }))];
    if (model.method === 'operationFailed') positions.push({ at: 'nested' });
    for (const position of positions) for (const kind of KINDS) cases.push(makeCase(model, kind, position));
  }
  return cases;
}

function label(c: Case): string {
  const where = c.position.at === 'field' ? `field ${c.position.field}` : c.position.at;
  return `${c.model.method}, ${c.kind} as ${where}`;
}

function call(ev: BusinessEvents, c: Case): void {
  (ev[c.model.method] as (input: unknown) => void)(c.input);
}

function expectedTotals(cases: Case[], times = 1): Map<string, number> {
  const totals = new Map<string, number>();
  for (const c of cases) for (const [reason, n] of c.expected) totals.set(`${c.model.event}|${reason}`, (totals.get(`${c.model.event}|${reason}`) ?? 0) + n * times);
  return totals;
}

function sortedEntries(m: Map<string, number>): [string, number][] {
  return [...m].sort(([a], [b]) => a.localeCompare(b));
}

/** Calls every case (half of them inside a recording span); returns the labels of the calls that threw. */
function runAll(ev: BusinessEvents, cases: Case[]): string[] {
  const threw: string[] = [];
  const tracer = trace.getTracer('hostile');
  cases.forEach((c, i) => {
    const run = () => {
      try {
        call(ev, c);
      } catch (err) {
        threw.push(`${label(c)}: ${err instanceof Error ? err.message : String(err)}`);
      }
    };
    if (i % 2 === 0) tracer.startActiveSpan('op', (span) => (run(), span.end()));
    else run();
  });
  return threw;
}

function assertNoLeakOfTheTrap(warnings: string[]): void {
  for (const w of warnings) assert.ok(!w.includes(MARK), `a warning repeats the Proxy's error: ${w}`);
  assert.deepEqual(
    warnings.filter((w) => w.includes('failed while recording')),
    [],
    'bad input is not reported as an SDK failure',
  );
  const exported = JSON.stringify([logRecords.getFinishedLogRecords().map((r) => [r.body, r.attributes]), spans.getFinishedSpans().map((s) => s.events)]);
  assert.ok(!exported.includes(MARK), 'no record carries the Proxy error');
}

describe('default mode: hostile input never throws', () => {
  const cases = allCases();

  test(`every event, position and kind (${cases.length} calls): zero throws, exact rejected counts`, async () => {
    const warnings: string[] = [];
    const ev = events.createBusinessEvents({ env: {}, onWarning: (m) => warnings.push(m) });
    const threw = runAll(ev, cases);
    assert.equal(threw.length, 0, `${threw.length} of ${cases.length} calls threw:\n${threw.slice(0, 20).join('\n')}`);
    const actual = await counter('business_events_rejected_total', ['event', 'reason']);
    assert.deepEqual(sortedEntries(actual), sortedEntries(expectedTotals(cases)));
    assertNoLeakOfTheTrap(warnings);
    // the generator reaches every event and both reasons hostile values cause
    assert.equal(new Set([...actual.keys()].map((k) => k.split('|')[0])).size, MODELS.length);
    assert.ok(actual.has('crm.operation.failed|unreadable') && actual.has('crm.lead.created|wrong_type'));
  });

  test('the module-level functions (configure(), businessEvents.*) behave the same', async () => {
    const warnings: string[] = [];
    events.configure({ env: {}, onWarning: (m) => warnings.push(m) });
    try {
      const threw = runAll(events.businessEvents, cases);
      assert.equal(threw.length, 0, `${threw.length} of ${cases.length} calls threw:\n${threw.slice(0, 20).join('\n')}`);
      const actual = await counter('business_events_rejected_total', ['event', 'reason']);
      assert.deepEqual(sortedEntries(actual), sortedEntries(expectedTotals(cases)));
      assertNoLeakOfTheTrap(warnings);
    } finally {
      events.configure({ env: {} });
    }
  });

  test('random mixes of hostile and valid fields (2,000 calls): zero throws, exact counts', async () => {
    const warnings: string[] = [];
    const ev = events.createBusinessEvents({ env: {}, onWarning: (m) => warnings.push(m) });
    const expected = new Map<string, number>();
    const mixed = fc.constantFrom(...MODELS).chain((model) => {
      const fields = Object.keys(model.valid());
      return fc.tuple(fc.constant(model), fc.array(fc.option(fc.constantFrom(...KINDS), { nil: undefined }), { minLength: fields.length, maxLength: fields.length }));
    });
    fc.assert(
      fc.property(mixed, ([model, kinds]) => {
        const input = model.valid();
        const fields = Object.keys(input);
        fields.forEach((field, i) => {
          const kind = kinds[i];
          if (kind === undefined) return;
          const c = makeCase(model, kind, { at: 'field', field });
          input[field] = (c.input as Record<string, unknown>)[field];
          for (const [reason, n] of c.expected) expected.set(`${model.event}|${reason}`, (expected.get(`${model.event}|${reason}`) ?? 0) + n);
        });
        (ev[model.method] as (input: unknown) => void)(input); // must not throw: fast-check reports the input if it does
      }),
      { numRuns: 2_000, seed: 20261210 },
    );
    const actual = await counter('business_events_rejected_total', ['event', 'reason']);
    assert.deepEqual(sortedEntries(actual), sortedEntries(expected));
    assertNoLeakOfTheTrap(warnings);
  });

  test('what can be read is still recorded, and the log record names the unreadable fields', async () => {
    const warnings: string[] = [];
    const ev = events.createBusinessEvents({ env: {}, onWarning: (m) => warnings.push(m) });
    const lead = { id: 'L-7', source: 'apollo', score: 30 };
    Object.defineProperty(lead, 'company', {
      enumerable: true,
      get() {
        throw new Error(MARK);
      },
    });
    ev.leadCreated(lead);
    ev.operationFailed({ operation: 'lead_sync', error: new Error('timeout'), context: { leadId: 'L-7', broken: hostile('get', { a: 1 }), attempt: 3 } });
    const counts = await counter('leads_created_total', ['source', 'score_range']);
    assert.deepEqual(Object.fromEntries(counts), { 'apollo|medium-low': 1 });
    const errors = await counter('business_operation_errors_total', ['operation', 'error_type']);
    assert.deepEqual(Object.fromEntries(errors), { 'lead_sync|Error': 1 });
    const [leadRecord, failRecord] = logRecords.getFinishedLogRecords();
    assert.equal(leadRecord?.attributes['crm.lead.id'], 'L-7');
    assert.deepEqual(leadRecord?.attributes['crm.event.rejected_fields'], ['company']);
    assert.equal(failRecord?.attributes['crm.context.leadId'], 'L-7');
    assert.equal(failRecord?.attributes['crm.context.attempt'], 3);
    assert.equal(failRecord?.attributes['crm.context.broken'], undefined);
    assert.deepEqual(failRecord?.attributes['crm.event.rejected_fields'], ['context']);
    assert.equal(warnings.filter((w) => w.includes('unreadable')).length, 2, warnings.join('\n'));
    assertNoLeakOfTheTrap(warnings);
  });
});

describe('strict mode: our TypeError, never the Proxy error', () => {
  test('every hostile case that is rejected throws a TypeError naming the field; the others do not throw', () => {
    const strict = events.createBusinessEvents({ env: {}, strict: true } satisfies BusinessEventsOptions);
    const wrong: string[] = [];
    for (const c of allCases()) {
      try {
        call(strict, c);
        if (c.expected.size > 0) wrong.push(`${label(c)}: did not throw`);
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        if (c.expected.size === 0) wrong.push(`${label(c)}: threw ${message}`);
        else if (!(err instanceof TypeError) || message.includes(MARK) || !message.startsWith(`@crm/business-events ${c.model.method}: field "`)) {
          wrong.push(`${label(c)}: ${err instanceof Error ? err.name : typeof err}: ${message}`);
        }
      }
    }
    assert.deepEqual(wrong, []);
  });

  test('an unreadable field is named with what is accepted', () => {
    const strict = events.createBusinessEvents({ env: {}, strict: true });
    assert.throws(
      () => strict.leadCreated(hostile('get', { id: 'L-1', source: 'web' }) as never),
      (err: unknown) =>
        err instanceof TypeError &&
        err.message === '@crm/business-events leadCreated: field "id" could not be read (a getter or Proxy trap threw); accepted: a value whose getters and Proxy traps do not throw',
    );
    assert.throws(
      () => strict.operationFailed({ operation: 'lead_sync', error: new Error('x'), context: hostile('ownKeys', { a: 1 }) as never }),
      (err: unknown) => err instanceof TypeError && err.message.startsWith('@crm/business-events operationFailed: field "context" could not be read'),
    );
  });
});
