// `parallel` inside one large directory: once a directory's read has seen
// 2,048 entries, its unlinks are shared with helper threads (native
// UnlinkSplit), which hand back anything that is not a plain success for the
// reader to run through the serial path. These tests would catch a broken
// split: entries left or counted twice, a mount or a symlink's target
// touched, a failure lost or counted wrong, an abort that does not stop the
// helpers, the marker not last. The directories are large enough to split
// (and, on the disk, to take the inode-sorted path past 10,000 entries).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { removeTree, removeTreeSync, type RemoveTreeIncomplete } from '../../src/fs/remove-tree';
import { removeRmtreeTarget } from '../../src/api/rmtree';
import { scratch, isRoot, chattrWorks, type Scratch } from '../helpers/scratch';
import { mountUnavailable, withMounts } from '../helpers/mounts';

type Incomplete = Error & RemoveTreeIncomplete & { code: string; cause?: unknown };

const memScratch = (label: string): Scratch => scratch(label, { inMemory: true });

/** `n` empty files f0.. in `dir` (created), by touch in chunks; returns their names. */
function files(dir: string, n: number, prefix = 'f'): string[] {
  fs.mkdirSync(dir, { recursive: true });
  const names = Array.from({ length: n }, (_, i) => `${prefix}${i}`);
  for (let i = 0; i < n; i += 2000) execFileSync('touch', names.slice(i, i + 2000), { cwd: dir });
  return names;
}

/** Entries still on disk, root included (0 once the root is gone). */
function left(root: string): number {
  if (!fs.existsSync(root)) return 0;
  return 1 + (fs.readdirSync(root, { recursive: true }) as string[]).length;
}

/** Threads of this process now (Linux: /proc/self/task), or null. */
function threadCount(): number | null {
  try {
    return fs.readdirSync('/proc/self/task').length;
  } catch {
    return null;
  }
}

test('one directory of 12,000 files (inode-sorted path) with subdirectories is removed whole, counted once (async and sync, parallel 2 and 4)', async () => {
  using s = scratch('split'); // on the disk: ext4 takes the inode-sorted batches past 10,000 entries
  let k = 0;
  for (const run of [
    (root: string) => removeTree(root, { parallel: 4 }),
    async (root: string) => removeTreeSync(root, { parallel: 2 }),
  ]) {
    const root = path.join(s.dir, `root${k++}`);
    files(root, 12_000);
    for (let d = 0; d < 3; d++) files(path.join(root, `sub${d}`), 10);
    const total = 12_000 + 3 * 11 + 1;
    const r = await run(root);
    assert.equal(fs.existsSync(root), false, 'the root is gone');
    assert.equal(r.entriesRemoved, total, 'every entry counted exactly once');
    assert.equal(r.directoriesRemoved, 4);
    assert.equal(r.complete, true);
  }
});

test('a large subdirectory (not the root) is split as well; keepRoot and removeLast keep their order', async () => {
  using s = memScratch('split');
  const root = path.join(s.dir, 'root');
  files(path.join(root, 'only', 'big'), 6_000);
  fs.writeFileSync(path.join(root, '.owner'), 'x');
  const r = await removeTree(root, { parallel: 4, removeLast: '.owner' });
  assert.equal(fs.existsSync(root), false);
  assert.equal(r.entriesRemoved, 6_000 + 2 + 1 + 1);

  // keepRoot: the root's own 5,000 files split, the root stays, empty.
  const kept = path.join(s.dir, 'kept');
  files(kept, 5_000);
  const k = removeTreeSync(kept, { parallel: 3, keepRoot: true });
  assert.equal(k.entriesRemoved, 5_000);
  assert.deepEqual(fs.readdirSync(kept), []);
});

