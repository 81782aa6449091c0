'use strict';
// Shared helpers for the benchmark sections: statistics, a plain-text
// table, timing of child processes, syscall counts (strace -c), a tmpfs
// mount, and fixture builders (a small C helper compiled on first use, with
// a JS fallback; a node_modules-like tree; a deep chain).
const { spawnSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..');

function median(xs) {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function fmt(x, digits = 3) {
  return Number.isFinite(x) ? x.toFixed(digits) : '-';
}

/** Renders rows (arrays of strings) as an aligned table with a header. */
function table(header, rows) {
  const all = [header, ...rows].map((r) => r.map(String));
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  const line = (r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(all[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...all.slice(1).map(line)].join('\n');
}

function syncDisks() {
  spawnSync('sync', { stdio: 'ignore' });
}

function which(cmd) {
  for (const dir of (process.env.PATH || '/usr/bin:/bin').split(':')) {
    const p = path.join(dir, cmd);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch {
      // next
    }
  }
  return null;
}

/** Filesystem type of `p` (for the report), or null. */
function fsType(p) {
  const r = spawnSync('stat', ['-f', '-c', '%T', p], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

let helper; // path of the compiled mktree, or null when no compiler works

function mktreeHelper() {
  if (helper !== undefined) return helper;
  helper = null;
  const cc = which('cc') || which('gcc') || which('clang');
  if (!cc) return helper;
  const src = fs.readFileSync(path.join(__dirname, 'mktree.c'));
  const hash = crypto.createHash('sha256').update(src).digest('hex').slice(0, 12);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ephemdir-bench-bin-'));
  const out = path.join(dir, `mktree-${hash}`);
  const r = spawnSync(cc, ['-O2', '-o', out, path.join(__dirname, 'mktree.c')], { encoding: 'utf8' });
  if (r.status === 0) helper = out;
  else process.stderr.write(`bench: cc failed, building fixtures from JS instead:\n${r.stderr}\n`);
  process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  return helper;
}

/**
 * Creates `dirs` directories of `files` empty files under the new
 * directory `target` (dirs = 0: the files directly in it). Returns the
 * seconds it took and which builder was used.
 */
function buildTree(target, dirs, files) {
  const t0 = performance.now();
  const h = mktreeHelper();
  let how;
  if (h) {
    const r = spawnSync(h, [target, String(dirs), String(files)], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`mktree failed: ${r.stderr}`);
    how = 'C mknodat';
  } else {
    fs.mkdirSync(target);
    const fill = (d) => {
      for (let i = 0; i < files; i++) fs.closeSync(fs.openSync(path.join(d, `f${i}`), 'wx', 0o644));
    };
    if (dirs === 0) fill(target);
    for (let d = 0; d < dirs; d++) {
      const dp = path.join(target, `d${d}`);
      fs.mkdirSync(dp);
      fill(dp);
    }
    how = 'JS open/close';
  }
  return { seconds: (performance.now() - t0) / 1000, how };
}

/** A deterministic pseudo-random generator in [0, 1) (mulberry32). */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const templates = new Map(); // files -> { tar, files, dirs, bytes }

/**
 * A node_modules-like tree of about `files` files of 0.1-20 KB (sizes
 * log-uniform), in packages of 8-80 files over a few nested folders, a
 * fifth of them with a nested node_modules. Built once per process into a
 * tarball (the same tree every time, from a fixed seed); each fixture is
 * `tar -x` of it into the new directory `target`.
 */
function buildNodeModules(target, files = 50_000) {
  const t0 = performance.now();
  let tpl = templates.get(files);
  if (!tpl) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ephemdir-bench-nm-'));
    process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
    const top = path.join(dir, 'node_modules');
    const rnd = prng(14);
    const payload = Buffer.alloc(20_000, 'x');
    const size = () => Math.round(100 * Math.pow(200, rnd()));
    let made = 0;
    let dirs = 1;
    let bytes = 0;
    const subdirs = ['lib', 'lib/internal', 'dist', 'dist/esm', 'dist/cjs', 'src', 'types', 'test'];
    const pkg = (parent, name, budget) => {
      const p = path.join(parent, name);
      fs.mkdirSync(p, { recursive: true });
      dirs++;
      const n = Math.min(budget, 8 + Math.floor(rnd() * 72));
      const used = subdirs.slice(0, 1 + Math.floor(rnd() * subdirs.length));
      for (const d of used) {
        fs.mkdirSync(path.join(p, d), { recursive: true });
        dirs++;
      }
      for (let i = 0; i < n; i++) {
        const where = i < 2 ? p : path.join(p, used[i % used.length]);
        const b = size();
        fs.writeFileSync(path.join(where, i === 0 ? 'package.json' : `f${i}.js`), payload.subarray(0, b));
        bytes += b;
      }
      return n;
    };
    fs.mkdirSync(top);
    for (let k = 0; made < files; k++) {
      const name = k % 7 === 0 ? `@scope${k % 13}/pkg${k}` : `pkg${k}`;
      made += pkg(top, name, files - made);
      if (made < files && rnd() < 0.2) {
        for (let j = 0, m = 1 + Math.floor(rnd() * 3); j < m && made < files; j++) {
          made += pkg(path.join(top, name, 'node_modules'), `dep${j}`, files - made);
        }
      }
    }
    const tar = path.join(dir, 'tree.tar');
    timeCommand(['tar', '-cf', tar, '-C', top, '.']);
    fs.rmSync(top, { recursive: true, force: true });
    tpl = { tar, files: made, dirs, bytes };
    templates.set(files, tpl);
  }
  fs.mkdirSync(target);
  timeCommand(['tar', '-xf', tpl.tar, '-C', target]);
  return { seconds: (performance.now() - t0) / 1000, how: 'tar -x', entries: tpl.files + tpl.dirs, bytes: tpl.bytes };
}

/**
 * A chain of `levels` directories `d` under the new directory `top` (a
 * marker file every 1,000 levels and one at the bottom), made level by level
 * with chdir so that no path longer than a name reaches the kernel.
 */
function buildChain(top, levels) {
  const cwd = process.cwd();
  const t0 = performance.now();
  fs.mkdirSync(top);
  process.chdir(top);
  try {
    for (let i = 0; i < levels; i++) {
      if (i % 1000 === 0) fs.writeFileSync('marker', '');
      fs.mkdirSync('d');
      process.chdir('d');
    }
    fs.writeFileSync('bottom', '');
  } finally {
    process.chdir(cwd);
  }
  return { seconds: (performance.now() - t0) / 1000, how: 'mkdir + chdir' };
}

/**
 * Counts the system calls of argv (and its threads) with `strace -f -c`:
 * { total, calls: { name: count } }, or null when strace is missing or fails.
 */
function straceCounts(argv) {
  const strace = which('strace');
  if (!strace) return null;
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ephemdir-bench-strace-')), 'counts');
  try {
    const r = spawnSync(strace, ['-f', '-c', '-o', out, '--', ...argv], { encoding: 'utf8', maxBuffer: 16 << 20 });
    if (r.status !== 0) return null;
    const calls = {};
    let total = 0;
    for (const line of fs.readFileSync(out, 'utf8').split('\n')) {
      // % time  seconds  usecs/call  calls  [errors]  syscall
      const m = /^\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(?:\d+\s+)?([a-z_0-9]+)\s*$/.exec(line);
      if (m && m[2] !== 'total') {
        calls[m[2]] = Number(m[1]);
        total += Number(m[1]);
      }
    }
    return { total, calls };
  } finally {
    fs.rmSync(path.dirname(out), { recursive: true, force: true });
  }
}

/**
 * Mounts a fresh tmpfs (as root) and returns { path, unmount }, or
 * { skip: reason } when this process may not or cannot mount one.
 */
function mountTmpfs(sizeMiB = 1024) {
  if (process.platform !== 'linux') return { skip: 'tmpfs mounts are Linux-only here' };
  if (process.geteuid?.() !== 0) return { skip: 'mounting a tmpfs needs root (run the bench as root)' };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ephemdir-bench-tmpfs-'));
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeMiB}m,mode=0700`, 'tmpfs', dir], { encoding: 'utf8' });
  if (r.status !== 0) {
    fs.rmdirSync(dir);
    return { skip: `mount -t tmpfs failed: ${(r.stderr || '').trim() || `status ${r.status}`}` };
  }
  let mounted = true;
  const unmount = () => {
    if (!mounted) return;
    mounted = false;
    spawnSync('umount', [dir]);
    fs.rmdirSync(dir);
  };
  // On a normal exit. (No signal handler: the sections run synchronously, so
  // one would only delay ^C until the end; a killed bench leaves the mount,
  // named ephemdir-bench-tmpfs-*, to unmount by hand.)
  process.on('exit', unmount);
  return { path: dir, unmount };
}

/** Runs argv, returning wall seconds; throws on failure. */
function timeCommand(argv) {
  const t0 = performance.now();
  const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', maxBuffer: 16 << 20 });
  const seconds = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`${argv.join(' ')} failed (${r.status}): ${r.stderr}`);
  return { seconds, stdout: r.stdout, stderr: r.stderr };
}

/**
 * Runs bench/remove-child.js for one removal; returns {seconds, maxRSSKiB,
 * baseRSSKiB, result}. `seconds` is the removal call alone, timed inside
 * the child (node start-up and module loading excluded). `wrap` is an argv
 * prefix the child runs under (e.g. a shell that sets a ulimit first).
 */
function removeInChild(fn, target, options = {}, wrap = [], engineRoot = root) {
  const argv = [...wrap, ...removeChildArgv(fn, target, options, engineRoot)];
  const r = spawnSync(argv[0], argv.slice(1), {
    encoding: 'utf8',
    maxBuffer: 16 << 20,
  });
  const line = String(r.stdout).trim().split('\n').pop();
  let reply;
  try {
    reply = JSON.parse(line);
  } catch {
    throw new Error(`${fn} child failed (${r.status}): ${r.stderr}`);
  }
  if (!reply.ok) throw new Error(`${fn} failed: ${JSON.stringify(reply.error)}`);
  return reply;
}

/** The argv of one bench/remove-child.js removal (see removeInChild). */
function removeChildArgv(fn, target, options = {}, engineRoot = root) {
  return [process.execPath, path.join(__dirname, 'remove-child.js'), JSON.stringify({ fn, path: target, options, root: engineRoot })];
}

function engineAvailable(engineRoot = root) {
  return fs.existsSync(path.join(engineRoot, 'dist', 'fs', 'remove-tree.js'));
}

module.exports = {
  root,
  median,
  fmt,
  table,
  syncDisks,
  which,
  fsType,
  buildTree,
  buildNodeModules,
  buildChain,
  straceCounts,
  mountTmpfs,
  timeCommand,
  removeInChild,
  removeChildArgv,
  engineAvailable,
};
