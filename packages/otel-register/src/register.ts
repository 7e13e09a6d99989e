// node --require @crm/otel-register app.js
//
// Starts traces, metrics and logs before the app's first line runs.
// OTEL_SDK_DISABLED=true loads nothing beyond this file.
const disabled = /^(true|1)$/i.test((process.env['OTEL_SDK_DISABLED'] ?? '').trim());

if (!disabled) {
  // Required lazily so that a disabled SDK costs nothing.
  const { loadSdk, saveCodeCache } = require('./sdk-loader') as typeof import('./sdk-loader');
  loadSdk().startSdk({ installSignalHandlers: true });
  saveCodeCache();
}
