// Entry of the enrichment service. Run with the preload flag and its own metrics port:
//   OTEL_EXPORTER_PROMETHEUS_PORT=9465 node --require @crm/otel-register dist/enrichment.js
// Settings: ENRICHMENT_HOST, ENRICHMENT_PORT (8081), ENRICHMENT_API_KEY.
import { enrichmentConfig } from './config.js';
import { createEnrichmentApp } from './enrichment-app.js';
import { fail, listen } from './listen.js';
import { createLogger } from './logger.js';

const SERVICE = 'crm-enrichment';

async function main(): Promise<void> {
  const config = enrichmentConfig();
  const log = createLogger(SERVICE);
  await listen(createEnrichmentApp({ apiKey: config.apiKey, log }), config.host, config.port, SERVICE, log);
}

main().catch((error: unknown) => fail(SERVICE, error));
