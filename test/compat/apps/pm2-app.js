// The app PM2 runs in cluster mode (ecosystem.config.js).
const http = require('node:http');

http.createServer((req, res) => res.end(JSON.stringify({ pid: process.pid, url: req.url }))).listen(Number(process.env.PORT), '127.0.0.1');
