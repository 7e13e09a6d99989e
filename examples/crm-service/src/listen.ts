// Starts an Express app and logs one "listening" line with its URL (the demo and the tests wait for it).
import type { Server } from 'node:http';
import type { Express } from 'express';
import type { Logger } from 'pino';

export function listen(app: Express, host: string, port: number, service: string, log: Logger): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host, (error?: Error) => {
      if (error) {
        reject(error);
        return;
      }
      const address = server.address();
      const actual = typeof address === 'object' && address !== null ? address.port : port;
      log.info({ url: `http://${host}:${actual}` }, `${service} listening`);
      resolve(server);
    });
  });
}

/** Exits with one clear line when the service cannot start (bad setting, port in use). */
export function fail(service: string, error: unknown): never {
  const err = error as NodeJS.ErrnoException;
  const hint = err.code === 'EADDRINUSE' ? ' (the port is in use: set another one, see README)' : '';
  process.stderr.write(`${service}: cannot start: ${err.message}${hint}\n`);
  process.exit(1);
}
