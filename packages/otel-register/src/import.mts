// node --import @crm/otel-register app.mjs
//
// ESM apps: register the import-in-the-middle loader hook for the modules our
// instrumentations patch, start the SDK, and wait until the loader knows them.
import { createRequire, register } from 'node:module';

const require = createRequire(import.meta.url);
const { isDisabled } = require('./disabled.js') as typeof import('./disabled.js');

if (!isDisabled(process.env)) {
  const iitm = require('import-in-the-middle') as typeof import('import-in-the-middle');
  // Only modules that an instrumentation hooks go through the loader.
  const { registerOptions, waitForAllMessagesAcknowledged } = iitm.createAddHookMessageChannel();
  register('import-in-the-middle/hook.mjs', import.meta.url, registerOptions);
  const { loadSdk, saveCompileCache } = require('./sdk-loader.js') as typeof import('./sdk-loader.js');
  loadSdk().startSdk({ esm: true, installSignalHandlers: true });
  saveCompileCache();
  await waitForAllMessagesAcknowledged();
}
