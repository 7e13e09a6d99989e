// Traffic generator for the demo: customer journeys against the CRM API (new lead, conversion,
// opportunity, stage changes, close) and now and then a data sync with some failed records.
import { setTimeout as sleep } from 'node:timers/promises';

const LEAD_SOURCES = ['website', 'referral', 'linkedin', 'email_campaign', 'event', 'partner', 'webinar'];
const SYNC_SOURCES = ['halopsa', 'apollo', 'zoominfo'];
const COMPANIES = ['Acme', 'Globex', 'Initech', 'Umbrella', 'Hooli', 'Stark Industries', 'Wayne Enterprises', 'Soylent'];
const FIRST = ['Ada', 'Grace', 'Alan', 'Linus', 'Margaret', 'Ken', 'Barbara', 'Dennis'];
const CURRENCIES = ['USD', 'USD', 'USD', 'EUR', 'GBP'];
const STAGES = ['qualification', 'proposal', 'negotiation'];

/** What one customer journey did, for the demo's one line per journey. */
export interface JourneyReport {
  /** The lead's id; undefined when its creation failed. */
  leadId?: string;
  source: string;
  /** False when the enrichment lookup failed (the lead is created without a company profile). */
  enriched: boolean;
  /** The steps after the lead, in order: "converted", "opportunity 45,000 USD", "proposal", "won". */
  steps: string[];
  /** The first request that failed, if one did. */
  failed?: { request: string; status: number };
}

export interface SyncReport {
  source: string;
  records: number;
  /** Records the source rejected; undefined when the request failed. */
  failed?: number;
  status: number;
}

export interface TrafficOptions {
  baseUrl: string;
  /** Customer journeys started per second. */
  journeysPerSecond: number;
  /** One sync every this many journeys. */
  syncEvery: number;
  signal: AbortSignal;
  random?: () => number;
  /** Called when a journey ends. */
  onJourney?: (report: JourneyReport) => void;
  /** Called when a sync ends. */
  onSync?: (report: SyncReport) => void;
}

export interface TrafficStats {
  requests: number;
  ok: number;
  clientErrors: number;
  serverErrors: number;
  networkErrors: number;
  journeys: number;
  syncs: number;
}

export function newStats(): TrafficStats {
  return { requests: 0, ok: 0, clientErrors: 0, serverErrors: 0, networkErrors: 0, journeys: 0, syncs: 0 };
}

type Json = Record<string, unknown>;

export class TrafficGenerator {
  readonly stats = newStats();
  private readonly random: () => number;

  constructor(private readonly opts: TrafficOptions) {
    this.random = opts.random ?? Math.random;
  }

  private pick<T>(list: readonly T[]): T {
    return list[Math.floor(this.random() * list.length)]!;
  }

  /** The answer's status (0: no answer) and its JSON when it is 2xx. */
  private async call(method: string, path: string, body?: Json): Promise<{ status: number; json: Json | undefined }> {
    this.stats.requests++;
    try {
      const res = await fetch(`${this.opts.baseUrl}${path}`, {
        method,
        headers: body ? { 'content-type': 'application/json' } : {},
        ...(body ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(10_000),
      });
      const json = (await res.json().catch(() => undefined)) as Json | undefined;
      if (res.ok) this.stats.ok++;
      else if (res.status < 500) this.stats.clientErrors++;
      else this.stats.serverErrors++;
      return { status: res.status, json: res.ok ? json : undefined };
    } catch {
      this.stats.networkErrors++;
      return { status: 0, json: undefined };
    }
  }

  /** One customer journey; each step happens with a probability, as in a real pipeline. */
  async journey(): Promise<void> {
    this.stats.journeys++;
    const first = this.pick(FIRST);
    const company = this.pick(COMPANIES);
    // One lead in twelve has a domain the enrichment provider fails on.
    const domain = this.random() < 1 / 12 ? 'fail-provider.example' : `${company.toLowerCase().replace(/\s+/g, '')}.com`;
    const source = this.pick(LEAD_SOURCES);
    const report: JourneyReport = { source, enriched: false, steps: [] };
    try {
      await this.journeySteps(report, first, company, domain);
    } finally {
      this.opts.onJourney?.(report);
    }
  }

  private async journeySteps(report: JourneyReport, first: string, company: string, domain: string): Promise<void> {
    const step = async (request: string, method: string, path: string, body?: Json): Promise<Json | undefined> => {
      const { status, json } = await this.call(method, path, body);
      if (!json && !report.failed) report.failed = { request, status };
      return json;
    };
    const lead = await step('POST /api/leads', 'POST', '/api/leads', {
      name: `${first} ${company}`,
      email: `${first.toLowerCase()}@${domain}`,
      company,
      source: report.source,
    });
    if (!lead) return;
    report.leadId = String(lead['id']);
    report.enriched = lead['enrichment'] !== undefined;
    if (this.random() > 0.6) return;
    const prospect = await step('convert', 'POST', `/api/leads/${String(lead['id'])}/convert`);
    if (!prospect) return;
    report.steps.push('converted');
    if (this.random() > 0.7) return;
    // Deal values spread over every value_range bucket (0-25k ... 250k+).
    const value = Math.round(Math.exp(8 + this.random() * 5.5));
    const currency = this.pick(CURRENCIES);
    const opp = await step('POST /api/opportunities', 'POST', '/api/opportunities', {
      name: `${company} platform deal`,
      prospectId: prospect['id'],
      value,
      currency,
      probability: Math.round(this.random() * 100) / 100,
      expectedCloseDate: new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10),
    });
    if (!opp) return;
    report.steps.push(`opportunity ${value.toLocaleString('en-US')} ${currency}`);
    const steps = Math.floor(this.random() * 4);
    for (let i = 0; i < steps; i++) {
      if (!(await step('stage', 'PATCH', `/api/opportunities/${String(opp['id'])}/stage`, { stage: STAGES[i] }))) return;
      report.steps.push(STAGES[i]!);
    }
    if (steps >= 2) {
      const outcome = this.random() < 0.45 ? 'won' : 'lost';
      if (await step('close', 'POST', `/api/opportunities/${String(opp['id'])}/close`, { outcome })) report.steps.push(outcome);
    }
  }

  async sync(): Promise<void> {
    this.stats.syncs++;
    const source = this.pick(SYNC_SOURCES);
    const records = 10 + Math.floor(this.random() * 90);
    const { status, json } = await this.call('POST', `/api/sync/${source}`, { records, failureRate: 0.08 });
    this.opts.onSync?.({ source, records, status, ...(json ? { failed: Number(json['failed']) } : {}) });
  }

  /** Runs until the signal aborts; journeys overlap when the service is slow. */
  async run(): Promise<void> {
    const gapMs = 1000 / this.opts.journeysPerSecond;
    const inFlight = new Set<Promise<void>>();
    let n = 0;
    while (!this.opts.signal.aborted) {
      const task = (++n % this.opts.syncEvery === 0 ? this.sync() : this.journey()).finally(() => inFlight.delete(task));
      inFlight.add(task);
      if (n % 10 === 0) void this.call('GET', '/health');
      await sleep(gapMs, undefined, { signal: this.opts.signal }).catch(() => undefined);
    }
    await Promise.allSettled([...inFlight]);
  }
}
