// node --import @crm/otel-register app.mjs
//
// ESM apps: start the SDK, with import-in-the-middle's loader in front of the modules our
// instrumentations patch. Where Node runs synchronous module hooks correctly (iitm's
// supportsSyncHooks(): 22.22.3+, 24.11.1+, 26) the loader runs in-thread (module.registerHooks);
// elsewhere on its own thread (module.register, deprecated in Node 26), told the modules over a channel.
// Worker threads inherit the flag but start no SDK of their own (one per process).
import { createRequire, register } from 'node:module';

const require = createRequire(import.meta.url);
const { isDisabled } = require('./disabled.js') as typeof import('./disabled.js');

if (!isDisabled(process.env) && (require('node:worker_threads') as typeof import('node:worker_threads')).isMainThread) {
  const iitmSync = await import('import-in-the-middle/register-hooks.mjs');
  const { loadSdk, saveCompileCache } = require('./sdk-loader.js') as typeof import('./sdk-loader.js');
  let sdk: ReturnType<ReturnType<typeof loadSdk>['startSdk']>;
  let acknowledged = (): Promise<void> => Promise.resolve();
  if (iitmSync.supportsSyncHooks()) {
    // shouldInclude is in iitm's README, not in its typings; it is asked at each import, after the start.
    const options = { shouldInclude: (_url: string, specifier: string) => sdk?.instrumentations.patches(specifier) === true };
    iitmSync.register(options as Parameters<typeof iitmSync.register>[0]);
  } else {
    const iitm = require('import-in-the-middle') as typeof import('import-in-the-middle');
    const channel = iitm.createAddHookMessageChannel();
    register('import-in-the-middle/hook.mjs', import.meta.url, channel.registerOptions);
    acknowledged = channel.waitForAllMessagesAcknowledged;
  }
  sdk = loadSdk().startSdk({ esm: true, installSignalHandlers: true });
  saveCompileCache();
  await acknowledged();
}
