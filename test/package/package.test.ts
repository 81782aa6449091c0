// The package as users get it: loading by name from CommonJS and ESM, the
// loader's refusal of stale or redirected binaries, prebuilds, and a packed
// tarball's contents (install.test.ts installs it).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import { scratch } from '../helpers/scratch';
import { npmPack, repoRoot } from './packing';

const root = repoRoot(__dirname);
const work = scratch('pkg');
after(() => work.cleanup());

function node(args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env) {
  return spawnSync(process.execPath, args, { cwd, env, encoding: 'utf8', timeout: 120_000 });
}

function projectWith(linkTo: string, name: string): string {
  const dir = path.join(work.dir, name);
  fs.mkdirSync(path.join(dir, 'node_modules'), { recursive: true });
  fs.symlinkSync(linkTo, path.join(dir, 'node_modules', 'ephemdir'));
  return dir;
}

/** A copy of the installed package layout (sources, stamp script, compiled JS, binary). */
function copyPackage(name: string): string {
  const dir = path.join(work.dir, name);
  fs.mkdirSync(dir);
  for (const f of ['package.json', 'binding.gyp']) fs.copyFileSync(path.join(root, f), path.join(dir, f));
  for (const d of ['native', 'scripts', 'dist']) fs.cpSync(path.join(root, d), path.join(dir, d), { recursive: true });
  fs.mkdirSync(path.join(dir, 'build', 'Release'), { recursive: true });
  fs.copyFileSync(path.join(root, 'build', 'Release', 'ephemdir.node'), path.join(dir, 'build', 'Release', 'ephemdir.node'));
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'));
  return dir;
}

const probe = `const e=require('ephemdir');console.log(JSON.stringify({caps:e.capabilities().platform}))`;

test('require("ephemdir") and import from "ephemdir" load the same single module', () => {
  const p = projectWith(root, 'consumer');
  fs.writeFileSync(
    path.join(p, 'both.mjs'),
    "import { tempdir, removeTree, ErrorCodes } from 'ephemdir';\n" +
      "import { createRequire } from 'node:module';\n" +
      "const cjs = createRequire(import.meta.url)('ephemdir');\n" +
      "console.log(typeof tempdir, typeof removeTree, ErrorCodes.INCOMPLETE, cjs.tempdir === tempdir);\n",
  );
  const esm = node(['both.mjs'], p);
  assert.equal(esm.status, 0, esm.stderr);
  assert.equal(esm.stdout.trim(), 'function function EPHEMDIR_INCOMPLETE true');
  const cjs = node(['-e', probe], p);
  assert.equal(cjs.status, 0, cjs.stderr);
  assert.deepEqual(JSON.parse(cjs.stdout), { caps: process.platform });
});

test('a binary built from other sources is refused, not loaded', () => {
  const pkg = copyPackage('stale');
  const source = fs.readdirSync(path.join(pkg, 'native')).find((f) => f.endsWith('.cc'))!;
  fs.appendFileSync(path.join(pkg, 'native', source), '\n// a change after the build\n');
  const r = node(['-e', probe], projectWith(pkg, 'stale-consumer'));
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /EPHEMDIR_NATIVE_UNAVAILABLE/);
  assert.match(r.stderr, /built from other sources/);
});

test('a recorded stamp stands for the hash only while every source keeps its identity', () => {
  const pkg = copyPackage('recorded');
  const stampScript = path.join(pkg, 'scripts', 'native-stamp.js');
  const record = path.join(pkg, 'build', 'native-stamp.json');
  const consumer = projectWith(pkg, 'recorded-consumer');
  // A source changed just now is inside the settle window: nothing is recorded. (Touched here
  // rather than relying on the copy's times, which a loaded machine can age past the window.)
  const touched = new Date();
  fs.utimesSync(path.join(pkg, 'binding.gyp'), touched, touched);
  assert.equal(node([stampScript, '--record'], pkg).status, 0);
  assert.equal(fs.existsSync(record), false, 'sources changed within SETTLE_MS are never recorded');
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2100);
  assert.equal(node([stampScript, '--record'], pkg).status, 0);
  const rec = JSON.parse(fs.readFileSync(record, 'utf8')) as { stamp: string; files: unknown[] };
  assert.equal(rec.stamp, node([stampScript], pkg).stdout);
  assert.equal(node(['-e', probe], consumer).status, 0);
  // The record is what the loader trusts while it stands: a wrong one refuses the binary...
  fs.writeFileSync(record, JSON.stringify({ ...rec, stamp: 's' + '0'.repeat(32) }));
  const refused = node(['-e', probe], consumer);
  assert.notEqual(refused.status, 0);
  assert.match(refused.stderr, /built from other sources/);
  // ...until any source changes identity (here only its times): then the sources are hashed again.
  const now = new Date();
  fs.utimesSync(path.join(pkg, 'binding.gyp'), now, now);
  const hashed = node(['-e', probe], consumer);
  assert.equal(hashed.status, 0, hashed.stderr);
});

