// node --require @crm/otel-register app.js
//
// Starts traces, metrics and logs before the app's first line runs.
// OTEL_SDK_DISABLED=true loads nothing beyond this file and the check it shares with the configuration.
// One SDK per process: worker threads (the app's own, pino transports) inherit the flag but start none.
import { isDisabled } from './disabled';

// Required lazily so that a disabled SDK costs nothing.
if (!isDisabled(process.env) && (require('node:worker_threads') as typeof import('node:worker_threads')).isMainThread) {
  const esmEntry = (require('./esm-entry') as typeof import('./esm-entry')).esmEntryUnderRequire();
  if (esmEntry) (require('./diagnostics') as typeof import('./diagnostics')).warn(esmEntry);
  else {
    const { loadSdk, saveCompileCache } = require('./sdk-loader') as typeof import('./sdk-loader');
    loadSdk().startSdk({ installSignalHandlers: true });
    saveCompileCache();
  }
}
