import { createServer } from 'node:net';

// Ports handed out by this process: the kernel may offer a closed port again at once, and an app's
// port and its Prometheus port picked one after the other were then sometimes the same (EADDRINUSE).
const handedOut = new Set<number>();

/** A port on 127.0.0.1 nothing listens on, never the same one twice in this process. */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const s = createServer();
      s.once('error', reject);
      s.listen(0, '127.0.0.1', () => {
        const { port } = s.address() as { port: number };
        s.close(() => resolve(port));
      });
    });
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
}
