// Contract tests of removeTree / removeTreeAt / scanTree: real files, one
// scratch directory per test. The adversarial cases (symlink races, mounts,
// other users, huge trees, concurrent removers) live in remove-tree-*.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import { DirHandle } from '../../src/fs/dir-handle';
import { openDirectory } from '../../src/fs/walk';
import {
  removeTree,
  removeTreeSync,
  removeTreeAt,
  removeTreeAtSync,
  type RemoveTreeFailure,
} from '../../src/fs/remove-tree';
import { scanTree, scanTreeSync } from '../../src/fs/scan-tree';
import { runRemover } from '../helpers/race';
import { scratch, isLinux, isRoot, chattrWorks } from '../helpers/scratch';

function touch(p: string, content = ''): void {
  fs.writeFileSync(p, content);
}

/** n files named f0..f{n-1} in dir (created fast, empty). */
function files(dir: string, n: number): void {
  for (let i = 0; i < n; i++) fs.closeSync(fs.openSync(path.join(dir, `f${i}`), 'w'));
}


test('removes a tree of files, directories and symlinks (async)', async () => {
  using s = scratch('rt');
  const root = path.join(s.dir, 'root');
  fs.mkdirSync(path.join(root, 'a', 'b', 'c'), { recursive: true });
  fs.mkdirSync(path.join(root, 'empty'));
  touch(path.join(root, 'top.txt'), 'x');
  touch(path.join(root, 'a', 'b', 'c', 'deep.txt'), 'y');
  fs.symlinkSync('/etc', path.join(root, 'a', 'etc-link'));
  fs.symlinkSync('does-not-exist', path.join(root, 'dangling'));
  const r = await removeTree(root);
  assert.equal(fs.existsSync(root), false);
  // root, a, b, c, empty + top.txt, deep.txt, etc-link, dangling
  assert.deepEqual(r, { entriesRemoved: 9, directoriesRemoved: 5, complete: true, mounts: [], locked: [] });
  assert.ok(fs.existsSync('/etc/hostname') || fs.existsSync('/etc/passwd'), 'symlink target untouched');
});

test('a missing path resolves with zero counts; a relative path is resolved first', async () => {
  using s = scratch('rt');
  assert.deepEqual(await removeTree(path.join(s.dir, 'nope', 'deeper')), {
    entriesRemoved: 0,
    directoriesRemoved: 0,
    complete: true,
    mounts: [],
    locked: [],
  });
  fs.mkdirSync(path.join(s.dir, 'rel'));
  const rel = path.relative(process.cwd(), path.join(s.dir, 'rel'));
  assert.equal(removeTreeSync(rel).directoriesRemoved, 1);
  assert.equal(fs.existsSync(path.join(s.dir, 'rel')), false);
});

test('a top-level symlink: only the link goes, its target stays intact', async () => {
  using s = scratch('rt');
  const target = path.join(s.dir, 'target');
  fs.mkdirSync(target);
  touch(path.join(target, 'canary'), 'keep');
  const link = path.join(s.dir, 'link');
  fs.symlinkSync(target, link);
  const r = await removeTree(link);
  assert.equal(r.entriesRemoved, 1);
  assert.equal(r.directoriesRemoved, 0);
  assert.equal(fs.existsSync(link), false);
  assert.equal(fs.readFileSync(path.join(target, 'canary'), 'utf8'), 'keep');
  // A symlinked parent component the caller (or root) owns, in a directory
  // the caller owns, is followed; the link itself stays.
  fs.symlinkSync(target, link);
  touch(path.join(target, 'other'), 'keep');
  assert.equal((await removeTree(path.join(link, 'canary'))).entriesRemoved, 1);
  assert.equal(fs.existsSync(path.join(target, 'canary')), false);
  assert.equal(fs.readFileSync(path.join(target, 'other'), 'utf8'), 'keep');
  assert.ok(fs.lstatSync(link).isSymbolicLink());
});

