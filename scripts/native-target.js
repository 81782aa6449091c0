'use strict';
// Which native binaries fit this machine. Shared by the install step (which
// runs before dist/ exists) and the loader, so both decide alike. The
// decisions are pure functions over plain data; the host is read only from
// the running process and its own executable, never from the environment, so
// no variable can make a binary for another libc or architecture load.
const fs = require('node:fs');
const path = require('node:path');

const SUPPORTED_PLATFORMS = ['linux', 'darwin'];

function isSupported(platform) {
  return SUPPORTED_PLATFORMS.includes(platform);
}

/** 'glibc' | 'musl' | null, from the path of an ELF program interpreter. */
function libcFromInterpreter(interpreter) {
  if (typeof interpreter !== 'string') return null;
  const base = interpreter.slice(interpreter.lastIndexOf('/') + 1);
  if (base.startsWith('ld-musl-')) return 'musl';
  if (base.startsWith('ld-linux') || base.startsWith('ld64.so') || base === 'ld.so.1') return 'glibc';
  return null;
}

/** The PT_INTERP string of an ELF image whose first bytes are `head`; null when there is none. */
function elfInterpreter(head, readAt) {
  if (head.length < 64 || head.readUInt32BE(0) !== 0x7f454c46) return null;
  const is64 = head[4] === 2;
  const le = head[5] === 1;
  const u16 = (b, o) => (le ? b.readUInt16LE(o) : b.readUInt16BE(o));
  const u32 = (b, o) => (le ? b.readUInt32LE(o) : b.readUInt32BE(o));
  const uN = (b, o) => (is64 ? Number(le ? b.readBigUInt64LE(o) : b.readBigUInt64BE(o)) : u32(b, o));
  const phoff = uN(head, is64 ? 0x20 : 0x1c);
  const phentsize = u16(head, is64 ? 0x36 : 0x2a);
  const phnum = u16(head, is64 ? 0x38 : 0x2c);
  const table = readAt(phoff, phentsize * phnum);
  for (let i = 0; i < phnum; i++) {
    const at = i * phentsize;
    if (at + phentsize > table.length) break;
    if (u32(table, at) !== 3) continue; // PT_INTERP
    const offset = uN(table, at + (is64 ? 8 : 4));
    const size = uN(table, at + (is64 ? 0x20 : 0x10));
    const text = readAt(offset, Math.min(size, 4096)).toString('latin1');
    return text.replace(/\0[\s\S]*$/, '');
  }
  return null;
}

