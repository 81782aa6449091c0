// A tool that bundles its code with esbuild: ephemdir marked external loads
// from node_modules beside the bundle (as CommonJS and as ESM output), and
// ephemdir bundled inline fails with one clear error that says to mark it
// external, not with a missing-file crash.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { buildSync } from 'esbuild';
import { scratch } from '../helpers/scratch';
import { repoRoot } from './packing';

const root = repoRoot(__dirname);
const work = scratch('bundle');
after(() => work.cleanup());


const appSource = `
import { tempdirSync, capabilities } from 'ephemdir';
import { existsSync, writeFileSync } from 'node:fs';
const d = tempdirSync({ lifetime: '1h' });
writeFileSync(d.path + '/f', 'x');
d.remove();
console.log(capabilities().platform, existsSync(d.path));
`;

function project(name: string): { dir: string; env: NodeJS.ProcessEnv } {
  const dir = path.join(work.dir, name);
  fs.mkdirSync(path.join(dir, 'src'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'node_modules'));
  fs.symlinkSync(root, path.join(dir, 'node_modules', 'ephemdir'));
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: `tool-${name}`, version: '1.0.0', private: true }));
  fs.writeFileSync(path.join(dir, 'src', 'app.mjs'), appSource);
  const env = { ...process.env, EPHEMDIR_DATA_DIR: path.join(dir, 'data'), EPHEMDIR_CONFIG_DIR: path.join(dir, 'config') };
  return { dir, env };
}

for (const format of ['cjs', 'esm'] as const) {
  test(`esbuild --bundle --external:ephemdir (${format}) runs`, () => {
    const { dir, env } = project(`external-${format}`);
    const outfile = path.join(dir, 'dist', format === 'esm' ? 'app.mjs' : 'app.cjs');
    const res = buildSync({
      entryPoints: [path.join(dir, 'src', 'app.mjs')],
      bundle: true,
      platform: 'node',
      format,
      target: 'node20',
      external: ['ephemdir'],
      outfile,
      logLevel: 'silent',
    });
    assert.deepEqual(res.errors, []);
    const bundled = fs.readFileSync(outfile, 'utf8');
    assert.doesNotMatch(bundled, /native-stamp|probeNative/, 'ephemdir is not inlined');
    const r = spawnSync(process.execPath, [outfile], { cwd: dir, env, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), `${process.platform} false`);
  });
}

test('ephemdir bundled inline refuses with EPHEMDIR_NATIVE_UNAVAILABLE and says to mark it external', () => {
  const { dir, env } = project('inline');
  const outfile = path.join(dir, 'dist', 'app.cjs');
  const res = buildSync({
    entryPoints: [path.join(dir, 'src', 'app.mjs')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    outfile,
    logLevel: 'silent',
  });
  assert.deepEqual(res.errors, []);
  const r = spawnSync(process.execPath, [outfile], { cwd: dir, env, encoding: 'utf8' });
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /EPHEMDIR_NATIVE_UNAVAILABLE/);
  assert.match(r.stderr, /mark ephemdir as external \(esbuild --external:ephemdir; webpack externals\)/);
});
