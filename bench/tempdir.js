'use strict';
// Benchmark section "tempdir": what creating one managed directory costs.
// tempdirSync() and tempdir() (their bounded maintenance sweep included) are
// timed against the floor, in one interleaved loop with both registry sizes
// (the order rotating every sample), on the disk (os.tmpdir(), ext4 here) and on tmpfs
// (/dev/shm), at a small registry (10 entries) and a large one (100,000,
// built in the on-disk format by fixture.js; none due).
//
// The floor is what any design that makes its marker durable must pay:
// mkdtemp, a 33-byte marker written and fsynced, and the folder holding the
// marker fsynced (the issue's floor; fs.mkdtempSync alone is shown too).
// Every directory made is removed right after it was timed, outside the
// timed region (handle.remove() for ours, so the registry keeps its size).
//
// Syscalls and fsyncs per call come from `strace -f` of a child process that
// makes the calls after a warm-up; only the calls between two marker
// syscalls are counted (skipped when strace is missing).
//
// Target (issue 14, row 'tempdirSync-median'): tempdirSync() median at most
// 2x the floor on the disk, and still flat (at most 1.5x) at 100,000 entries.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const lib = require('./lib');
const fx = require('./fixture');

const TARGET_RATIO = 2;
const FLAT_RATIO = 1.5;
const TMPFS = '/dev/shm';
const FLOOR = 'floor: mkdtemp+fsync marker';

function mkdtempDurable(dir) {
  const p = fs.mkdtempSync(path.join(dir, 'mkd-'));
  const fd = fs.openSync(path.join(p, '.marker'), 'wx', 0o600);
  fs.writeSync(fd, 'f'.repeat(32) + '\n');
  fs.fsyncSync(fd);
  fs.closeSync(fd);
  const dfd = fs.openSync(p, 'r');
  fs.fsyncSync(dfd);
  fs.closeSync(dfd);
  return p;
}

