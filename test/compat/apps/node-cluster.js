// Node's cluster: a primary forks two workers that share the port.
const cluster = require('node:cluster');
const http = require('node:http');

if (cluster.isPrimary) {
  let ready = 0;
  for (let i = 0; i < 2; i++) {
    cluster.fork().on('message', (m) => {
      if (m === 'ready' && ++ready === 2) console.log('READY');
    });
  }
} else {
  http
    .createServer((req, res) => res.end(JSON.stringify({ worker: cluster.worker.id, url: req.url })))
    .listen(Number(process.env.PORT), '127.0.0.1', () => process.send('ready'));
}
