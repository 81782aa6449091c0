'use strict';
// One timed removal in a fresh process. argv[2]: JSON {fn, path, options}.
// fn: removeTree | removeTreeSync (dist/fs/remove-tree.js under `root`, the
// project by default: another checkout can be compared in the same run),
// rmSync | rm (node:fs), rimraf (the devDependency's API), noop (loads the
// engine and removes nothing: the start-up a syscall count subtracts).
// Prints {ok, seconds, maxRSSKiB, baseRSSKiB, result|error}: baseRSSKiB is the
// peak RSS before the removal started (node + modules), maxRSSKiB the peak after.
const fs = require('node:fs');
const path = require('node:path');
const req = JSON.parse(process.argv[2]);

async function main() {
  let call;
  if (req.fn === 'rmSync') call = () => fs.rmSync(req.path, { recursive: true, force: true });
  else if (req.fn === 'rm') call = () => fs.promises.rm(req.path, { recursive: true, force: true });
  else if (req.fn === 'rimraf') {
    const { rimraf } = require(path.join(__dirname, '..', 'node_modules', 'rimraf', 'dist', 'commonjs', 'index.js'));
    call = () => rimraf(req.path);
  } else {
    const engine = require(path.join(req.root || path.join(__dirname, '..'), 'dist', 'fs', 'remove-tree.js'));
    call = req.fn === 'noop' ? () => null : () => engine[req.fn](req.path, req.options || {});
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
