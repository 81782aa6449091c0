'use strict';
// Benchmark section "remove": the deletion engine against rm -rf and Node's
// own recursive removal.
//   A. 100 directories x 1,000 empty files (100,100 entries), each tool
//      `runs` times, interleaved (the order rotates every round), `sync`
//      before each removal, a fresh fixture for every removal.
//   B. one directory with 1,000,000 empty files: removeTree time and peak
//      RSS (in a child) against rm -rf (time, and peak RSS via
//      /usr/bin/time -v when installed).
// Fixtures live under os.tmpdir() on this machine's disk.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const lib = require('./lib');

function tools(engine) {
  const list = [
    { name: 'rm -rf', run: (p) => ({ seconds: lib.timeCommand(['rm', '-rf', p]).seconds }) },
    { name: 'fs.rmSync', run: (p) => lib.removeInChild('rmSync', p) },
    { name: 'fs.promises.rm', run: (p) => lib.removeInChild('rm', p) },
  ];
  if (engine) {
    list.unshift(
      { name: 'removeTree p1', run: (p) => lib.removeInChild('removeTree', p, { parallel: 1 }) },
      { name: 'removeTree p2', run: (p) => lib.removeInChild('removeTree', p, { parallel: 2 }) },
      { name: 'removeTreeSync', run: (p) => lib.removeInChild('removeTreeSync', p) },
    );
  }
  return list;
}

function tree100k(opts, base, log) {
  const engine = lib.engineAvailable();
  const list = tools(engine);
  const samples = Object.fromEntries(list.map((t) => [t.name, []]));
  const rss = Object.fromEntries(list.map((t) => [t.name, []]));
  const builds = [];
  const dirs = opts.dirs ?? 100;
  const files = opts.files ?? 1000;
  for (let round = 0; round < opts.runs; round++) {
    for (let k = 0; k < list.length; k++) {
      const tool = list[(k + round) % list.length];
      const target = path.join(base, `tree-${round}-${k}`);
      const b = lib.buildTree(target, dirs, files);
      builds.push(b.seconds);
      lib.syncDisks();
      const r = tool.run(target);
      if (fs.existsSync(target)) throw new Error(`${tool.name} left ${target} behind`);
      samples[tool.name].push(r.seconds);
      if (r.maxRSSKiB) rss[tool.name].push(r.maxRSSKiB);
      log(`  round ${round + 1}/${opts.runs} ${tool.name.padEnd(15)} ${lib.fmt(r.seconds)} s (fixture built in ${lib.fmt(b.seconds, 2)} s, ${b.how})`);
    }
  }
  const entries = dirs * files + dirs;
  const med = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, lib.median(v)]));
  const rows = list.map((t) => {
    const v = samples[t.name];
    return [t.name, v.length, lib.fmt(med[t.name]), `${lib.fmt(Math.min(...v))}-${lib.fmt(Math.max(...v))}`, lib.fmt((med[t.name] / entries) * 1e6, 1), rss[t.name].length ? Math.round(lib.median(rss[t.name]) / 1024) : '-'];
  });
  const ratios = [];
  const ratio = (a, b) => {
    if (med[a] !== undefined && med[b] !== undefined) ratios.push({ name: `${a} / ${b}`, value: med[a] / med[b] });
  };
  ratio('removeTree p1', 'rm -rf');
  ratio('removeTree p2', 'rm -rf');
  ratio('removeTreeSync', 'rm -rf');
  ratio('removeTree p2', 'removeTree p1');
  ratio('fs.rmSync', 'removeTree p1');
  ratio('fs.promises.rm', 'removeTree p1');
  ratio('fs.rmSync', 'rm -rf');
  ratio('fs.promises.rm', 'rm -rf');
  const text = [
    `A. ${dirs} dirs x ${files} empty files (${entries} entries), ${opts.runs} runs each, interleaved, sync before each; seconds`,
    lib.table(['tool', 'runs', 'median s', 'min-max s', 'us/entry', 'peak RSS MiB'], rows),
    '',
    lib.table(['ratio of medians (same run)', 'value'], ratios.map((r) => [r.name, lib.fmt(r.value, 2)])),
    `fixture build: median ${lib.fmt(lib.median(builds), 2)} s per tree`,
    engine ? '' : 'removeTree rows missing: dist/fs/remove-tree.js does not exist (run `npm run compile`)',
  ].join('\n');
  return { text, data: { dirs, files, entries, runs: opts.runs, samples, medians: med, peakRSSKiB: rss, ratios, fixtureBuildSeconds: builds } };
}