/** A scratch area on `base`'s file system (fixture.js makes it under os.tmpdir(), which reads TMPDIR). */
function scratchOn(base, label) {
  const saved = process.env.TMPDIR;
  process.env.TMPDIR = base;
  try {
    return fx.scratch(label);
  } finally {
    if (saved === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = saved;
  }
}

/**
 * Times every peer at every registry size in one interleaved loop, so the
 * sizes and the floor share the same moments of a shared disk: `areas` maps
 * a size to its scratch area (parent and data folder). Ours get `dataDir`
 * explicitly; the floor and mkdtempSync work in the smallest area's parent.
 */
async function measureAll(api, areas, opts, log, where) {
  const sizes = Object.keys(areas).map(Number);
  const base = areas[sizes[0]];
  const peers = [];
  for (const n of sizes) {
    const a = areas[n];
    const o = { parent: a.parent, dataDir: a.dataDir };
    peers.push({
      name: `tempdirSync()@${n}`,
      async once() {
        const t0 = performance.now();
        const h = api.tempdirSync(o);
        const ms = performance.now() - t0;
        h.removeSync();
        return ms;
      },
    });
    peers.push({
      name: `tempdir()@${n}`,
      async once() {
        const t0 = performance.now();
        const h = await api.tempdir(o);
        const ms = performance.now() - t0;
        await h.remove();
        return ms;
      },
    });
  }
  peers.push({
    name: FLOOR,
    async once() {
      const t0 = performance.now();
      const p = mkdtempDurable(base.parent);
      const ms = performance.now() - t0;
      fs.rmSync(p, { recursive: true });
      return ms;
    },
  });
  peers.push({
    name: 'fs.mkdtempSync',
    async once() {
      const t0 = performance.now();
      const p = fs.mkdtempSync(path.join(base.parent, 'mk-'));
      const ms = performance.now() - t0;
      fs.rmdirSync(p);
      return ms;
    },
  });
  return fx.withEnv(base, async () => {
    for (const p of peers) for (let i = 0; i < 3; i++) await p.once(); // warm-up: module loading, first registry open
    const samples = Object.fromEntries(peers.map((p) => [p.name, []]));
    const runMedians = Object.fromEntries(peers.map((p) => [p.name, []]));
    for (let run = 0; run < opts.runs; run++) {
      const cur = Object.fromEntries(peers.map((p) => [p.name, []]));
      for (let i = 0; i < opts.samples; i++) {
        for (let k = 0; k < peers.length; k++) {
          const p = peers[(k + i + run) % peers.length];
          cur[p.name].push(await p.once());
        }
      }
      for (const p of peers) {
        samples[p.name].push(...cur[p.name]);
        runMedians[p.name].push(lib.median(cur[p.name]));
      }
      log(`  ${where}, run ${run + 1}/${opts.runs}: ${peers.map((p) => `${p.name} ${lib.fmt(lib.median(cur[p.name]), 3)} ms`).join(', ')}`);
    }
    for (const n of sizes) {
      const left = fx.entryFileCount(areas[n]);
      if (left !== n) throw new Error(`registry has ${left} entries after the tempdir runs, expected ${n}`);
    }
    const out = {};
    for (const p of peers) {
      out[p.name] = {
        medianMs: lib.median(runMedians[p.name]),
        p90Ms: fx.percentile(samples[p.name], 90),
        minMs: Math.min(...samples[p.name]),
        maxMs: Math.max(...samples[p.name]),
        runMediansMs: runMedians[p.name],
        samples: samples[p.name].length,
      };
    }
    return out;
  });
}

// ---- syscalls per call (strace) ----

const MARK_START = '/ephemdir-bench-trace-start';
const MARK_END = '/ephemdir-bench-trace-end';

/** In the traced child: warm up, then make `n` calls between two marker syscalls. */
async function traceChild(mode, parent, n) {
  const api = fx.dist('index.js');
  const one = async () => (mode === 'async' ? api.tempdir({ parent }) : api.tempdirSync({ parent }));
  for (let i = 0; i < 3; i++) (await one()).keep();
  try {
    fs.accessSync(MARK_START);
  } catch {
    // the marker syscall is the point
  }
  for (let i = 0; i < n; i++) await one();
  try {
    fs.accessSync(MARK_END);
  } catch {
    // as above
  }
}

/** Syscalls and fsyncs per call of `mode` ('sync' or 'async') with a parent and registry on `base`. */
function traceCalls(base, mode, n) {
  if (!lib.which('strace')) return null;
  const s = scratchOn(base, `trace-${mode}`);
  const out = path.join(s.base, 'strace.out');
  try {
    const r = spawnSync('strace', ['-f', '-qq', '-o', out, process.execPath, __filename, '--trace-child', mode, s.parent, String(n)], {
      env: s.env,
      encoding: 'utf8',
    });
    if (r.status !== 0) return { error: `strace exited ${r.status}: ${r.stderr.slice(0, 300)}` };
    const lines = fs.readFileSync(out, 'utf8').split('\n');
    const counts = {};
    let on = false;
    let total = 0;
    for (const line of lines) {
      if (line.includes(MARK_START)) {
        on = true;
        continue;
      }
      if (line.includes(MARK_END)) break;
      if (!on) continue;
      const m = /^\d+\s+([a-z_0-9]+)\(/.exec(line);
      if (!m) continue; // "<... resumed>" halves and signals
      // Thread-pool hand-offs of the async form are Node's, not ours: counted apart.
      counts[m[1]] = (counts[m[1]] ?? 0) + 1;
      total++;
    }
    const per = (k) => (counts[k] ?? 0) / n;
    const sched = ['futex', 'epoll_wait', 'epoll_pwait', 'epoll_ctl'];
    const schedCount = sched.reduce((a, k) => a + (counts[k] ?? 0), 0);
    const top = Object.entries(counts)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 10)
      .map(([k, v]) => `${k} ${lib.fmt(v / n, 1)}`);
    return {
      calls: n,
      syscallsPerCall: total / n,
      ourSyscallsPerCall: (total - schedCount) / n,
      fsyncsPerCall: per('fsync') + per('fdatasync'),
      top,
    };
  } finally {
    s.dispose();
  }
}

async function run(opts = {}) {
  const log = opts.log ?? ((s) => process.stderr.write(s + '\n'));
  if (!fx.apiAvailable()) return { title: 'tempdir', text: 'skipped: dist/ is missing (run `npm run compile`)', data: { skipped: true } };
  const api = fx.dist('index.js');
  const big = opts.tempdirEntries ?? 100_000;
  const m = { runs: opts.runs ?? 5, samples: opts.tempdirSamples ?? 40 };
  const data = { runs: m.runs, samplesPerRun: m.samples, loadavgStart: fx.loadavg(), places: {} };

  const places = [{ where: 'disk', base: os.tmpdir() }];
  if (lib.fsType(TMPFS) === 'tmpfs') places.push({ where: 'tmpfs', base: TMPFS });
  for (const { where, base } of places) {
    const fsName = lib.fsType(base) ?? '?';
    const place = { base, fs: fsName };
    data.places[where] = place;
    const small = scratchOn(base, 'tempdir10');
    let g = null;
    try {
      fx.addEntries(small, 10);
      log(`tempdir: ${where} (${fsName} under ${base}), building a ${big}-entry registry`);
      if (where === 'disk' && path.resolve(base) === path.resolve(os.tmpdir())) {
        g = fx.ghostRegistry(big); // shared with the registry section
      } else {
        const s = scratchOn(base, `reg${big}`);
        g = { s, buildSeconds: fx.addEntries(s, big, { real: false }), own: true };
      }
      log(`  fixture ${g.shared ? 'reused' : `built in ${lib.fmt(g.buildSeconds, 1)} s`}`);
      place.peers = await measureAll(api, { 10: small, [big]: g.s }, m, log, where);
    } finally {
      small.dispose();
      if (g?.own) g.s.dispose();
    }
    log(`tempdir: ${where}, strace of the sync and async forms`);
    place.trace = { sync: traceCalls(base, 'sync', 50), async: traceCalls(base, 'async', 50) };
  }
  data.loadavgEnd = fx.loadavg();

  const med = (w, name) => data.places[w].peers[name].medianMs;
  const ratio = (w, name) => med(w, name) / med(w, FLOOR);
  const rows = [];
  for (const [w, place] of Object.entries(data.places)) {
    for (const [name, r] of Object.entries(place.peers)) {
      rows.push([w, name, r.samples, lib.fmt(r.medianMs, 3), lib.fmt(r.p90Ms, 3), lib.fmt(r.medianMs / med(w, FLOOR), 2)]);
    }
  }
  const traceRows = [];
  for (const [w, place] of Object.entries(data.places)) {
    for (const [mode, t] of Object.entries(place.trace)) {
      if (t === null) traceRows.push([w, mode, 'strace missing', '', '', '']);
      else if (t.error) traceRows.push([w, mode, t.error, '', '', '']);
      else traceRows.push([w, mode === 'sync' ? 'tempdirSync()' : 'tempdir()', lib.fmt(t.syscallsPerCall, 1), lib.fmt(t.ourSyscallsPerCall, 1), lib.fmt(t.fsyncsPerCall, 2), t.top.join(', ')]);
    }
  }
  const disk = data.places.disk;
  const S10 = 'tempdirSync()@10';
  const SBIG = `tempdirSync()@${big}`;
  data.ratios = {};
  for (const w of Object.keys(data.places)) {
    for (const name of Object.keys(data.places[w].peers)) data.ratios[`${w}:${name}/floor`] = ratio(w, name);
    data.ratios[`${w}:tempdirSync ${big}/10`] = med(w, SBIG) / med(w, S10);
  }
  const worstDisk = Math.max(ratio('disk', S10), ratio('disk', SBIG));
  // Both sizes ran interleaved with each other: their plain ratio is fair.
  const flat = med('disk', SBIG) / med('disk', S10);
  const st = disk.trace.sync;
  const met = worstDisk <= TARGET_RATIO && flat <= FLAT_RATIO;
  const tmpfsNote = data.places.tmpfs
    ? `; tmpfs ${lib.fmt(med('tmpfs', S10), 3)} ms = ${lib.fmt(ratio('tmpfs', S10), 1)}x its floor (no fsync cost there: syscalls and JS dominate)`
    : '';
  data.targets = [
    {
      key: 'tempdirSync-median',
      measure: `tempdirSync() median (ext4; 10 and ${big.toLocaleString('en-US')} entries)`,
      value: `${lib.fmt(med('disk', S10), 3)} ms / ${lib.fmt(med('disk', SBIG), 3)} ms`,
      floor: `${lib.fmt(med('disk', FLOOR), 3)} ms`,
      floorName: 'mkdtemp + a marker written and fsynced + its folder fsynced',
      ratio: Number(worstDisk.toFixed(2)),
      target: `<= ${TARGET_RATIO}x the floor, flat to ${big.toLocaleString('en-US')} entries`,
      met,
      note:
        `${big.toLocaleString('en-US')}/10 = ${lib.fmt(flat, 2)}x; tempdir() ${lib.fmt(ratio('disk', 'tempdir()@10'), 2)}x` +
        (st && !st.error ? `; ${lib.fmt(st.syscallsPerCall, 0)} syscalls and ${lib.fmt(st.fsyncsPerCall, 1)} fsync per call` : '') +
        tmpfsNote,
    },
  ];
  const text = [
    `${m.runs} runs x ${m.samples} calls per peer and place, both registry sizes and the floor interleaved; ms per call (median of run medians; p90 over all calls)`,
    lib.table(['where', 'call@entries', 'calls', 'median ms', 'p90 ms', 'x floor'], rows),
    '',
    'syscalls per call (strace -f of a child, 50 calls after a warm-up, 10 entries; "ours" leaves out futex/epoll thread hand-offs)',
    lib.table(['where', 'call', 'syscalls', 'ours', 'fsync', 'most frequent'], traceRows),
    '',
    `target: tempdirSync() <= ${TARGET_RATIO}x the floor on the disk at 10 and ${big} entries, and ${big}/10 <= ${FLAT_RATIO}x: ${met ? 'met' : 'MISSED'} (worst ${lib.fmt(worstDisk, 2)}x, flat ${lib.fmt(flat, 2)}x)`,
    `load (/proc/loadavg) at start: ${data.loadavgStart}; at end: ${data.loadavgEnd}`,
  ].join('\n');
  return { title: `tempdir (disk: ${disk.fs} under ${disk.base}${data.places.tmpfs ? `; tmpfs under ${TMPFS}` : ''})`, text, data };
}

if (require.main === module && process.argv[2] === '--trace-child') {
  traceChild(process.argv[3], process.argv[4], Number(process.argv[5])).catch((err) => {
    console.error(err);
    process.exit(1);
  });
}

module.exports = { run, description: 'tempdirSync()/tempdir() median vs the durable-mkdtemp floor, disk and tmpfs, 10 and 100,000 entries; syscalls and fsyncs per call' };
