// Unsupported platforms (Windows): the package installs (no `os` field, and
// the install step builds nothing), requiring it does not throw, and every
// call that would touch the filesystem refuses with
// EPHEMDIR_UNSUPPORTED_PLATFORM and touches nothing.
//
// Windows cannot run here, so the child process is told it is win32 by
// redefining process.platform before anything loads. That exercises all of
// ephemdir's own platform decisions (node's path module stays POSIX, which
// only makes the given absolute paths valid); the pure install decision is
// tested by table in native-target.test.ts.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { scratch } from '../helpers/scratch';
import { repoRoot } from './packing';

const root = repoRoot(__dirname);
const work = scratch('platform');
after(() => work.cleanup());

function asPlatform(platform: string): string {
  const preload = path.join(work.dir, `as-${platform}.js`);
  fs.writeFileSync(preload, `Object.defineProperty(process, 'platform', { value: ${JSON.stringify(platform)} });\n`);
  return preload;
}

test('package.json restricts no platform or CPU, so installing never fails with EBADPLATFORM', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as Record<string, unknown>;
  assert.equal(pkg.os, undefined);
  assert.equal(pkg.cpu, undefined);
  assert.equal(pkg.libc, undefined);
});

for (const platform of ['win32', 'freebsd']) {
  test(`on ${platform}: requiring works, every filesystem call refuses with EPHEMDIR_UNSUPPORTED_PLATFORM`, () => {
    const home = path.join(work.dir, `home-${platform}`);
    const target = path.join(work.dir, `target-${platform}`);
    fs.mkdirSync(path.join(target, 'sub'), { recursive: true });
    const script = `
const e = require(${JSON.stringify(path.join(root, 'dist', 'index.js'))});
const t = ${JSON.stringify(target)};
const calls = {
  capabilities: () => e.capabilities(),
  removeTree: () => e.removeTree(t + '/sub'),
  removeTreeSync: () => e.removeTreeSync(t + '/sub'),
  scanTree: () => e.scanTree(t),
  scanTreeSync: () => e.scanTreeSync(t),
  openDirectory: () => e.openDirectory(t),
  tempdir: () => e.tempdir({ lifetime: '1h', parent: t }),
  tempdirSync: () => e.tempdirSync({ lifetime: '1h', parent: t }),
  sweep: () => e.sweep(),
  keep: () => e.keep('brave-otter'),
  extend: () => e.extend('brave-otter', '+1h'),
  remove: () => e.remove('brave-otter'),
  resolve: () => e.resolve('brave-otter'),
  explain: () => e.explain('brave-otter'),
  recover: () => e.recover('brave-otter'),
  prune: () => e.prune(),
  registered: () => e.registered(),
  list: () => e.list(),
  stats: () => e.stats(),
  last: () => e.last(),
  currentTarget: () => e.currentTarget(t),
  createTempDir: () => e.createTempDir({ dir: t }),
  rootCreate: () => e.root(t).createTempDirSync(),
  rootCleanup: () => e.root(t, { timeout: 1 }).cleanupSync(),
  tempFiles: () => new e.TempFiles({ root: t }).mktemp(),
  fileStore: () => new e.FileStore(t + '/store').prepare(),
  withTempdir: () => e.withTempdir(() => 1, { parent: t }),
  withTempdirSync: () => e.withTempdirSync(() => 1, { parent: t }),
  withTempDir: () => e.withTempDir(() => 1, { dir: t }),
  withTempDirSync: () => e.withTempDirSync(() => 1, { dir: t }),
  testTempdir: () => require(${JSON.stringify(path.join(root, 'dist', 'testing.js'))}).testTempdir({ after() {} }, { parent: t }),
};
(async () => {
  const out = { pure: e.parseDuration('1h') };
  for (const [name, call] of Object.entries(calls)) {
    try { await call(); out[name] = 'no error'; } catch (err) { out[name] = err.code || String(err); }
  }
  console.log(JSON.stringify(out));
})();`;
    const env = { ...process.env, HOME: home, EPHEMDIR_DATA_DIR: path.join(home, 'data'), EPHEMDIR_CONFIG_DIR: path.join(home, 'config'), TEMP: target, TMPDIR: target };
    const r = spawnSync(process.execPath, ['-r', asPlatform(platform), '-e', script], { encoding: 'utf8', env });
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    assert.equal(out.pure, 3600, 'pure helpers still work (seconds)');
    delete out.pure;
    for (const [name, code] of Object.entries(out)) assert.equal(code, 'EPHEMDIR_UNSUPPORTED_PLATFORM', name);
    // Nothing was created or removed.
    assert.deepEqual(fs.readdirSync(target), ['sub']);
    assert.equal(fs.existsSync(home), false);
  });
}

test('on win32 the CLI refuses with the same code and doctor says why; --version still works', () => {
  const home = path.join(work.dir, 'home-cli');
  const env = { ...process.env, HOME: home, EPHEMDIR_DATA_DIR: path.join(home, 'data'), EPHEMDIR_CONFIG_DIR: path.join(home, 'config') };
  const main = path.join(root, 'dist', 'cli', 'main.js');
  const cli = (...args: string[]) => spawnSync(process.execPath, ['-r', asPlatform('win32'), main, ...args], { encoding: 'utf8', env, cwd: work.dir });
  const version = cli('--version');
  assert.equal(version.status, 0, version.stderr);
  const made = cli('new');
  assert.equal(made.status, 1);
  assert.match(made.stderr, /supports Linux and macOS only \(this is win32\)/);
  const doc = cli('doctor', '--json');
  const checks = JSON.parse(doc.stdout) as { name: string; ok: boolean; message: string }[];
  assert.equal(checks.find((c) => c.name === 'platform')!.ok, false);
  const addon = checks.find((c) => c.name === 'addon')!;
  assert.equal(addon.ok, false);
  assert.match(addon.message, /this is win32/);
});

test('on win32 the install step builds nothing and succeeds', () => {
  const pkg = path.join(work.dir, 'win-install');
  fs.mkdirSync(pkg);
  for (const f of ['package.json', 'binding.gyp']) fs.copyFileSync(path.join(root, f), path.join(pkg, f));
  for (const d of ['native', 'scripts']) fs.cpSync(path.join(root, d), path.join(pkg, d), { recursive: true });
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(pkg, 'node_modules'));
  const r = spawnSync(process.execPath, ['-r', asPlatform('win32'), path.join(pkg, 'scripts', 'install.js')], { cwd: pkg, encoding: 'utf8', env: { ...process.env, npm_command: 'install' } });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, '');
  assert.equal(fs.existsSync(path.join(pkg, 'build')), false, 'nothing built');
});
