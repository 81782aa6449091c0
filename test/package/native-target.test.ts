// The pure decisions behind loading and installing: which prebuilds fit a
// host (platform, arch, libc), which libc a Node binary uses, what the install
// step does on each platform, and which fix the error names for each package
// manager. Tables, plus the real ELF header of the running node.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from './packing';
import { nativeFix, packageManagerFromAgent, rebuildCommand, toolchainHint, unavailableMessage, type Host } from '../../src/native/unavailable';

const root = repoRoot(__dirname);
// eslint-disable-next-line @typescript-eslint/no-require-imports -- dynamic path: a CommonJS script of the checkout (outside the TS project)
const target = require(path.join(root, 'scripts', 'native-target.js')) as {
  isSupported(p: string): boolean;
  libcFromInterpreter(s: string | null): string | null;
  elfInterpreter(head: Buffer, readAt: (pos: number, len: number) => Buffer): string | null;
  hostLibc(): string | null;
  choosePrebuilds(listing: { tuple: string; files: string[] }[], host: object): { candidates: string[]; refused: { file: string; reason: string }[] };
  installAction(a: { platform: string; fittingBinary: boolean }): string;
  parseTuple(name: string): object | null;
  parseTags(file: string): object | null;
  compareTuples(a: object, b: object): number;
  compareTags(a: object, b: object): number;
};

test('installAction: builds nothing where unsupported, keeps a fitting binary, else compiles', () => {
  const table: [string, boolean, string][] = [
    ['win32', false, 'none'],
    ['win32', true, 'none'],
    ['freebsd', false, 'none'],
    ['aix', false, 'none'],
    ['android', false, 'none'],
    ['linux', true, 'keep'],
    ['linux', false, 'compile'],
    ['darwin', true, 'keep'],
    ['darwin', false, 'compile'],
  ];
  for (const [platform, fittingBinary, want] of table) {
    assert.equal(target.installAction({ platform, fittingBinary }), want, `${platform} fitting=${fittingBinary}`);
  }
});

test('libcFromInterpreter: the ELF interpreter names the libc', () => {
  const table: [string | null, string | null][] = [
    ['/lib64/ld-linux-x86-64.so.2', 'glibc'],
    ['/lib/ld-linux-aarch64.so.1', 'glibc'],
    ['/lib/ld-linux-armhf.so.3', 'glibc'],
    ['/lib64/ld64.so.2', 'glibc'],
    ['/lib/ld-musl-x86_64.so.1', 'musl'],
    ['/lib/ld-musl-aarch64.so.1', 'musl'],
    ['/usr/glibc-compat/lib/ld-linux-x86-64.so.2', 'glibc'],
    ['/system/bin/linker64', null],
    ['', null],
    [null, null],
  ];
  for (const [interp, want] of table) assert.equal(target.libcFromInterpreter(interp), want, String(interp));
});

/** A minimal ELF image with one PT_LOAD and one PT_INTERP program header. */
function elf(is64: boolean, littleEndian: boolean, interp: string): Buffer {
  const ehsize = is64 ? 64 : 52;
  const phentsize = is64 ? 56 : 32;
  const phoff = ehsize;
  const interpAt = phoff + 2 * phentsize;
  const buf = Buffer.alloc(interpAt + interp.length + 1);
  buf.writeUInt32BE(0x7f454c46, 0);
  buf[4] = is64 ? 2 : 1;
  buf[5] = littleEndian ? 1 : 2;
  const w16 = (v: number, o: number) => (littleEndian ? buf.writeUInt16LE(v, o) : buf.writeUInt16BE(v, o));
  const w32 = (v: number, o: number) => (littleEndian ? buf.writeUInt32LE(v, o) : buf.writeUInt32BE(v, o));
  const wN = (v: number, o: number) => (is64 ? (littleEndian ? buf.writeBigUInt64LE(BigInt(v), o) : buf.writeBigUInt64BE(BigInt(v), o)) : w32(v, o));
  wN(phoff, is64 ? 0x20 : 0x1c);
  w16(phentsize, is64 ? 0x36 : 0x2a);
  w16(2, is64 ? 0x38 : 0x2c);
  w32(1, phoff); // PT_LOAD first
  const ph = phoff + phentsize;
  w32(3, ph); // PT_INTERP
  wN(interpAt, ph + (is64 ? 8 : 4));
  wN(interp.length + 1, ph + (is64 ? 0x20 : 0x10));
  buf.write(interp, interpAt, 'latin1');
  return buf;
}

