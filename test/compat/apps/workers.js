// worker_threads: a CPU task in a Worker, and a pino transport (pino runs transports in a worker).
const http = require('node:http');
const { Worker } = require('node:worker_threads');
const pino = require('pino');

const log = pino(pino.transport({ target: 'pino/file', options: { destination: 1 } }));

function score(n) {
  return new Promise((resolve, reject) => {
    const w = new Worker('const { parentPort, workerData } = require("node:worker_threads"); parentPort.postMessage(workerData * 2);', { eval: true, workerData: n });
    w.once('message', resolve).once('error', reject);
  });
}

http
  .createServer(async (req, res) => {
    const value = await score(21);
    log.info({ value }, 'scored');
    res.end(JSON.stringify({ value }));
  })
  .listen(Number(process.env.PORT), '127.0.0.1', () => console.log('READY'));
