// Entry of the CRM API. Run with the preload flag:
//   node --require @crm/otel-register dist/server.js
// Settings: CRM_HOST, CRM_PORT (8080), ENRICHMENT_URL (http://127.0.0.1:8081), ENRICHMENT_API_KEY,
// CRM_DEMO_CRASH_ROUTE (unset: off; 1 adds POST /api/debug/crash, which ends the process).
import { crmConfig } from './config.js';
import { createCrmApp } from './crm-app.js';
import { EnrichmentClient } from './enrichment-client.js';
import { fail, listen } from './listen.js';
import { createLogger } from './logger.js';

const SERVICE = 'crm-service';

async function main(): Promise<void> {
  const config = crmConfig();
  const log = createLogger(SERVICE);
  const app = createCrmApp({ enrichment: new EnrichmentClient(config.enrichmentUrl, config.enrichmentKey), log, crashRoute: config.crashRoute });
  await listen(app, config.host, config.port, SERVICE, log);
}

main().catch((error: unknown) => fail(SERVICE, error));
