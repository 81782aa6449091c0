'use strict';
// Shared helpers for the benchmark sections: statistics, a plain-text
// table, timing of child processes, and a fast fixture builder (a small C
// helper compiled on first use, with a JS fallback).
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
function removeInChild(fn, target, options = {}, wrap = []) {
  const argv = [...wrap, process.execPath, path.join(__dirname, 'remove-child.js'), JSON.stringify({ fn, path: target, options })];
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

function engineAvailable() {
  return fs.existsSync(path.join(root, 'dist', 'fs', 'remove-tree.js'));
}

module.exports = { root, median, fmt, table, syncDisks, which, fsType, buildTree, timeCommand, removeInChild, engineAvailable };
