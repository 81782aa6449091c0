'use strict';
// Preloaded (node -r) by the cli section's profile: times every require()
// (self time per resolved file, children excluded) and prints one JSON line
// on stderr at exit: process start -> preload, time inside require, total,
// and the peak RSS (process.resourceUsage().maxRSS, in MB).
const Module = require('node:module');
const path = require('node:path');

const atPreload = performance.now();
const self = new Map();
const stack = [];
let outer = 0;
const load = Module._load;
Module._load = function timedLoad(request, parent, isMain) {
  if (isMain) return load.apply(this, arguments);
  const t0 = performance.now();
  stack.push(0);
  try {
    return load.apply(this, arguments);
  } finally {
    const dt = performance.now() - t0;
    const children = stack.pop();
    if (stack.length > 0) stack[stack.length - 1] += dt;
    else outer += dt;
    let key = request;
    try {
      key = Module._resolveFilename(request, parent, isMain);
    } catch {
      // builtin or unresolvable: keep the request
    }
    self.set(key, (self.get(key) ?? 0) + dt - children);
  }
};
process.on('exit', () => {
  const root = path.resolve(__dirname, '..');
  const top = [...self].sort((a, b) => b[1] - a[1]).slice(0, 12).map(([k, v]) => [k.startsWith(root) ? path.relative(root, k) : k, Number(v.toFixed(2))]);
  process.stderr.write(`\nCLI-TIMER ${JSON.stringify({ preloadMs: atPreload, requireMs: outer, totalMs: performance.now(), modules: self.size, top, maxRssMB: process.resourceUsage().maxRSS / 1024 })}\n`);
});
