'use strict';
// Benchmark section "rmtree": the command an npm script runs to clean build
// output, as a whole process each time (node start-up and module loading
// included, as `npm run clean` pays them): `ephemdir rmtree` against
// `rimraf` (the devDependency's CLI) and `rm -rf`, on the same tree shape.
// Each tool `runs` times, interleaved (the order rotates every round),
// `sync` before each removal, a fresh fixture for every removal.
//   --rmtree-dirs 100 --rmtree-files 1000   tree shape (default 100 x 1,000)
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const lib = require('./lib');

function tools() {
  const main = path.join(lib.root, 'dist', 'cli', 'main.js');
  const rimraf = path.join(lib.root, 'node_modules', 'rimraf', 'dist', 'esm', 'bin.mjs');
  const list = [{ name: 'rm -rf', argv: (p) => ['rm', '-rf', p] }];
  if (fs.existsSync(rimraf)) list.push({ name: 'rimraf', argv: (p) => [process.execPath, rimraf, p] });
  if (fs.existsSync(main)) list.unshift({ name: 'ephemdir rmtree', argv: (p) => [process.execPath, main, 'rmtree', p] });
  return list;
}

async function run(opts = {}) {
  const log = opts.log ?? ((s) => process.stderr.write(s + '\n'));
  const dirs = opts.rmtreeDirs ?? 100;
  const files = opts.rmtreeFiles ?? 1000;
  const runs = opts.runs ?? 5;
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'ephemdir-bench-rmtree-'));
  const list = tools();
  const samples = Object.fromEntries(list.map((t) => [t.name, []]));
  const fsType = lib.fsType(base);
  try {
    for (let round = 0; round < runs; round++) {
      for (let k = 0; k < list.length; k++) {
        const tool = list[(k + round) % list.length];
        const target = path.join(base, `tree-${round}-${k}`);
        lib.buildTree(target, dirs, files);
        lib.syncDisks();
        const r = lib.timeCommand(tool.argv(target));
        if (fs.existsSync(target)) throw new Error(`${tool.name} left ${target} behind`);
        samples[tool.name].push(r.seconds);
        log(`  round ${round + 1}/${runs} ${tool.name.padEnd(16)} ${lib.fmt(r.seconds)} s`);
      }
    }
  } finally {
    lib.timeCommand(['rm', '-rf', base]);
  }
  const entries = dirs * files + dirs + 1;
  const med = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, lib.median(v)]));
  const rows = list.map((t) => {
    const v = samples[t.name];
    return [t.name, v.length, lib.fmt(med[t.name]), `${lib.fmt(Math.min(...v))}-${lib.fmt(Math.max(...v))}`, lib.fmt((med[t.name] / entries) * 1e6, 1)];
  });
  const ratios = [];
  for (const [a, b] of [['ephemdir rmtree', 'rm -rf'], ['ephemdir rmtree', 'rimraf'], ['rimraf', 'rm -rf']]) {
    if (med[a] !== undefined && med[b] !== undefined) ratios.push([`${a} / ${b}`, lib.fmt(med[a] / med[b], 2)]);
  }
  const missing = ['ephemdir rmtree', 'rimraf'].filter((n) => !(n in samples));
  const text = [
    `${dirs} dirs x ${files} empty files (${entries} entries), whole process per removal, ${runs} runs each, interleaved; seconds`,
    lib.table(['command', 'runs', 'median s', 'min-max s', 'us/entry'], rows),
    '',
    lib.table(['ratio of medians (same run)', 'value'], ratios),
    missing.length ? `missing: ${missing.join(', ')} (run \`npm run compile\` / \`npm ci\`)` : '',
  ].join('\n');
  return { title: `rmtree (fixtures on ${fsType ?? '?'} at ${os.tmpdir()})`, text, data: { dirs, files, entries, runs, fsType, samples, medians: med, ratios } };
}

module.exports = { run, description: '`ephemdir rmtree` vs `rimraf` and `rm -rf` as commands, on the same tree' };
