'use strict';
// Benchmark section "remove": the deletion engine against `rm -rf`, Node's
// own recursive removal (fs.rmSync, fs.promises.rm) and rimraf, on
//   remove-100x1000      100 directories x 1,000 empty files (100,101 entries)
//   remove-node-modules  a node_modules-like tree: ~50,000 files of 0.1-20 KB
//   remove-wide-200000   one directory of 200,000 empty files (peak RSS too)
//   remove-chain-5000    a 5,000-level chain of directories
//   remove-tmpfs         the 100 x 1,000 tree on a tmpfs mounted here (root
//                        only; skipped with the reason otherwise)
// Every tool `runs` times per case, interleaved (the order rotates every
// round), `sync` before each removal, a fresh fixture for every removal;
// the engine and Node's removers run in a child and are timed inside it.
// Syscalls per entry come from `strace -f -c` once per case (the engine's
// start-up, measured by a child that removes nothing, subtracted). The
// node_modules and wide cases also run `parallel: 2` and `parallel: 4`.
// Then (unless --no-big) one directory of 1,000,000 entries: time and RSS.
//   EPHEMDIR_BENCH_REMOVE_CASES=remove-wide-200000,...  only these cases, in this order
//   EPHEMDIR_BENCH_REMOVE_TOOLS="rm -rf,removeTree p4"  only these tools
//   EPHEMDIR_BENCH_BASELINE=/path/to/other/checkout     also time that
//     checkout's built engine (its dist/ and addon) in the same rounds,
//     as "@base" rows: before/after figures from one interleaved run.
// Fixtures live under os.tmpdir() on this machine's disk.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const lib = require('./lib');

const PEERS = ['rm -rf', 'fs.rmSync', 'fs.promises.rm', 'rimraf'];

function peerTools() {
  const rimraf = fs.existsSync(path.join(lib.root, 'node_modules', 'rimraf', 'dist', 'commonjs', 'index.js'));
  const list = [
    { name: 'rm -rf', run: (p) => ({ seconds: lib.timeCommand(['rm', '-rf', p]).seconds }) },
    { name: 'fs.rmSync', run: (p) => lib.removeInChild('rmSync', p) },
    { name: 'fs.promises.rm', run: (p) => lib.removeInChild('rm', p) },
  ];
  if (rimraf) list.push({ name: 'rimraf', run: (p) => lib.removeInChild('rimraf', p) });
  return list;
}

/** The engine's tools: `variants` is a list of [suffix, options]; with a baseline checkout, `baseVariants` run from it too. */
function engineTools(variants, baseVariants, baseline) {
  const list = [];
  if (lib.engineAvailable()) {
    for (const [suffix, options, fn = 'removeTree'] of variants) {
      list.push({ name: `${fn}${suffix}`, run: (p) => lib.removeInChild(fn, p, options) });
    }
  }
  if (baseline && lib.engineAvailable(baseline)) {
    for (const [suffix, options, fn = 'removeTree'] of baseVariants) {
      list.push({ name: `${fn}${suffix} @base`, run: (p) => lib.removeInChild(fn, p, options, [], baseline) });
    }
  }
  return list;
}

