// In-memory CRM records: leads, prospects and opportunities. Enough for a demo; a real service
// would use a database (whose client the preload flag would instrument too).
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

export class Store {
  readonly leads = new Map<string, Lead>();
  readonly prospects = new Map<string, Prospect>();
  readonly opportunities = new Map<string, Opportunity>();
  /** Ids of records imported by syncs, per source (a sync skips those it has already seen). */
  readonly synced = new Map<string, Set<string>>();

  counts(): Record<string, number> {
    return { leads: this.leads.size, prospects: this.prospects.size, opportunities: this.opportunities.size };
  }
}
