// The CRM's client for the enrichment service: one HTTP call per new lead, so that the lead's
// trace continues into the second service (the preload flag propagates the trace context).
import type { CompanyProfile } from './store.js';

export class EnrichmentError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
    this.name = 'EnrichmentError';
  }
}

export class EnrichmentClient {
  constructor(
    private readonly baseUrl: string,
    private readonly apiKey: string,
    private readonly timeoutMs = 2000,
  ) {}

  async lookup(domain: string): Promise<CompanyProfile> {
    let res: Response;
    try {
      res = await fetch(`${this.baseUrl}/v1/companies/${encodeURIComponent(domain)}`, {
        headers: { 'x-api-key': this.apiKey, accept: 'application/json' },
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause;
      throw new EnrichmentError(`enrichment service unreachable: ${(error as Error).message}`, cause?.code ?? 'ENRICHMENT_UNREACHABLE');
    }
    if (!res.ok) {
      await res.body?.cancel();
      throw new EnrichmentError(`enrichment lookup for ${domain} failed with HTTP ${res.status}`, `HTTP_${res.status}`);
    }
    return (await res.json()) as CompanyProfile;
  }

  /** True when the enrichment service answers its health check (used by /ready). */
  async healthy(): Promise<boolean> {
    try {
      const res = await fetch(`${this.baseUrl}/health`, { signal: AbortSignal.timeout(1000) });
      await res.body?.cancel();
      return res.ok;
    } catch {
      return false;
    }
  }
}