function cases(base, tmpfs) {
  const serial = [['', {}]];
  const par = [['', {}], [' p2', { parallel: 2 }], [' p4', { parallel: 4 }]];
  return [
    {
      key: 'remove-100x1000',
      measure: '100 x 1,000 empty files (100,101 entries), ext4',
      build: (t) => ({ ...lib.buildTree(t, 100, 1000), entries: 100_101 }),
      variants: [['', {}], [' p2', { parallel: 2 }], ['', {}, 'removeTreeSync']],
      baseVariants: [['', {}], [' p2', { parallel: 2 }]],
      dir: base,
    },
    {
      key: 'remove-node-modules',
      parallelKey: 'remove-parallel-node-modules',
      measure: 'node_modules-like tree, ~50,000 files of 0.1-20 KB',
      build: (t) => lib.buildNodeModules(t),
      variants: par,
      baseVariants: [['', {}], [' p4', { parallel: 4 }]],
      dir: base,
    },
    {
      key: 'remove-wide-200000',
      parallelKey: 'remove-parallel-wide',
      measure: 'one directory of 200,000 empty files',
      build: (t) => ({ ...lib.buildTree(t, 0, 200_000), entries: 200_001 }),
      variants: par,
      baseVariants: [['', {}], [' p4', { parallel: 4 }]],
      dir: base,
      rss: true,
    },
    {
      key: 'remove-chain-5000',
      measure: 'a 5,000-level chain of directories',
      build: (t) => ({ ...lib.buildChain(t, 5000), entries: 5000 + 1 + 5 + 1 }),
      variants: serial,
      baseVariants: serial,
      dir: base,
    },
    {
      key: 'remove-tmpfs',
      measure: '100 x 1,000 empty files (100,101 entries), tmpfs',
      build: (t) => ({ ...lib.buildTree(t, 100, 1000), entries: 100_101 }),
      variants: [['', {}], [' p2', { parallel: 2 }]],
      baseVariants: serial,
      dir: tmpfs.path,
      skip: tmpfs.skip,
    },
  ];
}

/** System calls per entry of one removal of a fresh fixture: { engine, rm } (null when strace is missing). */
function syscallsPerEntry(c, log) {
  const per = (counts, entries) => {
    if (!counts) return null;
    const top = Object.entries(counts.calls)
      .filter(([, n]) => n / entries >= 0.001)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 6)
      .map(([k, n]) => `${k} ${lib.fmt(n / entries, 3)}`);
    return { total: counts.total / entries, top };
  };
  const out = {};
  const idle = lib.straceCounts(lib.removeChildArgv('noop', c.dir));
  for (const who of ['engine', 'rm']) {
    if (who === 'engine' && !lib.engineAvailable()) continue;
    const target = path.join(c.dir, `strace-${who}`);
    const b = c.build(target);
    lib.syncDisks();
    const argv = who === 'engine' ? lib.removeChildArgv('removeTree', target) : ['rm', '-rf', target];
    let counts = lib.straceCounts(argv);
    if (counts && who === 'engine' && idle) {
      const calls = {};
      for (const [k, n] of Object.entries(counts.calls)) calls[k] = Math.max(0, n - (idle.calls[k] ?? 0));
      counts = { total: Object.values(calls).reduce((a, n) => a + n, 0), calls };
    }
    if (fs.existsSync(target)) lib.timeCommand(['rm', '-rf', target]);
    out[who] = per(counts, b.entries);
    if (out[who]) log(`  ${c.key} ${who === 'engine' ? 'removeTree' : 'rm -rf'}: ${lib.fmt(out[who].total, 2)} syscalls/entry (${out[who].top.join(', ')})`);
  }
  return out;
}