test('the marker (removeLast) is never handed to a helper: a stop mid-way leaves it in place', async () => {
  using s = memScratch('split');
  const root = path.join(s.dir, 'root');
  files(root, 8_000);
  fs.writeFileSync(path.join(root, '.owner'), 'mine');
  const r = await removeTree(root, { parallel: 4, removeLast: '.owner', maxEntries: 3_000 });
  assert.equal(r.complete, false);
  assert.ok(r.entriesRemoved >= 3_000, `removed ${r.entriesRemoved}`);
  assert.equal(fs.readFileSync(path.join(root, '.owner'), 'utf8'), 'mine', 'the marker stays until the end');
  assert.equal(left(root), 8_000 + 2 - r.entriesRemoved, 'what is left plus what was counted is the whole tree');
  const rest = await removeTree(root, { parallel: 4, removeLast: '.owner' });
  assert.equal(rest.entriesRemoved, 8_000 + 2 - r.entriesRemoved);
  assert.equal(fs.existsSync(root), false);
});

/** The most threads seen while `remove(root)` runs on trees of `n` files, growing until helpers show. */
async function helpersSeen(s: Scratch, remove: (root: string) => Promise<{ entriesRemoved: number }>): Promise<void> {
  await fs.promises.stat(s.dir); // libuv starts its whole pool on the first queued work: before counting
  const base = threadCount()!;
  let most = base;
  for (const n of [40_000, 120_000]) {
    const root = path.join(s.dir, `root${n}`);
    files(root, n);
    let done = false;
    const p = remove(root).finally(() => {
      done = true;
    });
    while (!done) {
      most = Math.max(most, threadCount()!);
      await new Promise((r) => setImmediate(r));
    }
    const r = await p;
    assert.equal(r.entriesRemoved, n + 1);
    // The pool is up; helpers are threads beyond it.
    if (most >= base + 2) return;
  }
  assert.fail(`no helper threads seen (threads: ${base} before, at most ${most} during)`);
}

const noProc = threadCount() === null && '/proc/self/task is Linux-only';

test('parallel inside one directory really runs helper threads (so the tests above exercise the split)', { skip: noProc }, async () => {
  using s = memScratch('split');
  await helpersSeen(s, (root) => removeTree(root, { parallel: 4 }));
});

test('`ephemdir rmtree` removes with several threads (its default, unlike the library\'s)', { skip: noProc }, async () => {
  using s = memScratch('split');
  await helpersSeen(s, (root) => removeRmtreeTarget(root, { cwd: s.dir }));
});

test('symlinks inside a huge directory are removed, never followed', async () => {
  using s = memScratch('split');
  const root = path.join(s.dir, 'root');
  const outside = path.join(s.dir, 'outside');
  fs.mkdirSync(path.join(outside, 'dir'), { recursive: true });
  fs.writeFileSync(path.join(outside, 'file'), 'keep');
  fs.writeFileSync(path.join(outside, 'dir', 'inner'), 'keep');
  files(root, 5_000);
  for (let i = 0; i < 500; i++) {
    fs.symlinkSync(path.join(outside, i % 2 ? 'file' : 'dir'), path.join(root, `link${i}`));
  }
  fs.symlinkSync('/', path.join(root, 'to-root'));
  const r = removeTreeSync(root, { parallel: 4 });
  assert.equal(r.entriesRemoved, 5_000 + 501 + 1);
  assert.equal(fs.existsSync(root), false);
  assert.equal(fs.readFileSync(path.join(outside, 'file'), 'utf8'), 'keep');
  assert.equal(fs.readFileSync(path.join(outside, 'dir', 'inner'), 'utf8'), 'keep');
});

