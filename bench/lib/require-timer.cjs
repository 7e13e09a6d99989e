// Preload for start-up profiles: times every CommonJS module the process loads
// (compile + run, its own requires excluded) and sums it per package. Load it first:
//   node --require ./bench/lib/require-timer.cjs --require @crm/otel-register app.js
// The app prints the totals (global.__benchRequireTimes) when BENCH_EXIT_AFTER_LISTEN=1.
'use strict';
const Module = require('node:module');

function packageOf(file) {
  const at = file.lastIndexOf('/node_modules/');
  if (at >= 0) {
    const parts = file.slice(at + '/node_modules/'.length).split('/');
    return parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
  }
  if (file.includes('/packages/otel-register/')) return '@crm/otel-register';
  return 'app';
}

const totals = {}; // package -> { ms, files }
const stack = []; // child time of the loads in progress
const originalLoad = Module.prototype.load;
Module.prototype.load = function timedLoad(filename) {
  stack.push(0);
  const t0 = process.hrtime.bigint();
  try {
    return originalLoad.call(this, filename);
  } finally {
    const inclusive = Number(process.hrtime.bigint() - t0) / 1e6;
    const children = stack.pop();
    if (stack.length) stack[stack.length - 1] += inclusive;
    const pkg = packageOf(filename);
    const t = (totals[pkg] ??= { ms: 0, files: 0 });
    t.ms += inclusive - children;
    t.files++;
  }
};
globalThis.__benchRequireTimes = totals;
