#!/usr/bin/env node
'use strict';
// Memory a removal keeps per failure (the kept list must stay bounded). Not a timed test:
// it builds a tree where every entry fails (chattr +i files at the bottom of
// a deep path, as a co-writer could plant them), runs removeTree in a fresh
// child process per case and prints the child's peak RSS (VmHWM).
//
//   node bench/failure-memory.js [--files 2000] [--depth 400]
// Needs root (chattr +i) and a filesystem that supports it.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync, spawnSync } = require('node:child_process');

function arg(name, def) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
}

if (process.argv[2] === '--child') {
  const { removeTree } = require(path.resolve(__dirname, '..', 'dist'));
  const target = process.argv[3];
  const hwm = () => Number(/VmHWM:\s+(\d+)/.exec(fs.readFileSync('/proc/self/status', 'utf8'))[1]) * 1024;
  global.gc?.();
  const before = hwm();
  removeTree(target).then(
    () => console.log(JSON.stringify({ before, after: hwm(), failures: 0 })),
    (e) => {
      const kept = Array.isArray(e.failures) ? e.failures.length : -1;
      const bytes = Array.isArray(e.failures) ? e.failures.reduce((n, f) => n + f.path.length, 0) : -1;
      console.log(JSON.stringify({ before, after: hwm(), code: e.code, failureCount: e.failureCount ?? kept, kept, keptPathBytes: bytes }));
    },
  );
  return;
}

const files = arg('files', 2000);
const depth = arg('depth', 400);
const base = fs.mkdtempSync(path.join(os.tmpdir(), 'ephemdir-bench-failmem-'));
try {
  function build(name, deep) {
    // A deep chain of 255-byte names (paths of ~100 KB), made fd-relative by
    // walking with process.chdir so no path exceeds PATH_MAX.
    const top = path.join(base, name);
    fs.mkdirSync(top);
    const cwd = process.cwd();
    process.chdir(top);
    const seg = 'd'.repeat(255);
    for (let i = 0; i < deep; i++) {
      fs.mkdirSync(seg);
      process.chdir(seg);
    }
    for (let i = 0; i < files; i++) fs.writeFileSync(`f${i}`, '');
    execFileSync('chattr', ['+i', ...fs.readdirSync('.')]);
    process.chdir(cwd);
    return top;
  }
  const rows = [];
  for (const [label, deep] of [['deep', depth], ['shallow', 0]]) {
    const top = build(label, deep);
    const r = spawnSync(process.execPath, ['--expose-gc', __filename, '--child', top], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(r.stderr);
    const o = JSON.parse(r.stdout);
    rows.push({ label, depth: deep, files, ...o, perFailure: Math.round((o.after - o.before) / files) });
  }
  for (const r of rows) {
    console.log(
      `${r.label.padEnd(8)} depth ${String(r.depth).padStart(4)}  ${r.files} failing files: peak RSS ${(r.before / 1048576).toFixed(1)} MB -> ${(r.after / 1048576).toFixed(1)} MB ` +
        `(~${(r.perFailure / 1024).toFixed(1)} KB per failure); failureCount ${r.failureCount}, kept ${r.kept} (${r.keptPathBytes} path bytes)`,
    );
  }
} finally {
  // chattr -R cannot reach paths past PATH_MAX: walk down by relative chdir.
  const cwd = process.cwd();
  for (const label of ['deep', 'shallow']) {
    const top = path.join(base, label);
    if (!fs.existsSync(top)) continue;
    process.chdir(top);
    while (fs.existsSync('d'.repeat(255))) process.chdir('d'.repeat(255));
    const names = fs.readdirSync('.');
    if (names.length > 0) execFileSync('chattr', ['-i', ...names], { stdio: 'ignore' });
    process.chdir(cwd);
  }
  execFileSync('rm', ['-rf', '--one-file-system', base], { stdio: 'ignore' });
}
