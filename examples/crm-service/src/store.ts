// In-memory CRM records: leads, prospects and opportunities, the most recent MAX_RECORDS of each.
// Enough for a demo; a real service would use a database (whose client the preload flag would instrument too).
import { randomUUID } from 'node:crypto';

export type LeadStatus = 'new' | 'converted';
export type Outcome = 'won' | 'lost';

export interface Lead {
  id: string;
  name: string;
  email: string;
  company: string;
  source: string;
  score: number;
  status: LeadStatus;
  prospectId?: string;
  enrichment?: CompanyProfile;
  createdAt: string;
}

export interface Prospect {
  id: string;
  leadId: string;
  name: string;
  company: string;
  source: string;
  createdAt: string;
}

export interface Opportunity {
  id: string;
  prospectId?: string;
  name: string;
  value: number;
  currency: string;
  stage: string;
  probability: number;
  expectedCloseDate?: string;
  outcome?: Outcome;
  createdAt: string;
  updatedAt: string;
}

export interface CompanyProfile {
  domain: string;
  industry: string;
  employees: number;
  score: number;
}

/** Short random ids with a readable prefix: L-3f2a9c1d... */
export function newId(prefix: string): string {
  return `${prefix}-${randomUUID().replace(/-/g, '').slice(0, 16)}`;
}

/** A Map that forgets its oldest entries beyond `max`: the demo's memory stays flat under load. */
export class BoundedMap<K, V> extends Map<K, V> {
  constructor(private readonly max: number) {
    super();
  }

  override set(key: K, value: V): this {
    super.set(key, value);
    if (this.size > this.max) {
      const oldest = this.keys().next();
      if (!oldest.done) this.delete(oldest.value);
    }
    return this;
  }
}

/** Records kept per kind; older ones are forgotten (GET answers 404 for them). */
export const MAX_RECORDS = 2000;

export class Store {
  readonly leads = new BoundedMap<string, Lead>(MAX_RECORDS);
  readonly prospects = new BoundedMap<string, Prospect>(MAX_RECORDS);
  readonly opportunities = new BoundedMap<string, Opportunity>(MAX_RECORDS);
  /** Ids of records imported by syncs (a sync skips those it has already seen). */
  readonly synced = new BoundedMap<string, true>(MAX_RECORDS);

  counts(): Record<string, number> {
    return { leads: this.leads.size, prospects: this.prospects.size, opportunities: this.opportunities.size };
  }
}