function wide(opts, base, log) {
  const entries = opts.bigEntries ?? 1_000_000;
  const runs = opts.bigRuns ?? 1;
  const engine = lib.engineAvailable();
  const timeV = fs.existsSync('/usr/bin/time') ? '/usr/bin/time' : null;
  const out = { entries, runs, removeTree: [], rmrf: [], builds: [] };
  for (let round = 0; round < runs; round++) {
    const order = round % 2 === 0 ? ['removeTree', 'rm -rf'] : ['rm -rf', 'removeTree'];
    for (const tool of order) {
      if (tool === 'removeTree' && !engine) continue;
      const target = path.join(base, `wide-${round}-${tool === 'rm -rf' ? 'rm' : 'rt'}`);
      const b = lib.buildTree(target, 0, entries);
      out.builds.push(b.seconds);
      lib.syncDisks();
      if (tool === 'removeTree') {
        const r = lib.removeInChild('removeTree', target);
        out.removeTree.push({ seconds: r.seconds, maxRSSKiB: r.maxRSSKiB, baseRSSKiB: r.baseRSSKiB });
        log(`  wide ${round + 1}/${runs} removeTree ${lib.fmt(r.seconds)} s, peak RSS ${Math.round(r.maxRSSKiB / 1024)} MiB (before removal ${Math.round(r.baseRSSKiB / 1024)} MiB); build ${lib.fmt(b.seconds, 1)} s`);
      } else {
        const argv = timeV ? [timeV, '-v', 'rm', '-rf', target] : ['rm', '-rf', target];
        const r = lib.timeCommand(argv);
        const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr);
        out.rmrf.push({ seconds: r.seconds, maxRSSKiB: m ? Number(m[1]) : null });
        log(`  wide ${round + 1}/${runs} rm -rf     ${lib.fmt(r.seconds)} s${m ? `, peak RSS ${Math.round(Number(m[1]) / 1024)} MiB` : ''}; build ${lib.fmt(b.seconds, 1)} s`);
      }
      if (fs.existsSync(target)) throw new Error(`${tool} left ${target} behind`);
    }
  }
  const medRT = lib.median(out.removeTree.map((x) => x.seconds));
  const medRM = lib.median(out.rmrf.map((x) => x.seconds));
  const rows = [
    ['removeTree', out.removeTree.length, lib.fmt(medRT), out.removeTree.length ? Math.round(lib.median(out.removeTree.map((x) => x.maxRSSKiB)) / 1024) : '-', out.removeTree.length ? Math.round(lib.median(out.removeTree.map((x) => x.baseRSSKiB)) / 1024) : '-'],
    ['rm -rf', out.rmrf.length, lib.fmt(medRM), out.rmrf.some((x) => x.maxRSSKiB) ? Math.round(lib.median(out.rmrf.map((x) => x.maxRSSKiB ?? NaN)) / 1024) : '-', '-'],
  ];
  out.ratio = medRT / medRM;
  const text = [
    `B. one directory with ${entries} empty files, ${runs} run(s) each`,
    lib.table(['tool', 'runs', 'median s', 'peak RSS MiB', 'RSS before MiB'], rows),
    `removeTree / rm -rf: ${lib.fmt(out.ratio, 2)}; fixture build median ${lib.fmt(lib.median(out.builds), 1)} s`,
    engine ? '' : 'removeTree row missing: dist/fs/remove-tree.js does not exist',
  ].join('\n');
  return { text, data: out };
}

async function run(opts = {}) {
  const log = opts.log ?? ((s) => process.stderr.write(s + '\n'));
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'ephemdir-bench-remove-'));
  const parts = [];
  const data = { tmpdir: os.tmpdir(), fsType: lib.fsType(base) };
  try {
    if (!opts.skip?.includes('tree')) {
      log('remove: 100 x 1,000 tree');
      const r = tree100k({ runs: opts.runs ?? 5, dirs: opts.dirs, files: opts.files }, base, log);
      parts.push(r.text);
      data.tree = r.data;
    }
    if (!opts.skip?.includes('wide') && !opts.noBig) {
      log('remove: single wide directory');
      const r = wide(opts, base, log);
      parts.push(r.text);
      data.wide = r.data;
    }
  } finally {
    lib.timeCommand(['rm', '-rf', base]);
  }
  return { title: `remove (fixtures on ${data.fsType ?? '?'} at ${os.tmpdir()})`, text: parts.join('\n\n'), data };
}

module.exports = { run, description: 'removeTree vs rm -rf, fs.rmSync and fs.promises.rm; 1M-entry directory time and peak RSS' };
