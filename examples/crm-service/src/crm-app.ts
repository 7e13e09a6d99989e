// The CRM API: leads, prospects, opportunities and data syncs, in memory. Each business step
// calls @crm/business-events (metric + span event + log record); new leads are enriched by the
// second service over HTTP. No OpenTelemetry set-up here: the preload flag does it.
import express from 'express';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import { businessEvents } from '@crm/business-events';
import { EnrichmentClient, EnrichmentError } from './enrichment-client.js';
import { Store, newId } from './store.js';
import type { Lead, Opportunity, Outcome } from './store.js';
import { SyncRecordRejected, runSync } from './sync.js';
import { BadRequest, bodyOf, email, integer, number, oneOf, optionalText, requiredText } from './validate.js';

/** Open pipeline stages in order; closing goes through POST /api/opportunities/:id/close. */
export const OPEN_STAGES = ['prospecting', 'qualification', 'proposal', 'negotiation'] as const;
const OUTCOMES: readonly Outcome[] = ['won', 'lost'];

class NotFound extends Error {
  readonly status = 404;
}
class Conflict extends Error {
  readonly status = 409;
}

export interface CrmAppOptions {
  store?: Store;
  enrichment: EnrichmentClient;
  log: Logger;
  /** Adds POST /api/debug/crash (CRM_DEMO_CRASH_ROUTE=1); off by default. */
  crashRoute?: boolean;
}

function domainOf(address: string): string {
  return address.slice(address.lastIndexOf('@') + 1).toLowerCase();
}

function param(req: Request, name: string): string {
  const v = req.params[name];
  return typeof v === 'string' ? v : '';
}