function runCase(c, opts, log) {
  const baseline = process.env.EPHEMDIR_BENCH_BASELINE || null;
  const only = process.env.EPHEMDIR_BENCH_REMOVE_TOOLS?.split(',').filter(Boolean) ?? null;
  const list = [...engineTools(c.variants, c.baseVariants, baseline), ...peerTools()].filter((t) => !only || only.includes(t.name));
  const samples = Object.fromEntries(list.map((t) => [t.name, []]));
  const failed = {};
  const rss = Object.fromEntries(list.map((t) => [t.name, []]));
  const builds = [];
  let entries = 0;
  for (let round = 0; round < opts.runs; round++) {
    for (let k = 0; k < list.length; k++) {
      const tool = list[(k + round) % list.length];
      if (failed[tool.name]) continue;
      const target = path.join(c.dir, `${c.key}-${round}-${k}`);
      const b = c.build(target);
      entries = b.entries;
      builds.push(b.seconds);
      lib.syncDisks();
      let r;
      try {
        r = tool.run(target);
      } catch (err) {
        // Node's removers and rimraf build paths: a 5,000-level chain is past PATH_MAX.
        failed[tool.name] = (/\b(E[A-Z]+)\b/.exec(String(err.message)) ?? ['', String(err.message).replace(/^.*?failed: /, '').slice(0, 60)])[1];
        log(`  ${c.key} ${tool.name}: failed (${failed[tool.name]}), not timed`);
        lib.timeCommand(['rm', '-rf', target]);
        continue;
      }
      if (fs.existsSync(target)) throw new Error(`${tool.name} left ${target} behind`);
      samples[tool.name].push(r.seconds);
      if (r.maxRSSKiB) rss[tool.name].push(r.maxRSSKiB);
      log(`  ${c.key} ${round + 1}/${opts.runs} ${tool.name.padEnd(22)} ${lib.fmt(r.seconds)} s (fixture ${lib.fmt(b.seconds, 2)} s, ${b.how})`);
    }
  }
  const med = {};
  for (const [k, v] of Object.entries(samples)) if (v.length) med[k] = lib.median(v);
  const sys = opts.noStrace ? {} : syscallsPerEntry(c, log);
  return { samples, medians: med, failed, rss, entries, builds, syscalls: sys, tools: list.map((t) => t.name) };
}

function caseText(c, r) {
  const floor = r.medians['rm -rf'];
  const rows = r.tools.map((name) => {
    const v = r.samples[name];
    if (r.failed[name]) return [name, 0, `failed: ${r.failed[name]}`, '-', '-', '-', '-'];
    const m = r.medians[name];
    return [
      name,
      v.length,
      lib.fmt(m),
      `${lib.fmt(Math.min(...v))}-${lib.fmt(Math.max(...v))}`,
      lib.fmt((m / r.entries) * 1e6, 1),
      lib.fmt(m / floor, 2),
      r.rss[name].length ? Math.round(lib.median(r.rss[name]) / 1024) : '-',
    ];
  });
  const sys = ['engine', 'rm']
    .filter((w) => r.syscalls[w])
    .map((w) => `${w === 'engine' ? 'removeTree' : 'rm -rf'} ${lib.fmt(r.syscalls[w].total, 2)} (${r.syscalls[w].top.join(', ')})`);
  return [
    `${c.key}: ${c.measure}; ${r.entries} entries, medians of interleaved runs, sync before each`,
    lib.table(['tool', 'runs', 'median s', 'min-max s', 'us/entry', 'x rm -rf', 'peak RSS MiB'], rows),
    sys.length ? `syscalls per entry (strace -f -c, one run): ${sys.join('; ')}` : 'syscalls per entry: strace not installed',
  ].join('\n');
}

function ratioNote(r, names) {
  const floor = r.medians['rm -rf'];
  return names
    .map((n) => (r.failed[n] ? `${n} failed (${r.failed[n]})` : r.medians[n] !== undefined ? `${n} ${lib.fmt(r.medians[n] / floor, 2)}x` : null))
    .filter(Boolean)
    .join(', ');
}

