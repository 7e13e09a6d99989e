// Logger provider: the OTel logs SDK with redaction and a counted, bounded batch queue.
// Registered globally so winston, pino and @crm/business-events reach it through the logs API.
import type { Context } from '@opentelemetry/api';
import type { Resource } from '@opentelemetry/resources';
import {
  BatchLogRecordProcessor,
  ConsoleLogRecordExporter,
  LoggerProvider,
  type LogRecordExporter,
  type LogRecordProcessor,
  type ReadWriteLogRecord,
  type ReadableLogRecord,
} from '@opentelemetry/sdk-logs';
import type { Config } from './config';
import { GuardedExporter, QueueGate, type DropLedger } from './export-guard';
import { otlpLogExporter } from './exporters';
import { globalApi } from './global-api';
import { registerLegacyLogsApi } from './legacy-logs-api';
import { redactLogRecord, type Redactor } from './redaction';

class GuardedLogProcessor implements LogRecordProcessor {
  constructor(
    private readonly inner: LogRecordProcessor,
    private readonly redactor: Redactor,
    private readonly gate: QueueGate,
  ) {}

  onEmit(record: ReadWriteLogRecord, context?: Context): void {
    try {
      redactLogRecord(this.redactor, record);
    } catch {
      return; // a record we cannot clean is not exported
    }
    if (this.gate.admit()) this.inner.onEmit(record, context);
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }
}

export interface LogsHandle {
  provider: LoggerProvider;
  gate: QueueGate | undefined;
}

export function startLogs(config: Config, resource: Resource, redactor: Redactor, ledger: DropLedger): LogsHandle {
  const processors: LogRecordProcessor[] = [];
  let gate: QueueGate | undefined;
  if (config.logs.exporter !== 'none') {
    const b = config.logs.batch;
    gate = new QueueGate('logs', b.maxQueueSize, ledger);
    ledger.seed('logs', ['queue_full', 'export_failed']);
    const target = config.logs.exporter === 'otlp' ? config.logs.otlp.url : 'console';
    const raw: LogRecordExporter = config.logs.exporter === 'otlp' ? otlpLogExporter(config.logs.otlp) : new ConsoleLogRecordExporter();
    const exporter = new GuardedExporter<ReadableLogRecord>('logs', raw, target, ledger, gate);
    processors.push(new GuardedLogProcessor(new BatchLogRecordProcessor({ exporter, ...b }), redactor, gate));
  }
  const provider = new LoggerProvider({ resource, processors });
  globalApi().logs.setGlobalLoggerProvider(provider);
  registerLegacyLogsApi(provider);
  return { provider, gate };
}