test('a top-level regular file is unlinked (sync)', () => {
  using s = scratch('rt');
  const f = path.join(s.dir, 'file');
  touch(f, 'data');
  assert.deepEqual(removeTreeSync(f), { entriesRemoved: 1, directoriesRemoved: 0, complete: true, mounts: [], locked: [] });
  assert.equal(fs.existsSync(f), false);
});

test('names are raw bytes: newline, invalid UTF-8, leading dash', async () => {
  using s = scratch('rt');
  const root = path.join(s.dir, 'root');
  fs.mkdirSync(root);
  const rootBuf = Buffer.from(root);
  const names = [
    Buffer.from('new\nline'),
    Buffer.from([0x66, 0xff, 0xfe, 0x2e, 0x74]),
    Buffer.from('-rf'),
    Buffer.from('--no-preserve-root'),
    Buffer.from('*'),
    Buffer.from(' '),
    Buffer.alloc(255, 0x61),
  ];
  for (const n of names) {
    const dir = Buffer.concat([rootBuf, Buffer.from('/'), n]);
    fs.mkdirSync(dir);
    fs.writeFileSync(Buffer.concat([dir, Buffer.from('/'), n]), 'x');
  }
  const r = await removeTree(root);
  assert.equal(r.entriesRemoved, names.length * 2 + 1);
  assert.equal(fs.existsSync(root), false);
});

