// node --require @crm/otel-register app.js
//
// Starts traces, metrics and logs before the app's first line runs.
// OTEL_SDK_DISABLED=true loads nothing beyond this file and the check it shares with the configuration.
import { isDisabled } from './disabled';

if (!isDisabled(process.env)) {
  // Required lazily so that a disabled SDK costs nothing.
  const { loadSdk, saveCompileCache } = require('./sdk-loader') as typeof import('./sdk-loader');
  loadSdk().startSdk({ installSignalHandlers: true });
  saveCompileCache();
}
