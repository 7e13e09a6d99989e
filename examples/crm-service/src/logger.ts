// One pino logger per service. JSON lines on stdout; the preload flag adds trace ids to each
// line and forwards the records to OpenTelemetry (the app does nothing for that).
import pino from 'pino';

export function createLogger(service: string): pino.Logger {
  return pino({ name: service, level: process.env['LOG_LEVEL'] ?? 'info' });
}