function interpreterOf(image: Buffer): string | null {
  const readAt = (pos: number, len: number) => image.subarray(pos, pos + len);
  return target.elfInterpreter(readAt(0, 64), readAt);
}

test('elfInterpreter reads PT_INTERP from 64- and 32-bit, little- and big-endian images', () => {
  for (const is64 of [true, false]) {
    for (const le of [true, false]) {
      for (const interp of ['/lib/ld-musl-x86_64.so.1', '/lib64/ld-linux-x86-64.so.2']) {
        assert.equal(interpreterOf(elf(is64, le, interp)), interp, `64=${is64} le=${le}`);
      }
    }
  }
  assert.equal(interpreterOf(Buffer.from('#!/bin/sh\n'.padEnd(80, ' '))), null, 'not ELF');
  const noInterp = elf(true, true, '/lib/ld-musl-x86_64.so.1');
  noInterp.writeUInt32LE(1, 64 + 56); // the second header is PT_LOAD too: a static binary
  assert.equal(interpreterOf(noInterp), null);
});

test('hostLibc reads the running node binary', { skip: process.platform !== 'linux' && 'Linux only' }, () => {
  const head = Buffer.alloc(64);
  const fd = fs.openSync(process.execPath, 'r');
  fs.readSync(fd, head, 0, 64, 0);
  fs.closeSync(fd);
  const report = process.report.getReport() as { header: { glibcVersionRuntime?: string } };
  assert.equal(target.hostLibc(), report.header.glibcVersionRuntime ? 'glibc' : 'musl');
});

const glibcX64 = { platform: 'linux', arch: 'x64', libc: 'glibc', abi: '115', uv: '1', armv: '' };
const muslX64 = { ...glibcX64, libc: 'musl' };
const glibcArm64 = { ...glibcX64, arch: 'arm64', armv: '8' };
const darwinArm64 = { platform: 'darwin', arch: 'arm64', libc: null, abi: '115', uv: '1', armv: '8' };
const unknownLibc = { ...glibcX64, libc: null };
const shipped = [
  { tuple: 'darwin-x64+arm64', files: ['node.napi.node'] },
  { tuple: 'linux-arm64', files: ['node.napi.glibc.node'] },
  { tuple: 'linux-x64', files: ['node.napi.glibc.node', 'node.napi.musl.node', 'README.txt'] },
  { tuple: 'win32-x64', files: ['node.napi.node'] },
];

