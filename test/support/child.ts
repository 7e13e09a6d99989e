// Transitional: moved to @crm/test-kit. Only files being edited elsewhere while the kit landed
// (test/compat/compat.test.ts, test/compat/databases.ts) still import from here; delete with them.
export { REPO, FIXTURES, freePort, startApp, startListening, fastExportEnv, get, type AppProcess, type StartOptions } from '@crm/test-kit';
