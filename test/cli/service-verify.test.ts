// install-service's check of what the scheduled job could load: every
// runtime dependency, transitively, found as node finds it (not through
// `exports`, which may hide package.json), or a clear error.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { repoRoot } from '../helpers/cli';
import { dependencyDirs, verifyRuntime } from '../../src/cli/service/verify';

// verifyRuntime refuses anything under a folder others can write, so the
// fixtures go under the checkout, or, when the checkout itself sits below
// such a folder (a clone in /tmp/tmp.XXXX), under the home directory.
function othersCanWriteAbove(dir: string): boolean {
  for (let d = dir; ; d = path.dirname(d)) {
    if ((fs.statSync(d).mode & 0o022) !== 0) return true;
    if (d === path.dirname(d)) return false;
  }
}
const checkout = path.join(repoRoot(), '.test-dist');
const base = fs.mkdtempSync(othersCanWriteAbove(checkout) ? path.join(os.homedir(), '.ephemdir-verify-') : path.join(checkout, 'verify-'));
fs.chmodSync(base, 0o755);
after(() => fs.rmSync(base, { recursive: true, force: true }));

function pkg(dir: string, manifest: Record<string, unknown>): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify(manifest), { mode: 0o644 });
  fs.writeFileSync(path.join(dir, 'index.js'), 'module.exports = 1;\n', { mode: 0o644 });
}

function fixture(name: string): string {
  const root = path.join(base, name);
  pkg(root, { name: 'ephemdir', dependencies: { direct: '1', hidden: '1' }, optionalDependencies: { 'not-there-optional': '1' } });
  // exports without "./package.json": require.resolve('hidden/package.json') throws.
  pkg(path.join(root, 'node_modules', 'hidden'), { name: 'hidden', exports: { '.': './index.js' }, dependencies: { deep: '1' } });
  pkg(path.join(root, 'node_modules', 'direct'), { name: 'direct' });
  // Hoisted, as npm does: found from hidden's folder by walking up.
  pkg(path.join(root, 'node_modules', 'deep'), { name: 'deep', exports: './index.js' });
  return root;
}

test('every runtime dependency is found, transitively, even when exports hides package.json', () => {
  const root = fixture('found');
  assert.throws(() => require.resolve('hidden/package.json', { paths: [root] }), { code: 'ERR_PACKAGE_PATH_NOT_EXPORTED' });
  const names = dependencyDirs(root).map((d) => path.relative(path.join(root, 'node_modules'), d)).sort();
  assert.deepEqual(names, ['deep', 'direct', 'hidden']);
});

test('a file others can write inside a hidden or transitive dependency refuses the install', () => {
  for (const victim of ['hidden', 'deep']) {
    const root = fixture(`writable-${victim}`);
    const file = path.join(root, 'node_modules', victim, 'index.js');
    fs.chmodSync(file, 0o666);
    assert.throws(
      () => verifyRuntime({ node: process.execPath, env: null, root }, process.geteuid?.() ?? 0),
      (err: Error & { code?: string; path?: string }) =>
        err.code === 'EPHEMDIR_UNSAFE_PARENT' && err.path === file && err.message.includes(`the dependency ${victim}`),
    );
  }
});

test('a runtime dependency that is not installed is a clear error, not a silent skip', () => {
  const root = fixture('missing');
  fs.rmSync(path.join(root, 'node_modules', 'deep'), { recursive: true });
  assert.throws(() => dependencyDirs(root), (err: Error & { code?: string }) =>
    err.code === 'EPHEMDIR_NOT_FOUND' && /the dependency hidden depends on deep, which is not installed/.test(err.message));
});
