// Writes an EventSpec from names (field keys, label names) instead of indexes, and registers its
// event name. Used by the built-in table and by defineEvent.

import { SeverityNumber } from '@opentelemetry/api';
import { EVENT_NAMES, FIELD_CODE, newSpecId } from './spec.js';
import type { BuiltField, EventSpec, FieldSpec, LabelSource, LogItem, SpanItem } from './spec.js';
import type { Rejector } from './validate.js';

export interface SpecDef {
  name: string;
  method: string;
  severity?: SeverityNumber;
  body: string;
  example: string;
  fields: readonly FieldSpec[];
  derive?: (values: unknown[], r: Rejector) => void;
  /** Label reference -> the field it is read from, its values and its metric label name (`as`, else the reference). */
  labels?: Record<string, { field?: string; source: LabelSource; as?: string }>;
  metrics?: readonly { name: string; kind?: 'counter' | 'histogram'; labels: readonly string[]; value?: string; divide?: number }[];
  /** [attribute, field key, 'id' | 'raw'] or [attribute, label name, 'label']. */
  span?: readonly (readonly [string, string, 'id' | 'raw' | 'label'])[];
  /** [attribute, field key] (a label field needs its label: [attribute, field, label]), [attribute, null, label] for a label value always written; a 4th item true: default currency when absent. */
  log?: readonly (readonly [string, string | null, string?, boolean?])[];
}

function indexOf(names: readonly string[], name: string, what: string, event: string): number {
  const i = names.indexOf(name);
  if (i < 0) throw new Error(`@crm/business-events internal: ${event} refers to unknown ${what} ${name}`);
  return i;
}

export function buildSpec(def: SpecDef): EventSpec {
  const fieldKeys = def.fields.map((f) => f.key);
  const labelEntries = Object.entries(def.labels ?? {});
  const labelNames = labelEntries.map(([name]) => name);
  const field = (key: string): number => indexOf(fieldKeys, key, 'field', def.name);
  const label = (name: string): number => indexOf(labelNames, name, 'label', def.name);
  const span: SpanItem[] = (def.span ?? []).map(([attr, ref, how]) =>
    how === 'label' ? { attr, field: -1, label: label(ref), how } : { attr, field: field(ref), label: -1, how },
  );
  const log: LogItem[] = (def.log ?? []).map(([attr, key, labelName, orDefaultCurrency]) => ({
    attr,
    field: key === null ? undefined : field(key),
    label: labelName === undefined ? undefined : label(labelName),
    orDefaultCurrency: orDefaultCurrency === true,
  }));
  const fields: BuiltField[] = def.fields.map((f) => ({ key: f.key, kind: f.kind, code: FIELD_CODE[f.kind], required: f.required, accepted: f.accepted, rule: f.rule }));
  const spec: EventSpec = {
    id: newSpecId(),
    name: def.name,
    method: def.method,
    severity: def.severity ?? SeverityNumber.INFO,
    body: def.body,
    example: def.example,
    fields,
    derive: def.derive,
    labels: labelEntries.map(([name, l]) => ({ name: l.as ?? name, field: l.field === undefined ? -1 : field(l.field), source: l.source })),
    metrics: (def.metrics ?? []).map((m) => ({
      name: m.name,
      kind: m.kind ?? 'counter',
      labels: m.labels.map(label),
      value: m.value === undefined ? undefined : field(m.value),
      divide: m.divide,
    })),
    span,
    log,
  };
  EVENT_NAMES.add(def.name);
  return spec;
}
