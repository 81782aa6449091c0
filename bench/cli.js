'use strict';
// Benchmark section "cli": wall time of whole CLI processes, spawned like a
// user's shell would (node dist/cli/main.js ...: the bundled bin), against
// `node -e 0` as the floor, all interleaved (the order rotates every round),
// at 1,000 tracked entries and (unless --no-big) at 100,000 (real
// directories with markers):
//   ephemdir --version   start-up without touching the registry (1,000 only)
//   ephemdir list        every entry probed and rendered, the registry unchanged
//                        since the last listing (its listing cache is used)
//   ephemdir list, cold  the same with the listing cache removed before each
//                        run: every entry file read and decoded, cache rewritten
//   ephemdir new         one directory made (and its pre-creation sweep); in
//                        rounds of its own after the others (a new entry
//                        makes its shard of the listing cache stale)
//   ephemdir path NAME   one name resolved (the registry is read to match it)
//   ephemdir list --json (100,000 only) against its own floor: a node process
//                        that reads and JSON.parses every entry file; its peak
//                        RSS too (process.resourceUsage() at exit, preloaded)
// Targets (issue 14): list <= 1.3x and new <= 1.5x `node -e 0`; list --json
// <= 2x its floor and < 300 MB. With --cli-profile (or when a target is
// missed) each command is run once more with bench/cli-timer.js preloaded
// (time spent in require(), by file) and once with --cpu-prof (self time by
// file), and the breakdown is printed.
// EPHEMDIR_BENCH_CLI_COMPARE=label=/other/checkout[,label2=...] also times
// that checkout's dist/cli/main.js (list, new) in the same interleaved rounds,
// for before/after figures.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const lib = require('./lib');
const fx = require('./fixture');