export function createCrmApp({ store = new Store(), enrichment, log, crashRoute = false }: CrmAppOptions): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(express.json({ limit: '100kb' }));

  // Access log: one line per API request (health checks excluded).
  app.use('/api', (req, res, next) => {
    const started = performance.now();
    res.on('finish', () => {
      log.info(
        { method: req.method, url: req.originalUrl, status: res.statusCode, durationMs: Math.round(performance.now() - started) },
        'request completed',
      );
    });
    next();
  });

  // ---- health ------------------------------------------------------------------------------
  app.get('/health', (_req, res) => {
    res.json({ status: 'ok', uptimeSeconds: Math.round(process.uptime()), ...store.counts() });
  });
  app.get('/live', (_req, res) => {
    res.json({ status: 'alive' });
  });
  app.get('/ready', async (_req, res) => {
    const enrichmentUp = await enrichment.healthy();
    res.status(enrichmentUp ? 200 : 503).json({ status: enrichmentUp ? 'ready' : 'degraded', enrichment: enrichmentUp ? 'up' : 'down' });
  });
  app.get('/ping', (_req, res) => {
    res.type('text/plain').send('pong');
  });

  // ---- leads -------------------------------------------------------------------------------
  app.post('/api/leads', async (req, res) => {
    const body = bodyOf(req.body);
    const lead: Lead = {
      id: newId('L'),
      name: requiredText(body, 'name'),
      email: email(body, 'email'),
      company: requiredText(body, 'company'),
      source: requiredText(body, 'source', 64).toLowerCase(),
      score: number(body, 'score', 0, 100, -1),
      status: 'new',
      createdAt: new Date().toISOString(),
    };
    try {
      lead.enrichment = await enrichment.lookup(domainOf(lead.email));
      if (lead.score < 0) lead.score = lead.enrichment.score;
    } catch (error) {
      // The lead is still created; its score falls back to a neutral value.
      const code = error instanceof EnrichmentError ? error.code : 'Error';
      log.warn({ leadId: lead.id, err: error }, 'enrichment failed, lead created without company profile');
      businessEvents.operationFailed({ operation: 'lead_enrichment', error, errorType: code, context: { leadId: lead.id } });
    }
    if (lead.score < 0) lead.score = 50;
    store.leads.set(lead.id, lead);
    businessEvents.leadCreated({ id: lead.id, source: lead.source, email: lead.email, company: lead.company, score: lead.score });
    // Logging the contact's email is a common mistake; the preload flag redacts it before export.
    log.info({ leadId: lead.id, source: lead.source, score: lead.score, email: lead.email }, 'lead created');
    res.status(201).json(lead);
  });

  app.get('/api/leads/:id', (req, res) => {
    const lead = store.leads.get(param(req, 'id'));
    if (!lead) throw new NotFound(`lead ${param(req, 'id')} not found`);
    res.json(lead);
  });

  app.post('/api/leads/:id/convert', (req, res) => {
    const lead = store.leads.get(param(req, 'id'));
    if (!lead) throw new NotFound(`lead ${param(req, 'id')} not found`);
    if (lead.status === 'converted') throw new Conflict(`lead ${lead.id} is already converted (prospect ${lead.prospectId})`);
    const prospect = { id: newId('P'), leadId: lead.id, name: lead.name, company: lead.company, source: lead.source, createdAt: new Date().toISOString() };
    store.prospects.set(prospect.id, prospect);
    lead.status = 'converted';
    lead.prospectId = prospect.id;
    businessEvents.leadConverted({ leadId: lead.id, prospectId: prospect.id, source: lead.source });
    log.info({ leadId: lead.id, prospectId: prospect.id }, 'lead converted to prospect');
    res.status(201).json(prospect);
  });

  // ---- opportunities -----------------------------------------------------------------------
  app.post('/api/opportunities', (req, res) => {
    const body = bodyOf(req.body);
    const prospectId = optionalText(body, 'prospectId', 64);
    if (prospectId !== undefined && !store.prospects.has(prospectId)) throw new NotFound(`prospect ${prospectId} not found`);
    const now = new Date().toISOString();
    const opp: Opportunity = {
      id: newId('O'),
      name: requiredText(body, 'name'),
      value: number(body, 'value', 0, 1e12),
      currency: (optionalText(body, 'currency', 3) ?? 'USD').toUpperCase(),
      stage: oneOf(body, 'stage', OPEN_STAGES, 'prospecting'),
      probability: number(body, 'probability', 0, 1, 0.1),
      createdAt: now,
      updatedAt: now,
    };
    if (prospectId !== undefined) opp.prospectId = prospectId;
    const close = optionalText(body, 'expectedCloseDate', 40);
    if (close !== undefined) {
      if (Number.isNaN(Date.parse(close))) throw new BadRequest('field "expectedCloseDate" must be an ISO 8601 date such as 2026-12-31');
      opp.expectedCloseDate = close;
    }
    store.opportunities.set(opp.id, opp);
    businessEvents.opportunityCreated({
      id: opp.id,
      value: opp.value,
      currency: opp.currency,
      stage: opp.stage,
      probability: opp.probability,
      ...(opp.expectedCloseDate ? { expectedCloseDate: opp.expectedCloseDate } : {}),
    });
    log.info({ opportunityId: opp.id, value: opp.value, currency: opp.currency, stage: opp.stage }, 'opportunity created');
    res.status(201).json(opp);
  });

  const openOpportunity = (req: Request): Opportunity => {
    const opp = store.opportunities.get(param(req, 'id'));
    if (!opp) throw new NotFound(`opportunity ${param(req, 'id')} not found`);
    if (opp.outcome) throw new Conflict(`opportunity ${opp.id} is already closed (${opp.outcome})`);
    return opp;
  };

  app.get('/api/opportunities/:id', (req, res) => {
    const opp = store.opportunities.get(param(req, 'id'));
    if (!opp) throw new NotFound(`opportunity ${param(req, 'id')} not found`);
    res.json(opp);
  });

  app.patch('/api/opportunities/:id/stage', (req, res) => {
    const opp = openOpportunity(req);
    const to = oneOf(bodyOf(req.body), 'stage', OPEN_STAGES);
    const from = opp.stage;
    if (from === to) throw new Conflict(`opportunity ${opp.id} is already in stage ${to}`);
    opp.stage = to;
    opp.updatedAt = new Date().toISOString();
    businessEvents.opportunityStageChanged({ id: opp.id, from, to, value: opp.value, currency: opp.currency });
    log.info({ opportunityId: opp.id, from, to }, 'opportunity stage changed');
    res.json(opp);
  });

  app.post('/api/opportunities/:id/close', (req, res) => {
    const opp = openOpportunity(req);
    const outcome = oneOf(bodyOf(req.body), 'outcome', OUTCOMES);
    const from = opp.stage;
    opp.outcome = outcome;
    opp.stage = outcome === 'won' ? 'closed_won' : 'closed_lost';
    opp.updatedAt = new Date().toISOString();
    businessEvents.opportunityStageChanged({ id: opp.id, from, to: opp.stage, value: opp.value, currency: opp.currency });
    businessEvents.opportunityClosed({ id: opp.id, outcome, value: opp.value, currency: opp.currency });
    log.info({ opportunityId: opp.id, outcome, value: opp.value }, 'opportunity closed');
    res.json(opp);
  });

  // ---- data sync ---------------------------------------------------------------------------
  app.post('/api/sync/:source', async (req, res) => {
    const body = req.body === undefined ? {} : bodyOf(req.body);
    const source = param(req, 'source').toLowerCase();
    if (!/^[a-z0-9_]{1,32}$/.test(source)) throw new BadRequest('the sync source must be 1 to 32 characters of a-z, 0-9 and _');
    const records = integer(body, 'records', 0, 10_000, 50);
    const failures = body['failures'] === undefined ? undefined : integer(body, 'failures', 0, records);
    const result = await runSync(store, { source, records, failureRate: number(body, 'failureRate', 0, 1, 0.1), ...(failures !== undefined ? { failures } : {}) });
    businessEvents.syncCompleted({
      source,
      processed: result.processed,
      successful: result.successful,
      failed: result.failed,
      durationMs: result.durationMs,
    });
    if (result.failed > 0) {
      const error = new SyncRecordRejected(`${result.failed} of ${result.processed} records from ${source} were rejected`);
      businessEvents.operationFailed({ operation: 'lead_sync', error, context: { source, failed: result.failed } });
      log.warn({ source, failed: result.failed, processed: result.processed, examples: result.errors }, 'sync finished with failures');
    } else {
      log.info({ source, processed: result.processed }, 'sync finished');
    }
    res.json(result);
  });

  app.get('/api/stats', (_req, res) => {
    res.json(store.counts());
  });

  // ---- a crash on purpose (CRM_DEMO_CRASH_ROUTE=1 only) -------------------------------------
  // A bug where Express's error handling cannot see it: a timer callback of the request reads a
  // missing record. The exception is uncaught and ends the process, as it would in a real service;
  // this shows (and the e2e suite checks) what the preload records before Node ends it.
  if (crashRoute) {
    app.post('/api/debug/crash', (_req, res) => {
      setTimeout(function recalculateForecast() {
        const opp = store.opportunities.get('O-missing') as Opportunity;
        res.json({ forecast: opp.value * opp.probability });
      }, 10);
    });
  }

  // ---- errors ------------------------------------------------------------------------------
  app.use((req: Request, res: Response) => {
    res.status(404).json({ error: `no route for ${req.method} ${req.path}` });
  });
  app.use((error: unknown, req: Request, res: Response, _next: NextFunction) => {
    const status = (error as { status?: unknown }).status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      res.status(status).json({ error: (error as Error).message });
      return;
    }
    log.error({ err: error, method: req.method, url: req.originalUrl }, 'request failed');
    businessEvents.operationFailed({ operation: 'api_request', error, context: { route: req.route?.path ?? req.path } });
    res.status(500).json({ error: 'internal error' });
  });

  return app;
}
