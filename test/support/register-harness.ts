// Shared set-up of the register's integration tests: one OTLP receiver per test file, and apps
// started with the register preloaded and exporting to it, stopped when the file ends.
import { after, before } from 'node:test';
import { OtlpReceiver, fastExportEnv, freePort, startListening, type AppProcess } from '@crm/test-kit';

export interface ListeningApp extends AppProcess {
  base: string;
  metricsUrl: string;
}

export interface AppOptions {
  file?: string;
  env?: Record<string, string>;
  preload?: 'require' | 'import';
  /** OTLP endpoint; the file's receiver by default. */
  endpoint?: string;
}

export interface RegisterHarness {
  readonly receiver: OtlpReceiver;
  app(opts?: AppOptions): Promise<ListeningApp>;
  /** Stops this process when the file ends. */
  track<T extends AppProcess>(app: T): T;
}

export function useRegisterHarness(): RegisterHarness {
  let receiver: OtlpReceiver | undefined;
  const apps: AppProcess[] = [];
  before(async () => {
    receiver = await new OtlpReceiver().start();
  });
  after(async () => {
    await Promise.all(apps.map((a) => a.stop()));
    await receiver?.stop();
  });
  const harness: RegisterHarness = {
    get receiver() {
      if (!receiver) throw new Error('the receiver starts in before()');
      return receiver;
    },
    async app({ file = 'crm-app.cjs', env = {}, preload = 'require', endpoint } = {}) {
      const promPort = await freePort();
      const exportTo = endpoint ?? harness.receiver.endpoint;
      const a = await startListening(file, { port: await freePort(), preload, env: { ...fastExportEnv(exportTo, promPort), ...env } });
      return harness.track(Object.assign(a, { metricsUrl: `http://127.0.0.1:${promPort}/metrics` }));
    },
    track(a) {
      apps.push(a);
      return a;
    },
  };
  return harness;
}
