// When no binary can load: no prebuild for this machine, a corrupt binary
// (dlopen fails), a stale one (built from other sources), only a musl binary
// on glibc. Each gives one EPHEMDIR_NATIVE_UNAVAILABLE naming the platform
// and libc, what was tried and why, and the fix for the npm in use; never a
// raw ERR_DLOPEN_FAILED. `ephemdir doctor` says the same. Also: the packed
// stamp record, which spares start-up the hashing, stands only for the
// sources it was written for.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { scratch } from '../helpers/scratch';
import { repoRoot } from './packing';

const root = repoRoot(__dirname);
const work = scratch('unavailable');
after(() => work.cleanup());
const tuple = `${process.platform}-${process.arch}`;
// eslint-disable-next-line @typescript-eslint/no-require-imports -- dynamic path: a CommonJS script of the checkout (outside the TS project)
const { hostLibc } = require(path.join(root, 'scripts', 'native-target.js')) as { hostLibc(): string | null };
const libc = hostLibc();
const otherLibc = libc === 'musl' ? 'glibc' : 'musl';
const linuxOnly = process.platform !== 'linux' && 'libc tags are Linux only';

/** An installed-package layout without a local build (as npm 12 or --ignore-scripts leave it). */
function installed(name: string): string {
  const dir = path.join(work.dir, name);
  fs.mkdirSync(dir);
  for (const f of ['package.json', 'binding.gyp']) fs.copyFileSync(path.join(root, f), path.join(dir, f));
  for (const d of ['native', 'scripts', 'dist']) fs.cpSync(path.join(root, d), path.join(dir, d), { recursive: true });
  fs.mkdirSync(path.join(dir, 'prebuilds', tuple), { recursive: true });
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'));
  return dir;
}

function prebuild(pkg: string, file: string, content?: string): string {
  const to = path.join(pkg, 'prebuilds', tuple, file);
  if (content === undefined) fs.copyFileSync(path.join(root, 'build', 'Release', 'ephemdir.node'), to);
  else fs.writeFileSync(to, content);
  return to;
}

const probe = `
try { require(process.argv[1]).capabilities(); console.log(JSON.stringify({ ok: true })); }
catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message, platform: e.platform, libc: e.libc, tried: e.tried, fix: e.fix })); }`;

interface Outcome {
  ok?: boolean;
  code?: string;
  message: string;
  platform?: string;
  libc?: string | null;
  tried?: { file: string; reason: string }[];
  fix?: string;
}

function load(pkg: string, agent = 'npm/12.2.2 node/v20.20.2 linux x64 workspaces/false'): Outcome {
  const env = { ...process.env, npm_config_user_agent: agent };
  const r = spawnSync(process.execPath, ['-e', probe, path.join(pkg, 'dist', 'index.js')], { encoding: 'utf8', env });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as Outcome;
}

function doctor(pkg: string, agent: string) {
  const env = { ...process.env, npm_config_user_agent: agent, EPHEMDIR_DATA_DIR: path.join(work.dir, 'd'), EPHEMDIR_CONFIG_DIR: path.join(work.dir, 'c') };
  const r = spawnSync(process.execPath, [path.join(pkg, 'dist', 'cli', 'main.js'), 'doctor', '--json'], { encoding: 'utf8', env });
  const checks = JSON.parse(r.stdout) as { name: string; ok: boolean; message: string; hint: string | null }[];
  return { status: r.status, addon: checks.find((c) => c.name === 'addon')! };
}

function assertUnavailable(o: Outcome, tried: RegExp[]) {
  assert.equal(o.code, 'EPHEMDIR_NATIVE_UNAVAILABLE', o.message);
  assert.equal(o.platform, tuple);
  assert.equal(o.libc, libc);
  assert.match(o.message, new RegExp(`for ${tuple}${libc ? ` \\(${libc}\\)` : ''}, Node ${process.versions.node.replace(/\./g, '\\.')}`));
  assert.doesNotMatch(o.message, /ERR_DLOPEN_FAILED/);
  for (const re of tried) assert.match(o.message, re);
  assert.match(o.fix!, /npm install-scripts approve ephemdir && npm rebuild ephemdir/);
  assert.match(o.fix!, /python3, make and g\+\+/);
  assert.ok(o.message.includes(`Fix: ${o.fix}`));
}

