// The install step (scripts/install.js), where install scripts do run: a
// fitting prebuild is kept with no compiling and no output; with no prebuild
// and no compiler it says so in one line of its own and lets the install
// complete, but fails an explicit `npm rebuild`. (Compiling when a prebuild
// is stale is in package.test.ts.)
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { scratch } from '../helpers/scratch';
import { repoRoot } from './packing';

const root = repoRoot(__dirname);
const work = scratch('install-step');
after(() => work.cleanup());
// eslint-disable-next-line @typescript-eslint/no-require-imports -- dynamic path: a CommonJS script of the checkout (outside the TS project)
const { hostLibc } = require(path.join(root, 'scripts', 'native-target.js')) as { hostLibc(): string | null };
const libc = hostLibc();

function installed(name: string, withPrebuild: boolean): string {
  const dir = path.join(work.dir, name);
  fs.mkdirSync(dir);
  for (const f of ['package.json', 'binding.gyp']) fs.copyFileSync(path.join(root, f), path.join(dir, f));
  for (const d of ['native', 'scripts', 'dist']) fs.cpSync(path.join(root, d), path.join(dir, d), { recursive: true });
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'));
  if (withPrebuild) {
    const tuple = path.join(dir, 'prebuilds', `${process.platform}-${process.arch}`);
    fs.mkdirSync(tuple, { recursive: true });
    fs.copyFileSync(path.join(root, 'build', 'Release', 'ephemdir.node'), path.join(tuple, `node.napi${libc ? `.${libc}` : ''}.node`));
  }
  return dir;
}

/** node and sh only: no compiler, make or python. */
function bareEnv(command: string): NodeJS.ProcessEnv {
  const bin = path.join(work.dir, `bin-${command}`);
  fs.mkdirSync(bin, { recursive: true });
  if (!fs.existsSync(path.join(bin, 'node'))) {
    fs.symlinkSync(process.execPath, path.join(bin, 'node'));
    fs.symlinkSync('/bin/sh', path.join(bin, 'sh'));
  }
  return { PATH: bin, HOME: path.join(work.dir, 'home'), npm_command: command, INIT_CWD: work.dir };
}

function install(pkg: string, command: string) {
  return spawnSync(process.execPath, [path.join(pkg, 'scripts', 'install.js')], { cwd: pkg, encoding: 'utf8', env: bareEnv(command), timeout: 120_000 });
}

test('a fitting prebuild is kept: nothing compiled, nothing said', () => {
  const pkg = installed('fits', true);
  const r = install(pkg, 'install');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, '');
  assert.equal(fs.existsSync(path.join(pkg, 'build')), false);
});

test('no prebuild and no compiler: one line of ours, the install completes, npm rebuild fails', () => {
  const pkg = installed('nothing-fits', false);
  const r = install(pkg, 'install');
  assert.equal(r.status, 0, r.stderr);
  const ours = r.stderr.split('\n').filter((l) => l.startsWith('ephemdir: '));
  assert.equal(ours.length, 2, r.stderr);
  assert.match(ours[0]!, new RegExp(`^ephemdir: no prebuilt binary fits ${process.platform}-${process.arch}.*; compiling from source with node-gyp \\(needs python3, make and a C\\+\\+ compiler\\)$`));
  assert.match(ours[1]!, /^ephemdir: could not compile; until it is built, using ephemdir fails with EPHEMDIR_NATIVE_UNAVAILABLE/);
  const rebuild = install(pkg, 'rebuild');
  assert.equal(rebuild.status, 1, 'an explicit rebuild that builds nothing fails');
  // And the package then refuses with the one clear error.
  const use = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(path.join(pkg, 'dist', 'index.js'))}).capabilities()`], { encoding: 'utf8' });
  assert.match(use.stderr, /EPHEMDIR_NATIVE_UNAVAILABLE/);
  assert.doesNotMatch(use.stderr, /ERR_DLOPEN_FAILED/);
});