test('no environment variable can point the loader elsewhere', () => {
  const pkg = copyPackage('redirected');
  fs.rmSync(path.join(pkg, 'build'), { recursive: true });
  // node-gyp-build itself would honour these (a folder, another libc, another arch); the loader must not.
  const env = { ...process.env, EPHEMDIR_PREBUILD: root, PREBUILDS_ONLY: '', LIBC: 'musl', npm_config_arch: 'arm64', npm_config_platform: 'darwin' };
  const r = node(['-e', probe], projectWith(pkg, 'redirected-consumer'), env);
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /EPHEMDIR_NATIVE_UNAVAILABLE/);
  assert.match(r.stderr, /build\/Release\/ephemdir\.node \(not built/);
  assert.match(r.stderr, new RegExp(`for ${process.platform}-${process.arch} `));
});

test('a matching prebuild is used when there is no local build', () => {
  const pkg = copyPackage('prebuilt');
  const tuple = path.join(pkg, 'prebuilds', `${process.platform}-${process.arch}`);
  fs.mkdirSync(tuple, { recursive: true });
  fs.renameSync(path.join(pkg, 'build', 'Release', 'ephemdir.node'), path.join(tuple, 'ephemdir.napi.node'));
  fs.rmSync(path.join(pkg, 'build'), { recursive: true });
  const r = node(['-e', probe], projectWith(pkg, 'prebuilt-consumer'));
  assert.equal(r.status, 0, r.stderr);
});

test('the install step rebuilds rather than keep a prebuild built from other sources', () => {
  const pkg = copyPackage('stale-prebuild');
  const tuple = path.join(pkg, 'prebuilds', `${process.platform}-${process.arch}`);
  fs.mkdirSync(tuple, { recursive: true });
  fs.renameSync(path.join(pkg, 'build', 'Release', 'ephemdir.node'), path.join(tuple, 'ephemdir.napi.node'));
  fs.rmSync(path.join(pkg, 'build'), { recursive: true });
  const source = fs.readdirSync(path.join(pkg, 'native')).find((f) => f.endsWith('.cc'))!;
  fs.appendFileSync(path.join(pkg, 'native', source), '\n// sources changed after the prebuild\n');
  // As `npm rebuild` runs it, so that a failed compile fails here rather than completing quietly.
  const env = { ...process.env, npm_command: 'rebuild' };
  const install = spawnSync(process.execPath, [path.join(pkg, 'scripts', 'install.js')], { cwd: pkg, env, encoding: 'utf8', timeout: 600_000 });
  assert.equal(install.status, 0, install.stderr);
  assert.match(install.stderr, /^ephemdir: no prebuilt binary fits .*; compiling from source with node-gyp/m);
  assert.ok(fs.existsSync(path.join(pkg, 'build', 'Release', 'ephemdir.node')), 'built from source');
  const r = node(['-e', probe], projectWith(pkg, 'stale-prebuild-consumer'));
  assert.equal(r.status, 0, r.stderr);
});

test('npm pack ships what loading and rebuilding need, and nothing from the checkout', () => {
  const listing = execFileSync('tar', ['-tzf', npmPack(root, path.join(work.dir, 'pack'))], { encoding: 'utf8' });
  const shipped = [
    'package/dist/index.js', 'package/dist/index.d.ts', 'package/dist/cli/main.js', 'package/dist/cli/bundle.js', 'package/dist/cli/bundle.js.cache', 'package/binding.gyp', 'package/LICENSE',
    'package/scripts/native-stamp.js', 'package/scripts/native-target.js', 'package/scripts/install.js',
  ];
  for (const f of shipped) assert.ok(listing.includes(f), `${f} is packed`);
  // Every source the addon (and its stamp) is built from ships in the tarball.
  const packedNative = listing.split('\n').filter((l) => l.startsWith('package/native/')).map((l) => l.slice('package/native/'.length)).sort();
  assert.deepEqual(packedNative, fs.readdirSync(path.join(root, 'native')).sort());
  assert.ok(!listing.includes('package/test/') && !listing.includes('package/build/'), 'no tests or build outputs packed');
  assert.ok(!listing.includes('crash-hook'), 'the crash-test hook is not packed');
});
