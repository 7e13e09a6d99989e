// Resolves options and CRM_EVENTS_* environment variables into one validated configuration.
// Bad values produce one warning naming the setting, the value and what is accepted, and the
// default is used instead (in strict mode they throw a TypeError with the same message).

import { DEFAULT_CURRENCIES, DEFAULT_OPERATIONS, DEFAULT_SOURCES, DEFAULT_STAGES } from './defaults.js';
import { chooseKey } from './pii.js';
import type { BusinessEventsOptions, CompanyPolicy, PiiPolicy } from './types.js';
import { defaultWarnSink } from './warnings.js';
import type { WarnSink } from './warnings.js';

export interface ResolvedConfig {
  strict: boolean;
  sources: readonly string[];
  stages: readonly string[];
  operations: readonly string[];
  currencies: readonly string[];
  defaultCurrency: string;
  maxErrorTypes: number;
  email: PiiPolicy;
  company: CompanyPolicy;
  hashKey: Buffer;
  warn: WarnSink;
}

type Problems = string[];

function parseBool(name: string, raw: string | undefined, problems: Problems): boolean | undefined {
  if (raw === undefined || raw === '') return undefined;
  const v = raw.trim().toLowerCase();
  if (v === 'true' || v === '1' || v === 'yes' || v === 'on') return true;
  if (v === 'false' || v === '0' || v === 'no' || v === 'off') return false;
  problems.push(`${name} is ${JSON.stringify(raw)}; accepted: true, false, 1, 0, yes, no; using false`);
  return undefined;
}

function parseChoice<T extends string>(name: string, raw: unknown, accepted: readonly T[], problems: Problems): T | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (typeof raw === 'string' && (accepted as readonly string[]).includes(raw.trim().toLowerCase())) {
    return raw.trim().toLowerCase() as T;
  }
  problems.push(`${name} is ${JSON.stringify(raw)}; accepted: ${accepted.join(', ')}; using ${accepted[0]}`);
  return undefined;
}

function parseList(name: string, raw: unknown, fallback: readonly string[], problems: Problems): readonly string[] {
  if (raw === undefined) return fallback;
  if (Array.isArray(raw) && raw.every((v) => typeof v === 'string' && v.trim().length > 0)) return raw as string[];
  problems.push(`option ${name} is ${JSON.stringify(raw)}; accepted: an array of non-empty strings; using the defaults`);
  return fallback;
}

export function resolveConfig(options: BusinessEventsOptions = {}): ResolvedConfig {
  const env = options.env ?? process.env;
  const problems: Problems = [];
  const warn = typeof options.onWarning === 'function' ? options.onWarning : defaultWarnSink;

  let strict = false;
  if (options.strict !== undefined) {
    if (typeof options.strict === 'boolean') strict = options.strict;
    else problems.push(`option strict is ${JSON.stringify(options.strict)}; accepted: true or false; using false`);
  } else {
    strict = parseBool('CRM_EVENTS_STRICT', env.CRM_EVENTS_STRICT, problems) ?? false;
  }

  const email =
    parseChoice<PiiPolicy>('option pii.email', options.pii?.email, ['hash', 'drop'], problems) ??
    parseChoice<PiiPolicy>('CRM_EVENTS_EMAIL', env.CRM_EVENTS_EMAIL, ['hash', 'drop'], problems) ??
    'hash';
  const company =
    parseChoice<CompanyPolicy>('option pii.company', options.pii?.company, ['hash', 'drop', 'keep'], problems) ??
    parseChoice<CompanyPolicy>('CRM_EVENTS_COMPANY', env.CRM_EVENTS_COMPANY, ['hash', 'drop', 'keep'], problems) ??
    'hash';

  let hashKeyOption: string | undefined;
  if (options.pii?.hashKey !== undefined) {
    if (typeof options.pii.hashKey === 'string') hashKeyOption = options.pii.hashKey;
    else problems.push('option pii.hashKey is not a string; accepted: a string of at least 16 characters; using CRM_EVENTS_HASH_KEY or a random key');
  }
  const key = chooseKey(hashKeyOption, env.CRM_EVENTS_HASH_KEY);
  if (key.problem) problems.push(key.problem.replace(/^@crm\/business-events: /, ''));

  let defaultCurrency = 'USD';
  if (options.defaultCurrency !== undefined) {
    if (typeof options.defaultCurrency === 'string' && /^[A-Za-z]{3}$/.test(options.defaultCurrency.trim())) {
      defaultCurrency = options.defaultCurrency.trim().toUpperCase();
    } else {
      problems.push(`option defaultCurrency is ${JSON.stringify(options.defaultCurrency)}; accepted: a 3-letter ISO 4217 code; using USD`);
    }
  }

  let maxErrorTypes = 50;
  if (options.maxErrorTypes !== undefined) {
    const m = options.maxErrorTypes;
    if (typeof m === 'number' && Number.isInteger(m) && m >= 0 && m <= 1000) maxErrorTypes = m;
    else problems.push(`option maxErrorTypes is ${JSON.stringify(m)}; accepted: an integer from 0 to 1000; using 50`);
  }

  const config: ResolvedConfig = {
    strict,
    sources: parseList('sources', options.sources, DEFAULT_SOURCES, problems),
    stages: parseList('stages', options.stages, DEFAULT_STAGES, problems),
    operations: parseList('operations', options.operations, DEFAULT_OPERATIONS, problems),
    currencies: parseList('currencies', options.currencies, DEFAULT_CURRENCIES, problems),
    defaultCurrency,
    maxErrorTypes,
    email,
    company,
    hashKey: key.key,
    warn,
  };

  for (const problem of problems) {
    const message = `@crm/business-events: ${problem}`;
    if (strict) throw new TypeError(message);
    try {
      warn(message);
    } catch {
      // never let a warning sink fail the caller
    }
  }
  return config;
}
