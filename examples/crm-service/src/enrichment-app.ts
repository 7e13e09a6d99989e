// The enrichment service: looks up a company profile by email domain (industry, size, a lead
// score). The data is derived from the domain so answers are stable; a few domains fail on
// purpose so the CRM's error path can be seen: *.invalid answers 404, fail-*.example 503.
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import express from 'express';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import type { CompanyProfile } from './store.js';

const INDUSTRIES = ['software', 'manufacturing', 'healthcare', 'finance', 'retail', 'logistics', 'education', 'energy'];
const DOMAIN = /^[a-z0-9-]+(\.[a-z0-9-]+)+$/;

export function profileFor(domain: string): CompanyProfile {
  const digest = createHash('sha256').update(domain).digest();
  const employees = 5 + (digest.readUInt32BE(0) % 20_000);
  const industry = INDUSTRIES[digest[4]! % INDUSTRIES.length]!;
  // Bigger companies score higher; the digest adds some spread.
  const score = Math.min(100, Math.round(Math.log10(employees) * 20 + (digest[5]! % 25)));
  return { domain, industry, employees, score };
}

export interface EnrichmentAppOptions {
  apiKey: string;
  log: Logger;
}

export function createEnrichmentApp({ apiKey, log }: EnrichmentAppOptions): express.Express {
  const app = express();
  app.disable('x-powered-by');

  app.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/live', (_req, res) => {
    res.json({ status: 'alive' });
  });
  app.get('/ready', (_req, res) => {
    res.json({ status: 'ready' });
  });
  app.get('/ping', (_req, res) => {
    res.type('text/plain').send('pong');
  });

  app.use('/v1', (req: Request, res: Response, next: NextFunction) => {
    if (req.get('x-api-key') !== apiKey) {
      log.warn({ path: req.path }, 'rejected a lookup without a valid API key');
      res.status(401).json({ error: 'missing or wrong X-Api-Key' });
      return;
    }
    next();
  });

  app.get('/v1/companies/:domain', async (req, res) => {
    const domain = String(req.params['domain'] ?? '').toLowerCase();
    if (!DOMAIN.test(domain)) {
      res.status(400).json({ error: 'the domain must look like example.com' });
      return;
    }
    // A lookup in a third-party data set takes a few milliseconds.
    await sleep(3 + (domain.length % 7));
    if (domain.startsWith('fail-') && domain.endsWith('.example')) {
      log.error({ domain }, 'company data provider unavailable');
      res.status(503).json({ error: 'company data provider unavailable' });
      return;
    }
    if (domain.endsWith('.invalid')) {
      log.info({ domain }, 'no company profile for domain');
      res.status(404).json({ error: `no company profile for ${domain}` });
      return;
    }
    const profile = profileFor(domain);
    log.info({ domain, industry: profile.industry, employees: profile.employees }, 'company profile found');
    res.json(profile);
  });

  app.use((req: Request, res: Response) => {
    res.status(404).json({ error: `no route for ${req.method} ${req.path}` });
  });
  return app;
}