test('a mount inside a huge directory is refused as before: left with its contents, reported, everything else removed', { skip: mountUnavailable() ?? false }, async () => {
  using s = scratch('split');
  const root = path.join(s.dir, 'root');
  const bindSrc = path.join(s.dir, 'bindsrc');
  fs.mkdirSync(bindSrc);
  fs.writeFileSync(path.join(bindSrc, 'sentinel'), 'bind');
  files(root, 6_000);
  await withMounts(async (m) => {
    m.tmpfs(path.join(root, 'mnt-tmpfs'));
    fs.writeFileSync(path.join(root, 'mnt-tmpfs', 'sentinel'), 'tmpfs');
    m.bind(bindSrc, path.join(root, 'mnt-bind'));
    for (const run of [() => removeTree(root, { parallel: 4 }), async () => removeTreeSync(root, { parallel: 4 })]) {
      const err = await run().then(
        () => assert.fail('a tree holding mounts cannot be removed whole'),
        (e: unknown) => e as Incomplete,
      );
      assert.equal(err.code, 'EPHEMDIR_INCOMPLETE');
      assert.deepEqual([...err.mounts].sort(), [path.join(root, 'mnt-bind'), path.join(root, 'mnt-tmpfs')]);
      assert.deepEqual(fs.readdirSync(root).sort(), ['mnt-bind', 'mnt-tmpfs'], 'every plain file went');
      assert.equal(fs.readFileSync(path.join(root, 'mnt-tmpfs', 'sentinel'), 'utf8'), 'tmpfs');
      assert.equal(fs.readFileSync(path.join(bindSrc, 'sentinel'), 'utf8'), 'bind');
      files(root, 3_000, `again${run.length}`); // refill for the sync round
    }
  });
});

test('a partial failure inside a huge directory: each failing entry reported once, everything else removed', { skip: !isRoot && 'chattr +i needs root' }, async (t) => {
  using s = memScratch('split');
  if (!chattrWorks(s.dir)) return t.skip('this filesystem does not support chattr +i');
  for (const [label, run] of [
    ['async', (root: string) => removeTree(root, { parallel: 4 })],
    ['sync', async (root: string) => removeTreeSync(root, { parallel: 4 })],
  ] as const) {
    const root = path.join(s.dir, `root-${label}`);
    const names = files(root, 6_000);
    const pinned = names.filter((_, i) => i % 400 === 7); // 15 of them, spread over the read
    execFileSync('chattr', ['+i', ...pinned], { cwd: root });
    try {
      const err = await run(root).then(
        () => assert.fail('immutable files cannot be removed'),
        (e: unknown) => e as Incomplete,
      );
      assert.equal(err.code, 'EPHEMDIR_INCOMPLETE');
      assert.equal(err.failureCount, pinned.length, 'each failing entry counted once');
      assert.deepEqual(err.failures.map((f) => path.basename(f.path)).sort(), [...pinned].sort());
      for (const f of err.failures) {
        assert.equal(f.code, 'EPERM');
        assert.equal(f.syscall, 'unlink');
      }
      assert.deepEqual(fs.readdirSync(root).sort(), [...pinned].sort(), 'everything else went');
      assert.equal(err.entriesRemoved, names.length - pinned.length);
    } finally {
      execFileSync('chattr', ['-i', ...pinned], { cwd: root });
    }
  }
});

test('an abort stops the helpers of a split directory; the counts match what is gone', async () => {
  using s = memScratch('split');
  const seen: string[] = [];
  for (const n of [30_000, 90_000]) {
    const root = path.join(s.dir, `root${n}`);
    files(root, n);
    const ac = new AbortController();
    let reports = 0;
    const outcome = await removeTree(root, {
      parallel: 4,
      signal: ac.signal,
      onProgress: () => {
        if (reports++ === 0) ac.abort(new Error('stop'));
      },
    }).catch((e: unknown) => e as Incomplete);
    if (!(outcome instanceof Error)) {
      seen.push(`finished ${n}`);
      continue;
    }
    assert.equal(outcome.name, 'AbortError');
    assert.equal(outcome.complete, false);
    assert.equal(left(root), n + 1 - outcome.entriesRemoved, 'what is left plus what was counted is the whole tree');
    const settled = left(root);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(left(root), settled, 'no helper goes on unlinking after the call settled');
    return;
  }
  assert.fail(`never stopped mid-way: ${seen.join(', ')}`);
});