test('choosePrebuilds: only the host platform, arch and libc; a glibc binary never on musl', () => {
  const table: [string, object, { tuple: string; files: string[] }[], string[], RegExp[]][] = [
    ['glibc x64', glibcX64, shipped, ['linux-x64/node.napi.glibc.node'], [/linux-x64\/node\.napi\.musl\.node: built for musl, this system uses glibc/]],
    ['musl x64', muslX64, shipped, ['linux-x64/node.napi.musl.node'], [/linux-x64\/node\.napi\.glibc\.node: built for glibc, this system uses musl/]],
    ['arm64', glibcArm64, shipped, ['linux-arm64/node.napi.glibc.node'], [/linux-x64\/node\.napi\.glibc\.node: built for linux-x64, this is linux-arm64/]],
    ['darwin universal', darwinArm64, shipped, ['darwin-x64+arm64/node.napi.node'], [/linux-arm64\/node\.napi\.glibc\.node: built for linux-arm64, this is darwin-arm64/]],
    // Untagged Linux binaries are glibc builds: taken on glibc, never on musl.
    ['untagged on glibc', glibcX64, [{ tuple: 'linux-x64', files: ['node.napi.node'] }], ['linux-x64/node.napi.node'], []],
    ['untagged on musl', muslX64, [{ tuple: 'linux-x64', files: ['node.napi.node'] }], [], [/built for glibc \(untagged\), this system uses musl/]],
    ['musl only, on glibc', glibcX64, [{ tuple: 'linux-x64', files: ['node.napi.musl.node'] }], [], [/built for musl, this system uses glibc/]],
    ['libc unknown', unknownLibc, [{ tuple: 'linux-x64', files: ['node.napi.glibc.node'] }], [], [/cannot tell this system's libc/]],
    ['other ABI', glibcX64, [{ tuple: 'linux-x64', files: ['node.abi108.node', 'node.abi115.node'] }], ['linux-x64/node.abi115.node'], [/node ABI 108, this is 115/]],
    ['electron', glibcX64, [{ tuple: 'linux-x64', files: ['electron.abi115.node'] }], [], [/built for electron/]],
    ['other libuv', glibcX64, [{ tuple: 'linux-x64', files: ['node.napi.uv2.node', 'node.napi.uv1.node'] }], ['linux-x64/node.napi.uv1.node'], [/built for libuv 2, this is 1/]],
    ['armv on arm64', glibcArm64, [{ tuple: 'linux-arm64', files: ['node.napi.armv7.node', 'node.napi.armv8.glibc.node'] }], ['linux-arm64/node.napi.armv8.glibc.node'], [/built for armv7, this is armv8/]],
    ['nothing shipped', glibcX64, [], [], []],
    ['not a tuple', glibcX64, [{ tuple: 'stamp.json', files: [] }, { tuple: 'linux', files: ['node.napi.node'] }], [], []],
  ];
  for (const [name, host, listing, candidates, reasons] of table) {
    const got = target.choosePrebuilds(listing, host);
    assert.deepEqual(got.candidates, candidates, name);
    const text = got.refused.map((r) => `${r.file}: ${r.reason}`).join('\n');
    for (const re of reasons) assert.match(text, re, name);
    // Every binary is either a candidate or refused with a reason.
    const binaries = listing.flatMap((l) => l.files.filter((f) => f.endsWith('.node')).map((f) => `${l.tuple}/${f}`)).filter((f) => /^[a-z0-9]+-[a-z0-9+]+\//.test(f));
    assert.equal(got.candidates.length + got.refused.length, binaries.length, `${name}: ${text}`);
  }
});

test('choosePrebuilds prefers the single-arch tuple and the more specific tags', () => {
  const got = target.choosePrebuilds(
    [
      { tuple: 'darwin-x64+arm64', files: ['node.napi.node'] },
      { tuple: 'darwin-arm64', files: ['node.napi.node'] },
    ],
    darwinArm64,
  );
  assert.deepEqual(got.candidates, ['darwin-arm64/node.napi.node', 'darwin-x64+arm64/node.napi.node']);
  const tagged = target.choosePrebuilds([{ tuple: 'linux-x64', files: ['node.napi.node', 'node.napi.glibc.node'] }], glibcX64);
  assert.deepEqual(tagged.candidates, ['linux-x64/node.napi.glibc.node', 'linux-x64/node.napi.node']);
});

test('the fix names the command that works with the package manager in use', () => {
  const table: [string | undefined, RegExp, RegExp | null][] = [
    ['npm/12.2.2 node/v20.20.2 linux x64 workspaces/false', /^npm install-scripts approve ephemdir && npm rebuild ephemdir/, null],
    ['npm/13.0.0 node/v24.0.0 linux x64', /^npm install-scripts approve ephemdir && npm rebuild ephemdir/, null],
    ['npm/11.19.1 node/v20.20.2 linux x64 workspaces/false', /^npm rebuild ephemdir$/, /install-scripts/],
    ['npm/10.9.2 node/v20.19.0 darwin arm64', /^npm rebuild ephemdir$/, /install-scripts/],
    ['pnpm/10.12.1 npm/? node/v20.20.2 linux x64', /^pnpm approve-builds .*pnpm rebuild ephemdir/, null],
    ['pnpm/9.15.0 npm/? node/v20.20.2 linux x64', /^pnpm rebuild ephemdir$/, /approve/],
    ['yarn/4.5.0 npm/? node/v20.20.2 linux x64', /yarn rebuild ephemdir/, null],
    ['bun/1.2.0 npm/? node/v22.0.0 linux x64', /^bun pm trust ephemdir/, null],
    // Unknown: both npm forms.
    [undefined, /npm install-scripts approve ephemdir && npm rebuild ephemdir.*npm 12.*`npm rebuild ephemdir` \(npm 11/, null],
    ['curl/8.0', /npm install-scripts approve ephemdir/, null],
  ];
  for (const [agent, want, never] of table) {
    const cmd = rebuildCommand(packageManagerFromAgent(agent));
    assert.match(cmd, want, String(agent));
    if (never) assert.doesNotMatch(cmd, never, String(agent));
  }
});

test('the fix says what compiling needs on each system', () => {
  const glibc: Host = { platform: 'linux', arch: 'x64', libc: 'glibc', abi: '115' };
  assert.match(toolchainHint(glibc), /python3, make and g\+\+.*apt-get install python3 make g\+\+/);
  assert.match(toolchainHint({ ...glibc, libc: 'musl' }), /apk add python3 make g\+\+/);
  assert.match(toolchainHint({ ...glibc, platform: 'darwin', libc: null }), /xcode-select --install/);
  const msg = unavailableMessage('/app/node_modules/ephemdir', { ...glibc, libc: 'musl' }, '20.20.2', [
    { file: 'build/Release/ephemdir.node', reason: 'not built' },
    { file: 'prebuilds/linux-x64/node.napi.glibc.node', reason: 'built for glibc, this system uses musl' },
  ], { name: 'npm', major: 12 });
  assert.match(msg, /^cannot load ephemdir's native addon for linux-x64 \(musl\), Node 20\.20\.2, in \/app\/node_modules\/ephemdir\. /);
  assert.match(msg, /Tried: build\/Release\/ephemdir\.node \(not built\); prebuilds\/linux-x64\/node\.napi\.glibc\.node \(built for glibc, this system uses musl\)\. Fix: /);
  assert.ok(msg.endsWith(nativeFix({ ...glibc, libc: 'musl' }, { name: 'npm', major: 12 })));
});

test('the prebuild layout is parsed and ordered exactly as node-gyp-build does', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- CommonJS package without types: typed by the cast
  const ngb = require('node-gyp-build') as {
    parseTuple(n: string): object | undefined;
    parseTags(f: string): object | undefined;
    compareTuples(a: object, b: object): number;
    compareTags(runtime: string): (a: object, b: object) => number;
  };
  const tuples = ['linux-x64', 'linux-arm64', 'darwin-x64+arm64', 'win32-ia32', 'linux', 'linux-', '-x64', 'linux-x64-musl', 'darwin-x64++arm64', 'stamp.json'];
  for (const t of tuples) assert.deepEqual(target.parseTuple(t), ngb.parseTuple(t) ?? null, t);
  const files = [
    'node.napi.node', 'node.napi.glibc.node', 'node.napi.musl.node', 'ephemdir.napi.node', 'node.abi115.node', 'electron.abi118.node',
    'node-webkit.napi.node', 'node.napi.uv1.armv7.node', 'node.napi.armv8.glibc.node', 'stamp.json', 'node', '.node', 'x.node.bak',
  ];
  for (const f of files) assert.deepEqual(target.parseTags(f), ngb.parseTags(f) ?? null, f);
  const parsed = files.map((f) => target.parseTags(f)).filter((t): t is object => t !== null);
  const ours = [...parsed].sort(target.compareTags).map((t) => (t as { file: string }).file);
  const theirs = [...parsed].sort(ngb.compareTags('node')).map((t) => (t as { file: string }).file);
  assert.deepEqual(ours, theirs);
  const pt = tuples.map((t) => target.parseTuple(t)).filter((t): t is object => t !== null);
  assert.deepEqual([...pt].sort(target.compareTuples), [...pt].sort(ngb.compareTuples));
});
