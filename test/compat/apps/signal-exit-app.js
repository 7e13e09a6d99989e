// An app with signal-exit (3 or 4, chosen by SIGNAL_EXIT_MAJOR), as lockfile and many CLIs pull it in.
// APP_SIGTERM_KEEPS_RUNNING=1: the app also has a SIGTERM handler of its own that keeps serving.
const http = require('node:http');
const major = process.env.SIGNAL_EXIT_MAJOR === '3' ? 3 : 4;
const onExit = major === 3 ? require('signal-exit3') : require('signal-exit').onExit;

onExit(() => {
  console.log('CLEANUP');
});
if (process.env.APP_SIGTERM_KEEPS_RUNNING) process.on('SIGTERM', () => console.log('APP_SIGTERM: still serving'));
http.createServer((_req, res) => res.end('ok')).listen(Number(process.env.PORT), '127.0.0.1', () => console.log('READY'));