test('FIFOs and unix sockets (live and stale) are unlinked without hanging', { skip: !isLinux && 'mkfifo/socket layout is Linux-tested' }, async () => {
  using s = scratch('rt');
  const root = path.join(s.dir, 'root');
  fs.mkdirSync(path.join(root, 'sub'), { recursive: true });
  const server = net.createServer();
  try {
    execFileSync('mkfifo', [path.join(root, 'fifo'), path.join(root, 'sub', 'fifo2')]);
    const live = path.join(root, 'sub', 'live.sock');
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(live, resolve);
    });
    // A stale socket: bound by a process that exits without unlinking it.
    const stale = path.join(root, 'stale.sock');
    const py = spawnSync('python3', ['-c', 'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])', stale]);
    const staleMade = py.status === 0 && fs.lstatSync(stale, { throwIfNoEntry: false })?.isSocket() === true;
    assert.ok(fs.lstatSync(live).isSocket());
    const r = await removeTree(root);
    assert.equal(fs.existsSync(root), false);
    assert.equal(r.entriesRemoved, 5 + (staleMade ? 1 : 0));
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

test('removeLast: the marker survives a partial delete (chattr +i), INCOMPLETE lists the failure, a retry finishes', { skip: !isRoot && 'chattr +i needs root' }, async (t) => {
  using s = scratch('rt');
  const root = path.join(s.dir, 'root');
  const pinned = path.join(root, 'a', 'pinned');
  try {
    if (!chattrWorks(s.dir)) {
      t.skip('this filesystem does not support chattr +i');
      return;
    }
    fs.mkdirSync(path.join(root, 'a'), { recursive: true });
    fs.mkdirSync(path.join(root, 'b', 'c'), { recursive: true });
    touch(path.join(root, '.ephemdir'), 'marker');
    touch(pinned, 'immutable');
    files(path.join(root, 'a'), 20);
    files(path.join(root, 'b', 'c'), 20);
    execFileSync('chattr', ['+i', pinned]);
    const err = await removeTree(root, { removeLast: '.ephemdir' }).then(
      () => assert.fail('expected EPHEMDIR_INCOMPLETE'),
      (e: unknown) => e as Error & { code: string; failures: RemoveTreeFailure[]; entriesRemoved: number },
    );
    assert.equal(err.code, 'EPHEMDIR_INCOMPLETE');
    assert.deepEqual(err.failures, [{ path: pinned, code: 'EPERM', errno: -os.constants.errno.EPERM, syscall: 'unlink' }]);
    assert.match(err.message, /EPERM/);
    assert.equal(fs.readFileSync(path.join(root, '.ephemdir'), 'utf8'), 'marker', 'the marker is removed last, so it survives');
    assert.equal(fs.existsSync(path.join(root, 'b')), false, 'siblings were removed');
    assert.deepEqual(fs.readdirSync(path.join(root, 'a')), ['pinned'], 'every removable sibling went');
    assert.equal(err.entriesRemoved, 20 + 20 + 2);
    execFileSync('chattr', ['-i', pinned]);
    const r = removeTreeSync(root, { removeLast: '.ephemdir' });
    assert.equal(r.entriesRemoved, 4); // pinned, a, .ephemdir, root
    assert.equal(fs.existsSync(root), false);
  } finally {
    try {
      execFileSync('chattr', ['-i', pinned], { stdio: 'ignore' });
    } catch {
      // already gone
    }
  }
});

test('removeLast may name a directory; it goes after everything else', () => {
  using s = scratch('rt');
  const root = path.join(s.dir, 'root');
  fs.mkdirSync(path.join(root, '.ephemdir', 'inner'), { recursive: true });
  files(path.join(root, '.ephemdir'), 3);
  files(root, 3);
  const r = removeTreeSync(root, { removeLast: '.ephemdir' });
  assert.equal(r.directoriesRemoved, 3);
  assert.equal(fs.existsSync(root), false);
  assert.throws(() => removeTreeSync(root, { removeLast: 'a/b' }), { code: 'EPHEMDIR_INVALID_ARGUMENT' });
});

test('removeTreeAt: an `expect` identity mismatch refuses and touches nothing; a match removes', async () => {
  using s = scratch('rt');
  fs.mkdirSync(path.join(s.dir, 'victim'));
  touch(path.join(s.dir, 'victim', 'f'));
  using parent = openDirectory(s.dir);
  const st = parent.stat('victim');
  await assert.rejects(removeTreeAt(parent, 'victim', { expect: { dev: st.dev, ino: st.ino + 1 } }), {
    code: 'EPHEMDIR_NOT_OURS',
    path: path.join(s.dir, 'victim'),
  });
  assert.throws(() => removeTreeAtSync(parent, 'victim', { expect: { dev: st.dev + 1, ino: st.ino } }), { code: 'EPHEMDIR_NOT_OURS' });
  assert.ok(fs.existsSync(path.join(s.dir, 'victim', 'f')));
  // A file at the name is checked the same way.
  touch(path.join(s.dir, 'plain'));
  assert.throws(() => removeTreeAtSync(parent, 'plain', { expect: { dev: st.dev, ino: st.ino } }), { code: 'EPHEMDIR_NOT_OURS' });
  assert.ok(fs.existsSync(path.join(s.dir, 'plain')));
  const r = await removeTreeAt(parent, Buffer.from('victim'), { expect: { dev: st.dev, ino: st.ino } });
  assert.equal(r.entriesRemoved, 2);
  assert.equal(fs.existsSync(path.join(s.dir, 'victim')), false);
  // The handle may be closed right after the call starts.
  fs.mkdirSync(path.join(s.dir, 'later'));
  const h = openDirectory(s.dir);
  const p = removeTreeAt(h, 'later');
  h.close();
  assert.equal((await p).directoriesRemoved, 1);
  assert.throws(() => removeTreeAtSync(parent, '..'), { code: 'EPHEMDIR_INVALID_ARGUMENT' });
});

test('protected paths are refused by identity: /, home, protect, and their ancestors', async () => {
  using s = scratch('rt');
  const savedHome = process.env.HOME;
  try {
    await assert.rejects(removeTree('/'), { code: 'EPHEMDIR_PROTECTED_PATH' });
    assert.throws(() => removeTreeSync('/'), { code: 'EPHEMDIR_PROTECTED_PATH' });
    await assert.rejects(removeTree('//'), { code: 'EPHEMDIR_PROTECTED_PATH' });
    await assert.rejects(removeTree('/tmp/..'), { code: 'EPHEMDIR_INVALID_ARGUMENT' });

    // Home (os.homedir() reads $HOME) and every ancestor of it.
    const home = path.join(s.dir, 'users', 'me');
    fs.mkdirSync(path.join(home, 'docs'), { recursive: true });
    touch(path.join(home, 'docs', 'precious'));
    process.env.HOME = home;
    await assert.rejects(removeTree(home), { code: 'EPHEMDIR_PROTECTED_PATH', path: home });
    await assert.rejects(removeTree(path.join(s.dir, 'users')), { code: 'EPHEMDIR_PROTECTED_PATH' });
    assert.throws(() => removeTreeSync(s.dir), { code: 'EPHEMDIR_PROTECTED_PATH' });
    // Identity, not strings: another spelling through a symlinked alias.
    const alias = path.join(s.dir, 'alias');
    fs.symlinkSync(path.join(s.dir, 'users'), alias);
    process.env.HOME = path.join(alias, 'me');
    await assert.rejects(removeTree(path.join(s.dir, 'users')), { code: 'EPHEMDIR_PROTECTED_PATH' });
    process.env.HOME = savedHome;
    assert.ok(fs.existsSync(path.join(home, 'docs', 'precious')));
    // Below home is fine.
    assert.equal((await removeTree(path.join(home, 'docs'), {})).entriesRemoved, 2);

    // The protect option: the path itself, an ancestor, and removeTreeAt.
    const keep = path.join(s.dir, 'proj', 'keep');
    fs.mkdirSync(path.join(keep, 'x'), { recursive: true });
    const protect = [keep];
    await assert.rejects(removeTree(keep, { protect }), { code: 'EPHEMDIR_PROTECTED_PATH' });
    await assert.rejects(removeTree(path.join(s.dir, 'proj'), { protect }), { code: 'EPHEMDIR_PROTECTED_PATH' });
    using parent = openDirectory(path.join(s.dir, 'proj'));
    assert.throws(() => removeTreeAtSync(parent, 'keep', { protect }), { code: 'EPHEMDIR_PROTECTED_PATH' });
    assert.ok(fs.existsSync(path.join(keep, 'x')));
    // Not an ancestor: a sibling goes.
    fs.mkdirSync(path.join(s.dir, 'proj', 'other'));
    assert.equal(removeTreeSync(path.join(s.dir, 'proj', 'other'), { protect }).directoriesRemoved, 1);
  } finally {
    process.env.HOME = savedHome;
  }
});

test('keepRoot empties the directory and keeps it (with removeLast)', async () => {
  using s = scratch('rt');
  const root = path.join(s.dir, 'root');
  fs.mkdirSync(path.join(root, 'd', 'e'), { recursive: true });
  files(root, 10);
  touch(path.join(root, '.ephemdir'));
  const ino = fs.statSync(root).ino;
  const r = await removeTree(root, { keepRoot: true, removeLast: '.ephemdir' });
  assert.deepEqual(fs.readdirSync(root), []);
  assert.equal(fs.statSync(root).ino, ino);
  assert.equal(r.entriesRemoved, 13);
  assert.equal(r.directoriesRemoved, 2);
  // Already empty: nothing to do, still kept.
  assert.equal(removeTreeSync(root, { keepRoot: true }).entriesRemoved, 0);
  assert.ok(fs.statSync(root).isDirectory());
});

test('skipLocked: a flocked subdirectory is skipped and reported; a locked root is EPHEMDIR_BUSY', async () => {
  using s = scratch('rt');
  const root = path.join(s.dir, 'root');
  fs.mkdirSync(path.join(root, 'held', 'inner'), { recursive: true });
  fs.mkdirSync(path.join(root, 'free'));
  files(path.join(root, 'held'), 3);
  files(path.join(root, 'free'), 3);
  using held = openDirectory(path.join(root, 'held'));
  assert.equal(held.lock('shared'), true);
  const r = await removeTree(root, { skipLocked: true });
  assert.deepEqual(r.locked, [path.join(root, 'held')]);
  assert.equal(fs.existsSync(path.join(root, 'free')), false);
  assert.equal(fs.readdirSync(path.join(root, 'held')).length, 4);
  assert.ok(fs.existsSync(root), 'the root stays: it still holds the locked subtree');
  using rootHandle = openDirectory(root);
  assert.equal(rootHandle.lock('shared'), true);
  assert.throws(() => removeTreeSync(root, { skipLocked: true }), { code: 'EPHEMDIR_BUSY' });
  rootHandle.unlock();
  held.unlock();
  assert.equal(removeTreeSync(root, { skipLocked: true }).locked.length, 0);
  assert.equal(fs.existsSync(root), false);
});

test('a 10,000-level tree is removed by a child process limited to 64 fds', { timeout: 60_000 }, () => {
  using s = scratch('rt');
  const depth = 10_000;
  // Built fd-relative: the path (~20 KB) is never materialised.
  let dir: DirHandle = openDirectory(s.dir);
  dir.mkdir('deep');
  for (let i = 0; i < depth; i++) {
    const next = dir.openDir(i === 0 ? 'deep' : 'd');
    dir.close();
    next.mkdir('d');
    dir = next;
  }
  dir.close();
  const reply = runRemover(
    { fn: 'removeTree', path: path.join(s.dir, 'deep') },
    { wrap: (argv) => ['bash', '-c', 'ulimit -n 64 && exec "$@"', 'bash', ...argv], timeoutMs: 50_000 },
  );
  assert.equal(reply.ok, true, JSON.stringify(reply.error));
  assert.equal(reply.result?.directoriesRemoved, depth + 1);
  assert.equal(fs.existsSync(path.join(s.dir, 'deep')), false);
});

test('a tiny fd ring re-opens ".." on the way up (maxOpenDirs: 2, wide and deep)', () => {
  using s = scratch('rt');
  const root = path.join(s.dir, 'root');
  let p = root;
  for (let i = 0; i < 40; i++) {
    p = path.join(p, `l${i}`);
    fs.mkdirSync(path.join(p, 'side'), { recursive: true });
    files(path.join(p, 'side'), 2);
  }
  const r = removeTreeSync(root, { maxOpenDirs: 2 });
  assert.equal(r.directoriesRemoved, 81);
  assert.equal(fs.existsSync(root), false);
});

test('onProgress fires with increasing counts (async 20k files, and sync)', async () => {
  using s = scratch('rt');
  const root = path.join(s.dir, 'root');
  for (let d = 0; d < 4; d++) {
    fs.mkdirSync(path.join(root, `d${d}`), { recursive: true });
    files(path.join(root, `d${d}`), 5_000);
  }
  const seen: number[] = [];
  const r = await removeTree(root, { onProgress: (p) => seen.push(p.entriesRemoved) });
  assert.equal(r.entriesRemoved, 20_005);
  assert.ok(seen.length >= 2, `progress calls: ${seen.join(',')}`);
  for (let i = 1; i < seen.length; i++) assert.ok(seen[i]! > seen[i - 1]!, `increasing: ${seen.join(',')}`);
  assert.equal(seen.at(-1), r.entriesRemoved);

  // Sync: a throwing callback stops the removal (first call after ~10k
  // entries) and its error propagates; the rest is left for a retry.
  fs.mkdirSync(root);
  files(root, 10_300);
  assert.throws(
    () =>
      removeTreeSync(root, {
        onProgress: () => {
          throw new Error('stop here');
        },
      }),
    /stop here/,
  );
  const left = fs.readdirSync(root).length;
  assert.ok(left > 0 && left < 10_300, `left ${left}`);
  const syncSeen: number[] = [];
  const rs = removeTreeSync(root, { onProgress: (p) => syncSeen.push(p.entriesRemoved) });
  assert.equal(rs.entriesRemoved, left + 1);
  // Throttled by time too (~100 ms): a loaded machine may report before the end.
  for (let i = 1; i < syncSeen.length; i++) assert.ok(syncSeen[i]! > syncSeen[i - 1]!, `increasing: ${syncSeen.join(',')}`);
  assert.equal(syncSeen.at(-1), left + 1);
  assert.equal(fs.existsSync(root), false);
});

test('parallel: 2 removes everything (async and sync)', async () => {
  using s = scratch('rt');
  const build = (root: string) => {
    for (let d = 0; d < 12; d++) {
      fs.mkdirSync(path.join(root, `d${d}`, 'sub'), { recursive: true });
      files(path.join(root, `d${d}`), 40);
      files(path.join(root, `d${d}`, 'sub'), 10);
    }
    files(root, 5);
  };
  const root = path.join(s.dir, 'root');
  build(root);
  const r = await removeTree(root, { parallel: 2 });
  assert.deepEqual(r, { entriesRemoved: 12 * 52 + 5 + 1, directoriesRemoved: 25, complete: true, mounts: [], locked: [] });
  assert.equal(fs.existsSync(root), false);
  build(root);
  assert.equal(removeTreeSync(root, { parallel: 4 }).entriesRemoved, 12 * 52 + 5 + 1);
  assert.equal(fs.existsSync(root), false);
  assert.throws(() => removeTreeSync(root, { parallel: 0 }), { code: 'EPHEMDIR_INVALID_ARGUMENT' });
});

test('maxEntries: a budget stop resolves complete:false with the root and the marker in place; a second call finishes', async () => {
  using s = scratch('rt');
  const build = (root: string) => {
    for (let d = 0; d < 5; d++) {
      fs.mkdirSync(path.join(root, `d${d}`), { recursive: true });
      files(path.join(root, `d${d}`), 1000);
    }
    touch(path.join(root, '.owner'), 'marker');
  };
  const root = path.join(s.dir, 'root');
  const marker = path.join(root, '.owner');
  for (const run of [
    (o: object) => removeTree(root, { removeLast: '.owner', ...o }),
    async (o: object) => removeTreeSync(root, { removeLast: '.owner', parallel: 2, ...o }),
  ]) {
    build(root);
    const r = await run({ maxEntries: 1000 });
    assert.equal(r.complete, false);
    assert.ok(r.entriesRemoved >= 1000 && r.entriesRemoved < 5000, `removed ${r.entriesRemoved}`);
    assert.ok(fs.existsSync(root), 'the root stays after a budget stop');
    assert.equal(fs.readFileSync(marker, 'utf8'), 'marker', 'the marker stays after a budget stop');
    const rest = await run({});
    assert.equal(rest.complete, true);
    assert.equal(r.entriesRemoved + rest.entriesRemoved, 5 * 1000 + 5 + 2);
    assert.equal(fs.existsSync(root), false);
  }
  assert.throws(() => removeTreeSync(root, { maxEntries: 0 }), { code: 'EPHEMDIR_INVALID_ARGUMENT' });
});

test('a directory past the inode-sort threshold is removed whole, marker last; a budget stop inside it keeps the marker', async () => {
  using s = scratch('rt');
  const root = path.join(s.dir, 'wide');
  const build = () => {
    fs.mkdirSync(path.join(root, 'sub'), { recursive: true });
    files(root, 25_000);
    files(path.join(root, 'sub'), 3);
    touch(path.join(root, '.owner'), 'marker');
  };
  build();
  const stopped = removeTreeSync(root, { removeLast: '.owner', maxEntries: 15_000 });
  assert.equal(stopped.complete, false);
  assert.ok(stopped.entriesRemoved >= 15_000 && stopped.entriesRemoved < 25_005, `removed ${stopped.entriesRemoved}`);
  assert.equal(fs.readFileSync(path.join(root, '.owner'), 'utf8'), 'marker');
  const rest = await removeTree(root, { removeLast: '.owner' });
  assert.equal(stopped.entriesRemoved + rest.entriesRemoved, 25_000 + 3 + 1 + 1 + 1);
  assert.equal(rest.complete, true);
  assert.equal(fs.existsSync(root), false);
  build();
  assert.equal(removeTreeSync(root, { keepRoot: true }).entriesRemoved, 25_000 + 3 + 1 + 1);
  assert.deepEqual(fs.readdirSync(root), []);
});

test('a directory swapped for a symlink while it is emptied is reported as a concurrent modification', { skip: !isLinux && 'Linux timing' }, (t) => {
  using s = scratch('rt');
  const root = path.join(s.dir, 'root');
  const outside = path.join(s.dir, 'outside');
  fs.mkdirSync(path.join(root, 'a'), { recursive: true });
  fs.mkdirSync(outside);
  touch(path.join(outside, 'canary'), 'keep');
  // Enough that the first progress call (every 10,000 entries or 100 ms) comes inside `a`.
  files(path.join(root, 'a'), 20_000);
  let swapped = false;
  // The sync variant calls onProgress on this thread mid-removal: swap there.
  const onProgress = () => {
    if (swapped) return;
    swapped = true;
    fs.renameSync(path.join(root, 'a'), path.join(s.dir, 'a-moved'));
    fs.symlinkSync(outside, path.join(root, 'a'));
  };
  let err: (Error & { code?: string; path?: string; failures?: RemoveTreeFailure[] }) | undefined;
  try {
    removeTreeSync(root, { onProgress });
  } catch (e) {
    err = e as typeof err;
  }
  t.diagnostic(String(err));
  assert.ok(swapped, 'the progress callback ran mid-removal');
  assert.equal(err?.code, 'EPHEMDIR_CONCURRENT_MODIFICATION');
  assert.equal(err?.path, path.join(root, 'a'));
  assert.equal(err?.failures?.[0]?.code, 'ENOTDIR');
  assert.equal(fs.readFileSync(path.join(outside, 'canary'), 'utf8'), 'keep');
  assert.ok(fs.lstatSync(path.join(root, 'a')).isSymbolicLink(), 'the swapped-in symlink is left alone');
});

test('scanTree counts allocated bytes once per inode, never follows symlinks, honours its limits', async () => {
  using s = scratch('rt');
  const root = path.join(s.dir, 'root');
  fs.mkdirSync(path.join(root, 'a', 'b'), { recursive: true });
  fs.writeFileSync(path.join(root, 'big'), Buffer.alloc(256 * 1024, 1));
  fs.linkSync(path.join(root, 'big'), path.join(root, 'a', 'big-link'));
  fs.writeFileSync(path.join(root, 'a', 'b', 'small'), 'x');
  fs.symlinkSync('/usr', path.join(root, 'usr-link'));
  const blocks = (p: string) => fs.lstatSync(p).blocks * 512;
  const expected =
    blocks(root) + blocks(path.join(root, 'a')) + blocks(path.join(root, 'a', 'b')) + blocks(path.join(root, 'big')) +
    blocks(path.join(root, 'a', 'b', 'small')) + blocks(path.join(root, 'usr-link'));
  // The deepest file is the newest; newestMtimeMs finds it, unless maxDepth stops short of it.
  const future = new Date(Date.now() + 3_600_000);
  fs.utimesSync(path.join(root, 'a', 'b', 'small'), future, future);
  const mtimeMs = (p: string) => Number(fs.lstatSync(p, { bigint: true }).mtimeNs) / 1e6;
  const r = await scanTree(root);
  assert.deepEqual(r, { bytes: expected, entries: 6, complete: true, newestMtimeMs: mtimeMs(path.join(root, 'a', 'b', 'small')), mounts: [] });
  const shallow = scanTreeSync(root, { maxDepth: 1 }).newestMtimeMs;
  assert.ok(shallow < r.newestMtimeMs && shallow >= mtimeMs(root), 'past maxDepth nothing counts');
  assert.deepEqual(scanTreeSync(root), r);
  assert.equal(scanTreeSync(root, { maxEntries: 2 }).complete, false);
  assert.equal(scanTreeSync(root, { maxDepth: 1 }).complete, false);
  assert.equal(scanTreeSync(root, { maxDepth: 1 }).entries, 3);
  const capped = scanTreeSync(root, { stopAboveBytes: 4096 });
  assert.equal(capped.complete, false);
  assert.ok(capped.bytes > 4096);
  using parent = openDirectory(s.dir);
  assert.deepEqual(await scanTree({ parent, name: 'root' }), r);
  assert.equal(scanTreeSync(path.join(root, 'big')).bytes, blocks(path.join(root, 'big')));
});
