'use strict';
// Benchmark section "registry": whole-registry reads.
//   A. registered() and sweep({ dryRun: true }) at 100,000 entries (3 runs
//      each, interleaved), against the raw floor measured in the same run:
//      readdir of entries/ plus readFileSync + JSON.parse of every entry
//      file, without validation. The entries point at directories that do
//      not exist (their parent does), none is due; fixture.js builds them
//      once per process (shared with the tempdir section).
//   B. list() at 1,000 entries, each a real directory with its marker
//      (--runs runs), against the same raw floor plus an lstat of each
//      entry's path.
const fs = require('node:fs');
const lib = require('./lib');
const fx = require('./fixture');

function interleave(peers, runs, log, label) {
  return async () => {
    const out = Object.fromEntries(peers.map((p) => [p.name, []]));
    for (let r = 0; r < runs; r++) {
      for (let k = 0; k < peers.length; k++) {
        const p = peers[(k + r) % peers.length];
        const t0 = performance.now();
        const n = await p.fn();
        const sec = (performance.now() - t0) / 1000;
        if (p.expect !== undefined && n !== p.expect) throw new Error(`${p.name}: got ${n}, expected ${p.expect}`);
        out[p.name].push(sec);
      }
      log(`  ${label} run ${r + 1}/${runs}: ${peers.map((p) => `${p.name} ${lib.fmt(out[p.name][r], 3)} s`).join(', ')}`);
    }
    return out;
  };
}

function summarize(samples, floorName, n) {
  const floor = lib.median(samples[floorName]);
  return Object.entries(samples).map(([name, xs]) => {
    const med = lib.median(xs);
    return { name, runs: xs.length, medianSeconds: med, minSeconds: Math.min(...xs), maxSeconds: Math.max(...xs), usPerEntry: (med / n) * 1e6, ratioToFloor: med / floor };
  });
}

function rowsOf(n, list) {
  return list.map((r) => [Number(n).toLocaleString('en-US'), r.name, r.runs, lib.fmt(r.medianSeconds, 3), `${lib.fmt(r.minSeconds, 2)}-${lib.fmt(r.maxSeconds, 2)}`, lib.fmt(r.usPerEntry, 1), lib.fmt(r.ratioToFloor, 2)]);
}

async function run(opts = {}) {
  const log = opts.log ?? ((s) => process.stderr.write(s + '\n'));
  if (!fx.apiAvailable()) return { title: 'registry', text: 'skipped: dist/ is missing (run `npm run compile`)', data: { skipped: true } };
  const api = fx.dist('index.js');
  const big = opts.registryEntries ?? 100_000;
  const small = opts.listEntries ?? 1000;
  const listRuns = opts.runs ?? 5;
  const data = { loadavgStart: fx.loadavg() };

  log(`registry: building (or reusing) a ${big}-entry registry`);
  const g = fx.ghostRegistry(big);
  log(`  fixture ${g.shared ? 'reused' : `built in ${lib.fmt(g.buildSeconds, 1)} s`}`);
  const bigPeers = [
    { name: 'registered()', expect: big, fn: async () => (await api.registered()).length },
    { name: 'sweep({dryRun:true})', expect: 0, fn: async () => (await api.sweep({ dryRun: true })).removed.length },
    { name: 'floor: read+parse all', expect: big, fn: async () => fx.rawReadAll(g.s).length },
  ];
  const bigSamples = await fx.withEnv(g.s, async () => {
    await api.registered(); // warm-up: module loading (the page cache is warm from the build)
    return interleave(bigPeers, 3, log, `${big}`)();
  });
  data.big = { entries: big, fixtureSeconds: g.buildSeconds, fixtureShared: g.shared, results: summarize(bigSamples, 'floor: read+parse all', big) };

  log(`registry: list() at ${small} real entries`);
  const s = fx.scratch(`list${small}`);
  try {
    const buildSeconds = fx.addEntries(s, small, { real: true });
    const listPeers = [
      { name: 'list()', expect: small, fn: async () => (await api.list()).length },
      { name: 'registered()', expect: small, fn: async () => (await api.registered()).length },
      {
        name: 'floor: read+parse+lstat',
        expect: small,
        fn: async () => {
          const all = fx.rawReadAll(s);
          for (const e of all) fs.lstatSync(e.path);
          return all.length;
        },
      },
    ];
    const listSamples = await fx.withEnv(s, async () => {
      await api.list();
      return interleave(listPeers, listRuns, log, `${small}`)();
    });
    data.list = { entries: small, fixtureSeconds: buildSeconds, results: summarize(listSamples, 'floor: read+parse+lstat', small) };
  } finally {
    s.dispose();
  }
  data.loadavgEnd = fx.loadavg();
  const text = [
    `seconds per call (median; interleaved with the floor in the same run); "x floor" = median / floor median`,
    lib.table(['entries', 'call', 'runs', 'median s', 'min-max s', 'us/entry', 'x floor'], [...rowsOf(big, data.big.results), ...rowsOf(small, data.list.results)]),
    `fixtures: ${big} non-existent, not-due entries (${g.shared ? 'reused from an earlier section' : `built in ${lib.fmt(g.buildSeconds, 1)} s`}); ${small} real directories with markers (built in ${lib.fmt(data.list.fixtureSeconds, 1)} s)`,
    `load (/proc/loadavg) at start: ${data.loadavgStart}; at end: ${data.loadavgEnd}`,
  ].join('\n');
  return { title: 'registry (whole-registry reads)', text, data };
}

module.exports = { run, description: 'registered() and sweep({dryRun}) at 100,000 entries, list() at 1,000, vs a raw read+parse floor' };