/** The libc the running Node is linked against: its own ELF interpreter, else its diagnostic report. */
function hostLibc() {
  if (process.platform !== 'linux') return null;
  try {
    const fd = fs.openSync(process.execPath, 'r');
    try {
      // One read holds the headers and the interpreter's name in any usual layout; further reads only if not.
      const head = Buffer.alloc(4096);
      const got = head.subarray(0, fs.readSync(fd, head, 0, head.length, 0));
      const readAt = (pos, len) => {
        if (pos + len <= got.length) return got.subarray(pos, pos + len);
        const buf = Buffer.alloc(len);
        return buf.subarray(0, fs.readSync(fd, buf, 0, len, pos));
      };
      const found = libcFromInterpreter(elfInterpreter(got, readAt));
      if (found) return found;
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    // unreadable executable: ask the report below
  }
  // A statically linked Node has no interpreter; its report says whether glibc is in use (~10 ms, rare).
  const header = process.report && process.report.getReport().header;
  return header && header.glibcVersionRuntime ? 'glibc' : 'musl';
}

/** The running Node as the prebuild layout names it. */
function hostTarget() {
  const vars = (process.config && process.config.variables) || {};
  return {
    platform: process.platform,
    arch: process.arch,
    libc: hostLibc(),
    abi: process.versions.modules,
    uv: (process.versions.uv || '').split('.')[0],
    armv: process.arch === 'arm64' ? '8' : process.arch === 'arm' ? String(vars.arm_version || '') : '',
  };
}

/** "linux-x64 (glibc)", "darwin-arm64". */
function describeHost(host) {
  return `${host.platform}-${host.arch}${host.libc ? ` (${host.libc})` : ''}`;
}

// The layout is prebuildify's, and node-gyp-build's own pure parsers and
// orderings read it (loaded only when prebuilds are looked at). Its resolver
// is not used: it takes the libc and arch from the environment (LIBC,
// npm_config_arch) and would pick an untagged binary on musl, so which
// binary fits this host is decided below, from the process alone.
let layoutModule;
function layout() {
  if (!layoutModule) layoutModule = require('node-gyp-build');
  return layoutModule;
}

/** A prebuilds folder name, "<platform>-<arch>[+<arch>...]"; null when it is not one. */
function parseTuple(name) {
  return layout().parseTuple(name) || null;
}

/** A binary's name, dot-separated tags ending in ".node"; null when it is not one. */
function parseTags(file) {
  return layout().parseTags(file) || null;
}

/** Single-architecture folders before multi-architecture ones. */
function compareTuples(a, b) {
  return layout().compareTuples(a, b);
}

/** Node's own runtime first, then ABI-specific over N-API, then the most specific. */
function compareTags(a, b) {
  return layout().compareTags('node')(a, b);
}

/**
 * Decides which prebuilds may be tried, best first, and why every other one
 * is not. `listing`: [{ tuple: 'linux-x64', files: ['node.napi.glibc.node', ...] }].
 * Returns { candidates: ['linux-x64/node.napi.glibc.node'], refused: [{ file, reason }] }.
 */
function choosePrebuilds(listing, host) {
  const refused = [];
  const fits = [];
  for (const { tuple, files } of listing) {
    const t = parseTuple(tuple);
    if (!t) continue;
    for (const file of files) {
      const tags = parseTags(file);
      if (!tags) continue; // not a binary
      const rel = `${tuple}/${file}`;
      const reason = refusal(t, tags, host);
      if (reason) refused.push({ file: rel, reason });
      else fits.push({ tuple: t, tags, rel });
    }
  }
  fits.sort((a, b) => compareTuples(a.tuple, b.tuple) || compareTags(a.tags, b.tags));
  return { candidates: fits.map((f) => f.rel), refused };
}

function refusal(tuple, tags, host) {
  if (tuple.platform !== host.platform || !tuple.architectures.includes(host.arch)) {
    return `built for ${tuple.platform}-${tuple.architectures.join('+')}, this is ${host.platform}-${host.arch}`;
  }
  if (tags.runtime && tags.runtime !== 'node') return `built for ${tags.runtime}, not node`;
  if (tags.abi && !tags.napi && tags.abi !== host.abi) return `built for node ABI ${tags.abi}, this is ${host.abi}`;
  if (tags.uv && tags.uv !== host.uv) return `built for libuv ${tags.uv}, this is ${host.uv}`;
  if (tags.armv && tags.armv !== host.armv) return `built for armv${tags.armv}, this is armv${host.armv || '?'}`;
  if (host.platform === 'linux') {
    // An untagged Linux binary was built on glibc (prebuildify tags musl builds only when asked).
    const libc = tags.libc || 'glibc';
    if (host.libc === null) return `cannot tell this system's libc, so no ${libc} binary is tried`;
    if (libc !== host.libc) return `built for ${libc}${tags.libc ? '' : ' (untagged)'}, this system uses ${host.libc}`;
  }
  return null;
}

/** The prebuilds folder as choosePrebuilds takes it. */
function listPrebuilds(root) {
  const dir = path.join(root, 'prebuilds');
  const read = (d) => {
    try {
      return fs.readdirSync(d, { withFileTypes: true });
    } catch {
      return [];
    }
  };
  return read(dir)
    .filter((e) => e.isDirectory())
    .map((e) => ({ tuple: e.name, files: read(path.join(dir, e.name)).filter((f) => f.isFile()).map((f) => f.name).sort() }))
    .sort((a, b) => (a.tuple < b.tuple ? -1 : a.tuple > b.tuple ? 1 : 0));
}

/**
 * What the install step does: 'none' where ephemdir is unsupported (it
 * refuses when used), 'keep' when a binary already loads with these sources'
 * stamp, else 'compile'.
 */
function installAction({ platform, fittingBinary }) {
  if (!isSupported(platform)) return 'none';
  return fittingBinary ? 'keep' : 'compile';
}

module.exports = {
  SUPPORTED_PLATFORMS,
  isSupported,
  libcFromInterpreter,
  elfInterpreter,
  hostLibc,
  hostTarget,
  describeHost,
  parseTuple,
  parseTags,
  compareTuples,
  compareTags,
  choosePrebuilds,
  listPrebuilds,
  installAction,
};