test('no prebuild for this machine and no local build', () => {
  const pkg = installed('none');
  const o = load(pkg);
  assertUnavailable(o, [/build\/Release\/ephemdir\.node \(not built/]);
  assert.deepEqual(o.tried!.map((t) => t.file), [path.join('build', 'Release', 'ephemdir.node')]);
  // npm 11 runs install scripts: there the fix is a plain rebuild.
  const o11 = load(pkg, 'npm/11.19.1 node/v20.20.2 linux x64 workspaces/false');
  assert.match(o11.fix!, /^rebuild it from source with npm rebuild ephemdir;/);
  assert.doesNotMatch(o11.fix!, /install-scripts/);
  // doctor: the same account, the fix as its hint, and a failing exit.
  const d = doctor(pkg, 'npm/12.2.2 node/v20.20.2');
  assert.equal(d.status, 1);
  assert.equal(d.addon.ok, false);
  assert.ok(o.message.startsWith(d.addon.message), `${d.addon.message}\n${o.message}`);
  assert.equal(d.addon.hint, o.fix);
});

test('a corrupt prebuild (dlopen fails) is refused with the loader\'s reason, never a raw ERR_DLOPEN_FAILED', () => {
  const pkg = installed('corrupt');
  prebuild(pkg, `node.napi${libc ? `.${libc}` : ''}.node`, 'not an ELF object\n');
  const o = load(pkg);
  assertUnavailable(o, [new RegExp(`prebuilds/${tuple}/node\\.napi.*\\.node \\(cannot be loaded: .*(file too short|invalid ELF header)`)]);
  // A corrupt local build is refused the same way.
  fs.mkdirSync(path.join(pkg, 'build', 'Release'), { recursive: true });
  fs.writeFileSync(path.join(pkg, 'build', 'Release', 'ephemdir.node'), Buffer.alloc(4096, 0x41));
  assertUnavailable(load(pkg), [/build\/Release\/ephemdir\.node \(cannot be loaded: /, /prebuilds\/.*\(cannot be loaded: /]);
  const d = doctor(pkg, 'npm/12.2.2');
  assert.equal(d.addon.ok, false);
  assert.match(d.addon.message, /cannot be loaded/);
});

test('a stale prebuild (built from other sources) is refused, with or without the packed record', () => {
  const pkg = installed('stale');
  prebuild(pkg, `node.napi${libc ? `.${libc}` : ''}.node`);
  const stampScript = path.join(pkg, 'scripts', 'native-stamp.js');
  assert.equal(spawnSync(process.execPath, [stampScript, '--pack']).status, 0);
  assert.equal(load(pkg).ok, true, 'the prebuild loads while the record and sources agree with it');
  // A record written for other sources (the binary and the record disagree).
  const recordFile = path.join(pkg, 'prebuilds', 'stamp.json');
  const rec = JSON.parse(fs.readFileSync(recordFile, 'utf8')) as { stamp: string };
  fs.writeFileSync(recordFile, JSON.stringify({ ...rec, stamp: 's' + 'f'.repeat(32) }));
  assertUnavailable(load(pkg), [/\(built from other sources \(stamp s[0-9a-f]{32}, these sources are sf{32}\)\)/]);
  // The right record, but the sources changed after it: they are hashed, and the binary is stale.
  fs.writeFileSync(recordFile, JSON.stringify(rec));
  const source = fs.readdirSync(path.join(pkg, 'native')).find((f) => f.endsWith('.cc'))!;
  fs.appendFileSync(path.join(pkg, 'native', source), '\n// changed after packing\n');
  assertUnavailable(load(pkg), [/built from other sources/]);
  const d = doctor(pkg, 'npm/12.2.2');
  assert.match(d.addon.message, /built from other sources/);
});

test('only a binary for the other libc: refused without being loaded', { skip: linuxOnly }, () => {
  const pkg = installed('other-libc');
  // A real, loadable binary: were it tried it would load, so the refusal proves the tag is honoured.
  prebuild(pkg, `node.napi.${otherLibc}.node`);
  const o = load(pkg);
  assertUnavailable(o, [new RegExp(`node\\.napi\\.${otherLibc}\\.node \\(built for ${otherLibc}, this system uses ${libc}\\)`)]);
  // Even with node-gyp-build's own override variables set.
  const env = { ...process.env, LIBC: otherLibc, PREBUILD_LIBC: otherLibc };
  const r = spawnSync(process.execPath, ['-e', probe, path.join(pkg, 'dist', 'index.js')], { encoding: 'utf8', env });
  assert.match(r.stdout, /EPHEMDIR_NATIVE_UNAVAILABLE/);
});

test('the packed record stands for the sources it was written for, and only those', () => {
  const pkg = installed('record');
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- dynamic path: a CommonJS script of the installed copy
  const stamp = require(path.join(pkg, 'scripts', 'native-stamp.js')) as { knownStamp(r: string): string | null; computeStamp(r: string): string; writePackedStamp(r: string): string };
  assert.equal(stamp.knownStamp(pkg), null, 'no record: hash');
  assert.equal(stamp.writePackedStamp(pkg), stamp.computeStamp(pkg));
  assert.equal(stamp.knownStamp(pkg), stamp.computeStamp(pkg));
  const recordFile = path.join(pkg, 'prebuilds', 'stamp.json');
  const rec = fs.readFileSync(recordFile, 'utf8');
  // Another version in package.json.
  const pj = JSON.parse(fs.readFileSync(path.join(pkg, 'package.json'), 'utf8')) as { version: string };
  fs.writeFileSync(path.join(pkg, 'package.json'), JSON.stringify({ ...pj, version: '9.9.9' }));
  assert.equal(stamp.knownStamp(pkg), null, 'version changed');
  fs.writeFileSync(path.join(pkg, 'package.json'), JSON.stringify(pj));
  assert.equal(stamp.knownStamp(pkg), stamp.computeStamp(pkg));
  // A new source file.
  fs.writeFileSync(path.join(pkg, 'native', 'extra.h'), '// new\n');
  assert.equal(stamp.knownStamp(pkg), null, 'a source added');
  fs.rmSync(path.join(pkg, 'native', 'extra.h'));
  assert.equal(stamp.knownStamp(pkg), stamp.computeStamp(pkg));
  // A same-size edit made after the record's window: the ctime says it came later.
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2100);
  const file = path.join(pkg, 'binding.gyp');
  const text = fs.readFileSync(file, 'utf8');
  fs.writeFileSync(file, text.replace('"ephemdir"', '"ephemdiR"'));
  assert.equal(fs.statSync(file).size, Buffer.byteLength(text));
  assert.equal(stamp.knownStamp(pkg), null, 'a same-size edit after the window');
  fs.writeFileSync(recordFile, rec.replace('"format":1', '"format":2'));
  assert.equal(stamp.knownStamp(pkg), null, 'an unknown format');
});
