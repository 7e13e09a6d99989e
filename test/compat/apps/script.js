// A script that does its work and ends on its own: an outgoing call, then nothing left to do.
const http = require('node:http');

const server = http.createServer((_req, res) => res.end('ok')).listen(0, '127.0.0.1', async () => {
  const r = await fetch(`http://127.0.0.1:${server.address().port}/ping-target`);
  console.log(`DONE ${r.status}`);
  server.close();
});