function targetRows(c, r) {
  const floor = r.medians['rm -rf'];
  const rows = [];
  const sys = r.syscalls.engine ? `; ${lib.fmt(r.syscalls.engine.total, 2)} syscalls/entry (rm -rf ${r.syscalls.rm ? lib.fmt(r.syscalls.rm.total, 2) : '?'})` : '';
  const row = (key, measure, name, target, limit, extra) => {
    const v = r.medians[name];
    if (v === undefined || floor === undefined) return;
    const ratio = v / floor;
    rows.push({
      key,
      measure,
      value: `${lib.fmt(v)} s`,
      floor: `${lib.fmt(floor)} s`,
      floorName: 'rm -rf',
      ratio,
      target,
      met: ratio <= limit,
      note: `${extra}${sys}`,
    });
  };
  const peers = `peers x rm -rf: ${ratioNote(r, PEERS.slice(1))}`;
  const base = r.medians['removeTree @base'] !== undefined ? `; main: ${lib.fmt(r.medians['removeTree @base'] / floor, 2)}x` : '';
  const rssNote = c.rss
    ? `; peak RSS MiB: ${['removeTree', 'fs.rmSync', 'rimraf'].filter((n) => r.rss[n]?.length).map((n) => `${n} ${Math.round(lib.median(r.rss[n]) / 1024)}`).join(', ')}`
    : '';
  row(c.key, `removeTree, ${c.measure}`, 'removeTree', '<= 1x the floor', 1.0, `${peers}${base}${rssNote}`);
  if (c.parallelKey) {
    const serial = r.medians.removeTree;
    const p2 = r.medians['removeTree p2'];
    const bp = r.medians['removeTree p4 @base'];
    const extra = `p2 ${lib.fmt(p2 / floor, 2)}x, serial ${lib.fmt(serial / floor, 2)}x${bp !== undefined ? `; main p4 ${lib.fmt(bp / floor, 2)}x` : ''}`;
    row(c.parallelKey, `removeTree({ parallel: 4 }), ${c.measure}`, 'removeTree p4', '<= 0.75x the floor', 0.75, extra);
  }
  return rows;
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
  const log = opts.log ?? ((x) => process.stderr.write(x + '\n'));
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'ephemdir-bench-remove-'));
  const want = process.env.EPHEMDIR_BENCH_REMOVE_CASES?.split(',').filter(Boolean) ?? null;
  const parts = [];
  const targets = [];
  const data = { tmpdir: os.tmpdir(), fsType: lib.fsType(base), baseline: process.env.EPHEMDIR_BENCH_BASELINE || null, cases: {} };
  const runs = opts.runs ?? 5;
  const tmpfs = !want || want.includes('remove-tmpfs') ? lib.mountTmpfs() : { skip: 'not selected' };
  try {
    const all = cases(base, tmpfs);
    const chosen = want ? want.map((k) => all.find((c) => c.key === k)).filter(Boolean) : all;
    for (const c of chosen) {
      if (c.skip) {
        parts.push(`${c.key}: skipped: ${c.skip}`);
        targets.push({ key: c.key, measure: c.measure, value: '-', floor: '-', floorName: 'rm -rf', ratio: NaN, target: '<= 1x the floor', met: false, note: `skipped: ${c.skip}` });
        continue;
      }
      log(`remove: ${c.key}`);
      const r = runCase(c, { runs }, log);
      parts.push(caseText(c, r));
      log(parts[parts.length - 1]); // each case as soon as it is done
      targets.push(...targetRows(c, r));
      data.cases[c.key] = r;
    }
    if (!want && !opts.noBig) {
      log('remove: single wide directory');
      const r = wide(opts, base, log);
      parts.push(r.text);
      data.wide = r.data;
    }
  } finally {
    lib.timeCommand(['rm', '-rf', base]);
    if (tmpfs.unmount) tmpfs.unmount();
  }
  parts.push(
    lib.table(
      ['target row', 'value', 'floor (rm -rf)', 'ratio', 'target', 'met'],
      targets.map((t) => [t.key, t.value, t.floor, lib.fmt(t.ratio, 2), t.target, t.met ? 'yes' : 'no']),
    ),
  );
  data.targets = targets;
  return { title: `remove (fixtures on ${data.fsType ?? '?'} at ${os.tmpdir()})`, text: parts.join('\n\n'), data, targets };
}

module.exports = {
  run,
  description: 'removeTree vs rm -rf, fs.rmSync, fs.promises.rm and rimraf: 100x1,000, node_modules-like, 200,000-entry directory, 5,000-level chain, tmpfs; syscalls per entry',
};
