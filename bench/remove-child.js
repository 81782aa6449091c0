'use strict';
// One timed removal in a fresh process. argv[2]: JSON {fn, path, options}.
// fn: removeTree | removeTreeSync (dist/fs/remove-tree.js), rmSync | rm (node:fs).
// Prints {ok, seconds, maxRSSKiB, baseRSSKiB, result|error}: baseRSSKiB is the
// peak RSS before the removal started (node + modules), maxRSSKiB the peak after.
const fs = require('node:fs');
const path = require('node:path');
const req = JSON.parse(process.argv[2]);

async function main() {
  let call;
  if (req.fn === 'rmSync') call = () => fs.rmSync(req.path, { recursive: true, force: true });
  else if (req.fn === 'rm') call = () => fs.promises.rm(req.path, { recursive: true, force: true });
  else {
    const engine = require(path.join(__dirname, '..', 'dist', 'fs', 'remove-tree.js'));
    call = () => engine[req.fn](req.path, req.options || {});
  }
  const baseRSSKiB = process.resourceUsage().maxRSS;
  const t0 = performance.now();
  let out;
  try {
    const result = await call();
    out = { ok: true, result: result ?? null };
  } catch (err) {
    out = { ok: false, error: { code: err.code, message: err.message } };
  }
  out.seconds = (performance.now() - t0) / 1000;
  out.baseRSSKiB = baseRSSKiB;
  out.maxRSSKiB = process.resourceUsage().maxRSS;
  process.stdout.write(JSON.stringify(out) + '\n');
}
main();
