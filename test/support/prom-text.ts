// Transitional: moved to @crm/test-kit (see child.ts here); delete once test/compat imports the kit.
export { parsePrometheusText, scrape, total, type Sample } from '@crm/test-kit';
