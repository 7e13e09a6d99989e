// An ES module app (import syntax) started with the CommonJS preload flag by mistake.
import http from 'node:http';

http.createServer((req, res) => res.end(JSON.stringify({ url: req.url }))).listen(Number(process.env.PORT), '127.0.0.1', () => console.log('READY'));