function timeOnce(argv, env) {
  const t0 = performance.now();
  const r = spawnSync(argv[0], argv.slice(1), { env, encoding: 'utf8', maxBuffer: 64 << 20 });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${argv.join(' ')} failed (${r.status}): ${r.stderr}`);
  return { ms, stdout: r.stdout, stderr: r.stderr };
}

/** Self time of a .cpuprofile grouped by file (and the top functions). */
function summarizeProfile(file) {
  const p = JSON.parse(fs.readFileSync(file, 'utf8'));
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const selfUs = new Map();
  for (let i = 0; i < p.samples.length; i++) selfUs.set(p.samples[i], (selfUs.get(p.samples[i]) ?? 0) + (p.timeDeltas[i] ?? 0));
  const byFile = new Map();
  const byFn = new Map();
  let total = 0;
  for (const [id, us] of selfUs) {
    const cf = byId.get(id).callFrame;
    let url = cf.url.replace(/^file:\/\//, '');
    if (url.startsWith(lib.root)) url = path.relative(lib.root, url);
    else if (url === '') url = `(${cf.functionName || 'program'})`;
    byFile.set(url, (byFile.get(url) ?? 0) + us);
    const fn = `${cf.functionName || '(anonymous)'} ${url}:${cf.lineNumber + 1}`;
    byFn.set(fn, (byFn.get(fn) ?? 0) + us);
    total += us;
  }
  const top = (m, k) => [...m].sort((a, b) => b[1] - a[1]).slice(0, k).map(([name, us]) => ({ name, ms: us / 1000 }));
  return { totalMs: total / 1000, files: top(byFile, 10), functions: top(byFn, 10) };
}

function profile(cmd, env, log) {
  const out = { name: cmd.name };
  cmd.before?.();
  const timer = timeOnce([process.execPath, '-r', path.join(__dirname, 'cli-timer.js'), ...cmd.argv.slice(1)], env);
  const line = timer.stderr.split('\n').find((l) => l.startsWith('CLI-TIMER '));
  if (line) out.requires = JSON.parse(line.slice('CLI-TIMER '.length));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ephemdir-bench-prof-'));
  try {
    cmd.before?.();
    timeOnce([process.execPath, '--cpu-prof', `--cpu-prof-dir=${dir}`, ...cmd.argv.slice(1)], env);
    const f = fs.readdirSync(dir).find((n) => n.endsWith('.cpuprofile'));
    if (f) out.cpu = summarizeProfile(path.join(dir, f));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  log(`  profiled ${cmd.name}`);
  return out;
}

function profileText(p) {
  const lines = [`-- where the time goes: ${p.name}`];
  if (p.requires) {
    const r = p.requires;
    lines.push(`   process start -> first user code ${lib.fmt(r.preloadMs, 1)} ms; inside require() ${lib.fmt(r.requireMs, 1)} ms (${r.modules} modules); exit at ${lib.fmt(r.totalMs, 1)} ms; the rest (command work) ${lib.fmt(r.totalMs - r.preloadMs - r.requireMs, 1)} ms`);
    lines.push(`   require self time, top files: ${r.top.slice(0, 8).map(([k, v]) => `${k} ${lib.fmt(v, 1)}`).join(', ')}`);
  }
  if (p.cpu) {
    lines.push(`   CPU profile (${lib.fmt(p.cpu.totalMs, 0)} ms sampled), self time by file: ${p.cpu.files.slice(0, 8).map((x) => `${x.name} ${lib.fmt(x.ms, 1)}`).join(', ')}`);
    lines.push(`   top functions: ${p.cpu.functions.slice(0, 6).map((x) => `${x.name} ${lib.fmt(x.ms, 1)}`).join('; ')}`);
  }
  return lines.join('\n');
}

const TARGETS = { list: 1.3, new: 1.5, json: 2, jsonRssMB: 300 };

/** Peak RSS (MB) of one run, read by the preloaded timer from process.resourceUsage(). */
function peakRss(argv, env) {
  const o = timeOnce([process.execPath, '-r', path.join(__dirname, 'cli-timer.js'), ...argv.slice(1)], env);
  const line = o.stderr.split('\n').find((l) => l.startsWith('CLI-TIMER '));
  return line ? JSON.parse(line.slice('CLI-TIMER '.length)).maxRssMB : NaN;
}

/** A node process that reads and parses every entry file: the floor of `list --json`. */
const FLOOR_SCRIPT = `
const fs = require('fs'), p = require('path');
const top = p.join(process.env.EPHEMDIR_DATA_DIR, 'registry.d', 'entries');
let n = 0;
for (const d of fs.readdirSync(top)) for (const f of fs.readdirSync(p.join(top, d))) {
  if (f.endsWith('.json')) { JSON.parse(fs.readFileSync(p.join(top, d, f), 'utf8')); n++; }
}
process.stdout.write(n + '\\n');`;

function compareCheckouts() {
  const spec = process.env.EPHEMDIR_BENCH_CLI_COMPARE;
  if (!spec) return [];
  return spec.split(',').filter(Boolean).map((x) => {
    const [label, dir] = x.includes('=') ? [x.slice(0, x.indexOf('=')), x.slice(x.indexOf('=') + 1)] : [path.basename(x), x];
    return { label, main: path.join(path.resolve(dir), 'dist', 'cli', 'main.js') };
  });
}

/** One fixture size: every command interleaved with `node -e 0`; returns the result rows and the commands. */
function measureSize(n, runs, opts, log) {
  const main = path.join(lib.root, 'dist', 'cli', 'main.js');
  const big = n >= 10000;
  const s = fx.scratch(`cli${n}`);
  const out = { entries: n, runs };
  try {
    log(`  cli: making ${n} entries`);
    out.fixtureSeconds = fx.addEntries(s, n, { real: true });
    const name = fx.rawReadAll(s)[0].name;
    const env = { ...s.env, NO_COLOR: '1' };
    delete env.NODE_OPTIONS;
    // Files younger than SETTLE_MS are never cached: let the fixture settle, as a real registry has.
    const { SETTLE_MS } = fx.dist('store/listing-cache.js');
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, SETTLE_MS + 500);
    const dropCache = () => fs.rmSync(path.join(s.dataDir, 'registry.d', 'listing'), { recursive: true, force: true });
    const listed = (o) => o.stdout.split('\n').length > n;
    const made = (o) => o.stdout.trim().startsWith(s.parent + '/');
    const newArgs = ['new', '--parent', s.parent, '--lifetime', '30d'];
    const floor = { key: 'floor', name: 'node -e 0 (floor)', argv: [process.execPath, '-e', '0'] };
    const cachedList = { key: 'list', name: `ephemdir list (${n})`, argv: [process.execPath, main, 'list'], check: listed };
    const cmds = [floor, cachedList];
    cmds.push({ key: 'list-cold', name: `ephemdir list (${n}, cold cache)`, argv: [process.execPath, main, 'list'], before: dropCache, check: listed });
    cmds.push({ key: 'new', name: `ephemdir new (${n})`, argv: [process.execPath, main, ...newArgs], check: made });
    if (!big) {
      cmds.push({ key: 'version', name: 'ephemdir --version', argv: [process.execPath, main, '--version'] });
      cmds.push({ key: 'path', name: 'ephemdir path NAME', argv: [process.execPath, main, 'path', name], check: (o) => o.stdout.trim().endsWith(name) });
    } else {
      cmds.push({ key: 'json-floor', name: `read + JSON.parse every entry file (${n})`, argv: [process.execPath, '-e', FLOOR_SCRIPT], check: (o) => Number(o.stdout) >= n });
      cmds.push({ key: 'json', name: `ephemdir list --json (${n})`, argv: [process.execPath, main, 'list', '--json'], check: (o) => o.stdout.startsWith('[') && o.stdout.trimEnd().endsWith(']') });
    }
    for (const c of compareCheckouts()) {
      cmds.push({ key: `list@${c.label}`, name: `ephemdir list (${n}) @${c.label}`, argv: [process.execPath, c.main, 'list'], check: listed });
      cmds.push({ key: `new@${c.label}`, name: `ephemdir new (${n}) @${c.label}`, argv: [process.execPath, c.main, ...newArgs], check: made });
      if (!big) cmds.push({ key: `list-cold@${c.label}`, name: `ephemdir list (${n}, cold cache) @${c.label}`, argv: [process.execPath, c.main, 'list'], before: dropCache, check: listed });
    }
    for (const c of cmds) {
      c.before?.();
      const o = timeOnce(c.argv, env); // warm-up, and the output check
      if (c.check && !c.check(o)) throw new Error(`${c.name}: unexpected output ${JSON.stringify(o.stdout.slice(0, 200))}`);
    }
    // The warm-up's `new` runs added entries; a shard holding a file younger than SETTLE_MS is
    // never cached, so without this wait "list (warm cache)" would re-read those shards every run.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, SETTLE_MS + 500);
    timeOnce(cachedList.argv, env); // leaves the listing cache written for the cached runs
    // `new` adds an entry, which makes its shard of the listing cache stale (and a file younger than
    // SETTLE_MS is never cached): it runs in rounds of its own, after the reading commands, with
    // its own floor samples, so that "list (warm cache)" stays warm.
    const floorNew = { key: 'floor-new', name: 'node -e 0 (floor, new rounds)', argv: floor.argv };
    const writes = cmds.filter((c) => c.key.startsWith('new'));
    const groups = [cmds.filter((c) => !writes.includes(c)), [floorNew, ...writes]];
    const all = [...groups[0], floorNew, ...writes];
    const samples = Object.fromEntries(all.map((c) => [c.key, []]));
    for (const group of groups) {
      for (let r = 0; r < runs; r++) {
        for (let k = 0; k < group.length; k++) {
          const c = group[(k + r) % group.length];
          c.before?.();
          samples[c.key].push(timeOnce(c.argv, env).ms);
          if (c.before) timeOnce(cachedList.argv, env); // rewrite the cache for the cached runs
        }
      }
    }
    const floorOf = (c) => lib.median(samples[groups[1].includes(c) ? 'floor-new' : 'floor']);
    out.results = all.map((c) => {
      const xs = samples[c.key];
      const med = lib.median(xs);
      const floorMs = floorOf(c);
      return { key: c.key, name: c.name, runs: xs.length, medianMs: med, p90Ms: fx.percentile(xs, 90), minMs: Math.min(...xs), maxMs: Math.max(...xs), ratioToFloor: med / floorMs, aboveFloorMs: med - floorMs };
    });
    if (big) {
      out.rssMB = { json: peakRss(cmds.find((c) => c.key === 'json').argv, env), floor: peakRss(cmds.find((c) => c.key === 'json-floor').argv, env) };
    }
    const missed = out.results.filter((r) => (r.key === 'list' && r.ratioToFloor > TARGETS.list) || (r.key === 'new' && r.ratioToFloor > TARGETS.new));
    out.profiles = [];
    if (missed.length || opts.cliProfile) {
      // The `new` rounds left fresh entry files (never cached until SETTLE_MS old): let them settle and
      // rewrite the cache, or the profile of the warm listing would show shards being re-read.
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, SETTLE_MS + 500);
      timeOnce(cachedList.argv, env);
      const want = opts.cliProfile ? cmds.filter((c) => !c.key.includes('@') && c.key !== 'floor' && c.key !== 'json-floor') : cmds.filter((c) => missed.some((r) => r.key === c.key));
      for (const c of want) out.profiles.push(profile(c, env, log));
    }
    return out;
  } finally {
    s.dispose();
  }
}

function targetRows(sizes) {
  const rows = [];
  for (const d of sizes) {
    const by = Object.fromEntries(d.results.map((r) => [r.key, r]));
    const floor = by.floor;
    for (const [key, cmd] of [['list', 'list'], ['new', 'new']]) {
      const r = by[key];
      const cold = by['list-cold'];
      rows.push({
        key: `${key}-${d.entries}`,
        measure: `ephemdir ${cmd}, ${d.entries.toLocaleString('en-US')} entries`,
        value: `${lib.fmt(r.medianMs, 1)} ms`,
        floor: `${lib.fmt((key === 'new' ? by['floor-new'] : floor).medianMs, 1)} ms`,
        floorName: 'node -e 0',
        ratio: r.ratioToFloor,
        target: `<= ${TARGETS[key]}x the floor`,
        met: r.ratioToFloor <= TARGETS[key],
        note: key === 'list' ? `listing cache warm; cold (cache removed) ${lib.fmt(cold.medianMs, 1)} ms, ${lib.fmt(cold.ratioToFloor, 2)}x` : undefined,
      });
    }
    if (by.json) {
      const ratio = by.json.medianMs / by['json-floor'].medianMs;
      rows.push({
        key: `list-json-${d.entries}`,
        measure: `ephemdir list --json, ${d.entries.toLocaleString('en-US')} entries`,
        value: `${lib.fmt(by.json.medianMs, 0)} ms, ${lib.fmt(d.rssMB.json, 0)} MB RSS`,
        floor: `${lib.fmt(by['json-floor'].medianMs, 0)} ms, ${lib.fmt(d.rssMB.floor, 0)} MB RSS`,
        floorName: 'a node process reading + JSON.parse of every entry file',
        ratio,
        target: `<= ${TARGETS.json}x the floor, < ${TARGETS.jsonRssMB} MB RSS`,
        met: ratio <= TARGETS.json && d.rssMB.json < TARGETS.jsonRssMB,
        note: `peak RSS by process.resourceUsage().maxRSS`,
      });
    }
  }
  return rows;
}

async function run(opts = {}) {
  const log = opts.log ?? ((s) => process.stderr.write(s + '\n'));
  if (!fx.apiAvailable()) return { title: 'cli', text: 'skipped: dist/ is missing (run `npm run compile`)', data: { skipped: true } };
  const n = opts.cliEntries ?? 1000;
  const runs = Math.max(opts.cliRuns ?? 15, 5);
  const data = { runs, loadavgStart: fx.loadavg(), sizes: [] };
  data.sizes.push(measureSize(n, runs, opts, log));
  if (!opts.noBig) data.sizes.push(measureSize(100_000, Math.max(5, Math.ceil(runs / 2)), opts, log));
  data.loadavgEnd = fx.loadavg();
  const targets = targetRows(data.sizes);
  const text = [];
  for (const d of data.sizes) {
    const rows = d.results.map((r) => [r.name, r.runs, lib.fmt(r.medianMs, 1), lib.fmt(r.p90Ms, 1), `${lib.fmt(r.minMs, 0)}-${lib.fmt(r.maxMs, 0)}`, lib.fmt(r.ratioToFloor, 2), lib.fmt(r.aboveFloorMs, 1)]);
    text.push(`${d.runs} runs per command, interleaved; wall ms of the whole process (spawnSync), ${d.entries} tracked entries (real directories; fixture ${lib.fmt(d.fixtureSeconds, 1)} s)`);
    text.push(lib.table(['command', 'runs', 'median ms', 'p90 ms', 'min-max ms', 'x node -e 0', 'ms above floor'], rows));
    if (d.rssMB) text.push(`peak RSS: list --json ${lib.fmt(d.rssMB.json, 0)} MB; floor (read + parse) ${lib.fmt(d.rssMB.floor, 0)} MB`);
    text.push(...d.profiles.map(profileText));
  }
  text.push(`targets: ${targets.map((t) => `${t.key} ${lib.fmt(t.ratio, 2)}x (${t.target}) ${t.met ? 'met' : 'MISSED'}`).join('; ')}`);
  text.push(`load (/proc/loadavg) at start: ${data.loadavgStart}; at end: ${data.loadavgEnd}`);
  return { title: `cli (node ${process.version})`, text: text.join('\n'), data, targets };
}

module.exports = { run, description: 'CLI start-up: ephemdir list / new at 1,000 and 100,000 entries, list --json at 100,000, path NAME, --version vs node -e 0' };
