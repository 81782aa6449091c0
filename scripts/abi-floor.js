'use strict';
// What a shipped Linux binary may ask of the system it loads on: symbol
// versions no newer than glibc 2.28 (Node 20's own floor: RHEL 8, Debian 10)
// and GCC 5's libstdc++ (GLIBCXX_3.4.21, CXXABI_1.3.9). Reads the ELF with
// readelf (binutils); the checks are pure functions over its output.
const { spawnSync } = require('node:child_process');

const FLOORS = { GLIBC: '2.28', GLIBCXX: '3.4.21', CXXABI: '1.3.9', GCC: '5.0.0' };
const MACHINES = { x64: 'Advanced Micro Devices X86-64', arm64: 'AArch64' };

function compareVersions(a, b) {
  const x = a.split('.').map(Number);
  const y = b.split('.').map(Number);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] || 0) - (y[i] || 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** Parses `readelf -h -d -S -V -W`: machine, NEEDED libraries, version needs, whether a symbol table is left. */
function parseReadelf(text) {
  const machine = (/^\s*Machine:\s*(.+?)\s*$/m.exec(text) || [])[1] || '';
  const needed = [...text.matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)].map((m) => m[1]);
  const needs = [];
  const section = /Version needs section[^\n]*\n([\s\S]*?)(?:\n\s*\n|$)/.exec(text);
  if (section) {
    let file = '';
    for (const line of section[1].split('\n')) {
      const f = /File:\s*(\S+)/.exec(line);
      if (f) file = f[1];
      const n = /Name:\s*(\S+)/.exec(line);
      if (n) needs.push({ file, name: n[1] });
    }
  }
  const hasSymtab = /\]\s+\.symtab\s/.test(text);
  return { machine, needed, needs, hasSymtab };
}

/** Every version need above its floor, or of a kind with no floor, as a sentence. */
function aboveFloor(needs) {
  const out = [];
  for (const { file, name } of needs) {
    const m = /^([A-Z]+)_([0-9.]+)$/.exec(name);
    if (!m || !(m[1] in FLOORS)) {
      out.push(`${name} (from ${file}) has no floor`);
    } else if (compareVersions(m[2], FLOORS[m[1]]) > 0) {
      out.push(`${name} (from ${file}) is newer than ${m[1]}_${FLOORS[m[1]]}`);
    }
  }
  return out;
}

/** The C library a binary links: 'glibc', 'musl', or null when it names neither. */
function linkedLibc(needed) {
  if (needed.some((n) => /^libc\.musl-.*\.so/.test(n) || n === 'libc.so')) return 'musl';
  if (needed.includes('libc.so.6')) return 'glibc';
  return null;
}

/** Every reason a Linux prebuild for `arch` tagged `libc` must not ship (empty when it may). */
function problems(info, { arch, libc }) {
  const out = aboveFloor(info.needs);
  const machine = MACHINES[arch];
  if (machine && info.machine !== machine) out.push(`is built for ${info.machine || 'an unknown machine'}, not ${arch}`);
  const linked = linkedLibc(info.needed);
  if (linked !== libc) out.push(`is tagged ${libc} but links ${linked || 'no known C library'} (${info.needed.join(', ')})`);
  if (info.hasSymtab) out.push('is not stripped');
  return out;
}

function readElf(file) {
  const r = spawnSync('readelf', ['-h', '-d', '-S', '-V', '-W', file], { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    throw new Error(`readelf cannot read ${file}: ${r.error ? r.error.message : r.stderr.trim()} (binutils is needed)`);
  }
  return parseReadelf(r.stdout);
}

module.exports = { FLOORS, MACHINES, compareVersions, parseReadelf, aboveFloor, linkedLibc, problems, readElf };
