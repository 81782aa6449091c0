// What a removal keeps of its failures is bounded (the first 100, at most
// 64 KiB of paths, each path cut to its last 4 KiB) while every failure is
// counted: thousands of immutable files (chattr +i), shallow, deep and
// across parallel walkers. The memory this saves is measured by
// bench/failure-memory.js, not here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { removeTree, removeTreeSync, type RemoveTreeIncomplete } from '../../src/fs/remove-tree';
import { scratch, isRoot, chattrWorks } from '../helpers/scratch';

type Incomplete = Error & RemoveTreeIncomplete & { code: string };

const KEPT = 100;
const KEPT_BYTES = 64 * 1024;
const PATH_BYTES = 4096;


/** n immutable empty files f0.. in dir. */
function pinned(dir: string, n: number): void {
  fs.mkdirSync(dir, { recursive: true });
  const names: string[] = [];
  for (let i = 0; i < n; i++) {
    fs.closeSync(fs.openSync(path.join(dir, `f${i}`), 'w'));
    names.push(`f${i}`);
  }
  execFileSync('chattr', ['+i', ...names], { cwd: dir });
}

function unpin(dir: string): void {
  const names = fs.readdirSync(dir);
  if (names.length > 0) execFileSync('chattr', ['-i', ...names], { cwd: dir });
}

function assertBounded(err: Incomplete, count: number): void {
  assert.equal(err.code, 'EPHEMDIR_INCOMPLETE');
  assert.equal(err.failureCount, count, 'every failure is counted');
  assert.ok(err.failures.length <= KEPT, `kept ${err.failures.length}`);
  assert.equal(err.failuresOmitted, count - err.failures.length);
  const bytes = err.failures.reduce((n, f) => n + Buffer.byteLength(f.path), 0);
  assert.ok(bytes <= KEPT_BYTES, `kept ${bytes} bytes of paths`);
  for (const f of err.failures) {
    assert.equal(f.code, 'EPERM');
    assert.ok(Buffer.byteLength(f.path) <= PATH_BYTES, `path of ${Buffer.byteLength(f.path)} bytes`);
  }
  if (count > 1) assert.match(err.message, new RegExp(`and ${count - 1} more`));
}

const skip = !isRoot && 'chattr +i needs root';

test('3,000 failing entries: all counted, the first 100 kept (async, sync, parallel)', { skip }, async (t) => {
  using s = scratch('fail');
  try {
    if (!chattrWorks(s.dir)) return t.skip('this filesystem does not support chattr +i');
    const root = path.join(s.dir, 'root');
    for (let d = 0; d < 6; d++) pinned(path.join(root, `d${d}`), 500);
    for (const run of [
      () => removeTree(root),
      () => removeTree(root, { parallel: 4 }),
      async () => removeTreeSync(root, { parallel: 3 }),
    ]) {
      const err = await run().then(
        () => assert.fail('expected EPHEMDIR_INCOMPLETE'),
        (e: unknown) => e as Incomplete,
      );
      assertBounded(err, 3000);
      assert.equal(err.failures.length, KEPT);
      assert.equal(err.failuresOmitted, 2900);
      assert.equal(err.entriesRemoved, 0);
    }
  } finally {
    for (let d = 0; d < 6; d++) {
      const dir = path.join(s.dir, 'root', `d${d}`);
      if (fs.existsSync(dir)) unpin(dir);
    }
  }
});

test('long paths: the kept failures stay within 64 KiB of paths, each whole when under 4 KiB', { skip }, async (t) => {
  using s = scratch('fail');
  if (!chattrWorks(s.dir)) return t.skip('this filesystem does not support chattr +i');
  const root = path.join(s.dir, 'root');
  // 12 levels of 250-byte names: paths of ~3 KB.
  let deep = root;
  for (let i = 0; i < 12; i++) deep = path.join(deep, String(i).padStart(250, 'n'));
  pinned(deep, 300);
  try {
    const err = await removeTree(root).then(
      () => assert.fail('expected EPHEMDIR_INCOMPLETE'),
      (e: unknown) => e as Incomplete,
    );
    assertBounded(err, 300);
    assert.ok(err.failures.length < KEPT && err.failures.length >= Math.floor(KEPT_BYTES / 4096), `kept ${err.failures.length}`);
    for (const f of err.failures) assert.ok(f.path.startsWith(deep + '/f'), 'short enough paths are kept whole');
  } finally {
    unpin(deep);
  }
});

test('a path longer than 4 KiB is kept as its last 4 KiB, marked with a leading "..."', { skip }, async (t) => {
  using s = scratch('fail');
  // Built bottom-up by renames so that no path handed to the kernel (or to
  // chattr) is longer than PATH_MAX; taken apart the same way.
  const levels = 24;
  const seg = (i: number) => String(i).padStart(250, 'n');
  const root = path.join(s.dir, 'root');
  try {
    if (!chattrWorks(s.dir)) return t.skip('this filesystem does not support chattr +i');
    const bottom = path.join(s.dir, 'bottom');
    pinned(bottom, 3);
    let inner = bottom;
    for (let i = levels - 1; i >= 0; i--) {
      const outer = path.join(s.dir, `level${i}`);
      fs.mkdirSync(outer);
      fs.renameSync(inner, path.join(outer, seg(i)));
      inner = outer;
    }
    fs.renameSync(inner, root);
    const err = await removeTree(root).then(
      () => assert.fail('expected EPHEMDIR_INCOMPLETE'),
      (e: unknown) => e as Incomplete,
    );
    assertBounded(err, 3);
    assert.equal(err.failures.length, 3);
    for (const f of err.failures) {
      assert.ok(f.path.startsWith('...'), `cut: ${f.path.slice(0, 20)}`);
      assert.match(f.path, new RegExp(`/${seg(levels - 1)}/f[0-2]$`), 'the end of the path is kept');
    }
  } finally {
    // Pull the chain back up one level at a time, then unpin the bottom.
    let top = root;
    for (let i = 0; fs.existsSync(top) && i < levels; i++) {
      const next = path.join(s.dir, `up${i}`);
      fs.renameSync(path.join(top, seg(i)), next);
      fs.rmdirSync(top);
      top = next;
    }
    if (fs.existsSync(top)) unpin(top);
  }
});
