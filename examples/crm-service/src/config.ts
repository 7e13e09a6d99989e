// Reads the demo services' settings from the environment. A bad value stops the service with
// one line naming the variable, the value and what is accepted.

export class ConfigError extends Error {}

function port(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    throw new ConfigError(`${name}=${JSON.stringify(raw)} is invalid: accepted an integer port from 0 to 65535 (0 picks a free port)`);
  }
  return n;
}

function url(env: NodeJS.ProcessEnv, name: string, fallback: string): string {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  try {
    const u = new URL(raw);
    if (u.protocol === 'http:' || u.protocol === 'https:') return raw.replace(/\/+$/, '');
  } catch {
    // reported below
  }
  throw new ConfigError(`${name}=${JSON.stringify(raw)} is invalid: accepted an http:// or https:// URL such as http://127.0.0.1:8081`);
}

function flag(env: NodeJS.ProcessEnv, name: string): boolean {
  const raw = (env[name] ?? '').trim();
  if (raw === '' || raw === '0' || raw === 'false') return false;
  if (raw === '1' || raw === 'true') return true;
  throw new ConfigError(`${name}=${JSON.stringify(env[name])} is invalid: accepted 1 or true (on), 0, false or unset (off)`);
}

function text(env: NodeJS.ProcessEnv, name: string, fallback: string): string {
  const raw = env[name];
  return raw === undefined || raw.trim() === '' ? fallback : raw.trim();
}

/** Default HTTP ports of the two services (the demo passes its own when stack/stack.env names them). */
export const DEFAULT_CRM_PORT = 8080;
export const DEFAULT_ENRICHMENT_PORT = 8081;
/** Shared secret the CRM sends to the enrichment service in X-Api-Key (a demo value, not a real secret). */
export const DEFAULT_ENRICHMENT_KEY = 'demo-enrichment-key';

export interface CrmConfig {
  host: string;
  port: number;
  enrichmentUrl: string;
  enrichmentKey: string;
  /** CRM_DEMO_CRASH_ROUTE=1: POST /api/debug/crash ends the process with an uncaught exception. */
  crashRoute: boolean;
}

export interface EnrichmentConfig {
  host: string;
  port: number;
  apiKey: string;
}

export function crmConfig(env: NodeJS.ProcessEnv = process.env): CrmConfig {
  return {
    host: text(env, 'CRM_HOST', '127.0.0.1'),
    port: port(env, 'CRM_PORT', DEFAULT_CRM_PORT),
    enrichmentUrl: url(env, 'ENRICHMENT_URL', `http://127.0.0.1:${DEFAULT_ENRICHMENT_PORT}`),
    enrichmentKey: text(env, 'ENRICHMENT_API_KEY', DEFAULT_ENRICHMENT_KEY),
    crashRoute: flag(env, 'CRM_DEMO_CRASH_ROUTE'),
  };
}

export function enrichmentConfig(env: NodeJS.ProcessEnv = process.env): EnrichmentConfig {
  return {
    host: text(env, 'ENRICHMENT_HOST', '127.0.0.1'),
    port: port(env, 'ENRICHMENT_PORT', DEFAULT_ENRICHMENT_PORT),
    apiKey: text(env, 'ENRICHMENT_API_KEY', DEFAULT_ENRICHMENT_KEY),
  };
}
