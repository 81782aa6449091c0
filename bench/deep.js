'use strict';
// Benchmark section "deep": a 10,000-level chain of directories (one
// marker file every 1,000 levels), removed by removeTree and
// removeTreeSync in a child limited to 64 open files (`ulimit -n 64`), and
// by rm -rf; seconds and the child's peak RSS. Built level by level with
// chdir (lib.buildChain), so no path longer than a name reaches the kernel.
// Measured here rather than printed by test/fs/remove-tree-hostile.test.ts,
// which checks that such a tree is removed at all under that limit.
//   --deep-levels 10000   depth of the chain
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const lib = require('./lib');

/** The child removing the tree runs with at most 64 open files. */
const LIMITED = ['bash', '-c', 'ulimit -n 64 && exec "$@"', 'bash'];

async function run(opts = {}) {
  const levels = opts.deepLevels ?? 10_000;
  const runs = opts.runs ?? 5;
  const engine = lib.engineAvailable();
  const tools = [{ name: 'rm -rf', run: (p) => ({ seconds: lib.timeCommand(['rm', '-rf', p]).seconds }) }];
  if (engine) {
    tools.unshift(
      { name: 'removeTree', run: (p) => lib.removeInChild('removeTree', p, {}, LIMITED) },
      { name: 'removeTreeSync', run: (p) => lib.removeInChild('removeTreeSync', p, {}, LIMITED) },
    );
  }
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'ephemdir-bench-deep-'));
  const samples = Object.fromEntries(tools.map((t) => [t.name, []]));
  const rss = Object.fromEntries(tools.map((t) => [t.name, []]));
  const builds = [];
  try {
    for (let round = 0; round < runs; round++) {
      for (let k = 0; k < tools.length; k++) {
        const tool = tools[(k + round) % tools.length];
        const target = path.join(base, `chain-${round}-${k}`);
        builds.push(lib.buildChain(target, levels).seconds);
        lib.syncDisks();
        const r = tool.run(target);
        if (fs.existsSync(target)) throw new Error(`${tool.name} left ${target} behind`);
        samples[tool.name].push(r.seconds);
        if (r.maxRSSKiB) rss[tool.name].push(r.maxRSSKiB);
      }
    }
  } finally {
    lib.timeCommand(['rm', '-rf', base]);
  }
  const rows = tools.map((t) => {
    const v = samples[t.name];
    return [t.name, v.length, lib.fmt(lib.median(v)), `${lib.fmt(Math.min(...v))}-${lib.fmt(Math.max(...v))}`, rss[t.name].length ? Math.round(lib.median(rss[t.name]) / 1024) : '-'];
  });
  const text = [
    `${levels}-level chain, ${runs} runs each, interleaved, sync before each; the engine under ulimit -n 64`,
    lib.table(['tool', 'runs', 'median s', 'min-max s', 'peak RSS MiB'], rows),
    `fixture build: median ${lib.fmt(lib.median(builds), 2)} s per chain`,
    engine ? '' : 'engine rows missing: dist/fs/remove-tree.js does not exist (run `npm run compile`)',
  ].join('\n');
  return { title: `deep (fixtures on ${lib.fsType(os.tmpdir()) ?? '?'} at ${os.tmpdir()})`, text, data: { levels, runs, samples, peakRSSKiB: rss, fixtureBuildSeconds: builds } };
}

module.exports = { run, description: 'a 10,000-level chain: removeTree(Sync) under ulimit -n 64 against rm -rf; time and peak RSS' };
