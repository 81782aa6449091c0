import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createTempDir, root, Root, TemporaryDirectory } from '../../src/companions/tempman';
import { scratch, isRoot, isLinux } from '../helpers/scratch';
import { stageForOtherUsers } from '../helpers/stage';
import { chownTree, createUser, runAs, usersUnavailable, type TestUser } from '../helpers/users';

const bindingModule = path.resolve(__dirname, '../../src/native/binding.js');
const fixture = (name: string) => path.resolve(__dirname, '../../../test/fixtures', name);

const HOUR = 3600;

function makeOld(p: string, secondsAgo: number): void {
  const t = Date.now() / 1000 - secondsAgo;
  fs.utimesSync(p, t, t);
}

test('createTempDir makes a 0700 directory that close() removes with its contents', async () => {
  using s = scratch('tm');
  const d = createTempDir({ dir: s.dir });
  assert.ok(d instanceof TemporaryDirectory);
  assert.equal(path.dirname(d.path), s.dir);
  const st = fs.lstatSync(d.path);
  assert.ok(st.isDirectory());
  assert.equal(st.mode & 0o777, 0o700);
  fs.mkdirSync(path.join(d.path, 'a/b/c'), { recursive: true });
  fs.writeFileSync(path.join(d.path, 'a/b/c/f'), 'x');
  fs.symlinkSync('/etc/passwd', path.join(d.path, 'a/link'));
  await d.close();
  assert.equal(fs.existsSync(d.path), false);
  assert.equal(d.closed, true);
  await d.close(); // idempotent
  d.closeSync();
  assert.ok(fs.existsSync('/etc/passwd'));
});

test('the default parent is os.tmpdir(); closeSync works too', () => {
  const d = createTempDir();
  assert.equal(path.dirname(d.path), path.resolve(os.tmpdir()));
  assert.ok(fs.statSync(d.path).isDirectory());
  d.closeSync();
  assert.equal(fs.existsSync(d.path), false);
});

test('using and await using remove the directory at the end of the block', async () => {
  using s = scratch('tm');
  let p1: string;
  {
    using d = createTempDir({ dir: s.dir });
    p1 = d.path;
    fs.writeFileSync(path.join(d.path, 'f'), 'x');
    assert.ok(fs.existsSync(p1));
  }
  assert.equal(fs.existsSync(p1), false);
  let p2: string;
  {
    await using d = createTempDir({ dir: s.dir });
    p2 = d.path;
    assert.ok(fs.existsSync(p2));
  }
  assert.equal(fs.existsSync(p2), false);
});

test('concurrent close() calls share one removal', async () => {
  using s = scratch('tm');
  const d = createTempDir({ dir: s.dir });
  for (let i = 0; i < 50; i++) fs.writeFileSync(path.join(d.path, `f${i}`), 'x');
  await Promise.all([d.close(), d.close(), d.close()]);
  assert.equal(fs.existsSync(d.path), false);
});

test('a directory removed by someone else counts as closed', async () => {
  using s = scratch('tm');
  const d = createTempDir({ dir: s.dir });
  fs.rmSync(d.path, { recursive: true });
  await d.close();
  assert.equal(d.closed, true);
});

test('a directory replaced by someone else is refused, not deleted', async () => {
  using s = scratch('tm');
  for (const sync of [false, true]) {
    const d = createTempDir({ dir: s.dir });
    fs.writeFileSync(path.join(d.path, 'mine'), 'x');
    const moved = path.join(s.dir, `moved-${sync}`);
    fs.renameSync(d.path, moved);
    fs.mkdirSync(d.path);
    fs.writeFileSync(path.join(d.path, 'theirs'), 'keep');
    if (sync) assert.throws(() => d.closeSync(), { code: 'EPHEMDIR_NOT_OURS' });
    else await assert.rejects(d.close(), { code: 'EPHEMDIR_NOT_OURS' });
    assert.equal(fs.readFileSync(path.join(d.path, 'theirs'), 'utf8'), 'keep');
    assert.equal(fs.readFileSync(path.join(moved, 'mine'), 'utf8'), 'x');
    assert.equal(d.closed, true);
    await d.close(); // nothing left to do
    fs.rmSync(d.path, { recursive: true });
  }
  // a symlink put in its place is not followed either
  const d = createTempDir({ dir: s.dir });
  const target = path.join(s.dir, 'target');
  fs.mkdirSync(target);
  fs.writeFileSync(path.join(target, 'f'), 'keep');
  fs.renameSync(d.path, path.join(s.dir, 'moved-link'));
  fs.symlinkSync(target, d.path);
  await assert.rejects(d.close(), { code: 'EPHEMDIR_NOT_OURS' });
  assert.equal(fs.readFileSync(path.join(target, 'f'), 'utf8'), 'keep');
  assert.ok(fs.lstatSync(d.path).isSymbolicLink());
});

test('the parent is opened without following symlinks and must be safe', () => {
  using s = scratch('tm');
  fs.mkdirSync(path.join(s.dir, 'real'));
  fs.symlinkSync(path.join(s.dir, 'real'), path.join(s.dir, 'link'));
  assert.throws(() => createTempDir({ dir: path.join(s.dir, 'link') }), { code: 'EPHEMDIR_SYMLINK_IN_PATH' });
  fs.mkdirSync(path.join(s.dir, 'open'));
  fs.chmodSync(path.join(s.dir, 'open'), 0o777);
  assert.throws(() => createTempDir({ dir: path.join(s.dir, 'open') }), { code: 'EPHEMDIR_UNSAFE_PARENT' });
  assert.throws(() => createTempDir({ dir: path.join(s.dir, 'missing') }), { code: 'ENOENT' });
  assert.throws(() => createTempDir({ dir: 'relative' }), { code: 'EPHEMDIR_INVALID_ARGUMENT' });
  assert.throws(() => createTempDir({ dir: s.dir, prefix: 'a/b' }), { code: 'EPHEMDIR_INVALID_ARGUMENT' });
  const d = createTempDir({ dir: s.dir, prefix: 'job-' });
  assert.match(path.basename(d.path), /^job-[0-9a-f]{16}$/);
  d.closeSync();
});

/** A job directory whose own timestamps, and its directories', are 2 h old; its deep log file is `logAge` seconds old. */
function job(base: string, name: string, logAge: number): string {
  const dir = path.join(base, name);
  const deep = path.join(dir, 'a', 'b', 'c');
  fs.mkdirSync(deep, { recursive: true });
  fs.writeFileSync(path.join(deep, 'out.log'), 'still writing');
  makeOld(path.join(deep, 'out.log'), logAge);
  for (const p of [deep, path.join(dir, 'a', 'b'), path.join(dir, 'a'), dir]) makeOld(p, 2 * HOUR);
  return dir;
}

test("ageBy 'tree': a long job writing only deep inside keeps its directory; by default ('self') it is removed", async () => {
  using s = scratch('tm');
  // Default: the directory's own timestamps only (as tempman): the busy job's directory goes.
  const busy = job(s.dir, 'busy', 5);
  assert.deepEqual((await root(s.dir, { timeout: HOUR }).cleanup()).removed, [busy]);
  assert.equal(fs.existsSync(busy), false);
  job(s.dir, 'busy', 5);
  assert.deepEqual(root(s.dir, { timeout: HOUR, ageBy: 'self' }).cleanupSync().removed, [busy]);

  // ageBy 'tree': the newest mtime inside counts; an all-old tree still goes.
  job(s.dir, 'busy', 5);
  const idle = job(s.dir, 'idle', 2 * HOUR);
  const tree = root(s.dir, { timeout: HOUR, ageBy: 'tree' });
  assert.deepEqual(await tree.cleanup(), { removed: [idle], skipped: [] });
  assert.ok(fs.existsSync(path.join(busy, 'a', 'b', 'c', 'out.log')), 'the busy job keeps its directory');
  job(s.dir, 'idle', 2 * HOUR);
  assert.deepEqual(tree.cleanupSync(), { removed: [idle], skipped: [] });
  assert.ok(fs.existsSync(busy));
  // Once the job stops writing for longer than the timeout, it goes too.
  makeOld(path.join(busy, 'a', 'b', 'c', 'out.log'), 2 * HOUR);
  makeOld(busy, 2 * HOUR);
  assert.deepEqual(tree.cleanupSync().removed, [busy]);
});

test('ageBy is validated: only self or tree', () => {
  using s = scratch('tm');
  for (const bad of ['TREE', 'newest', '', 1, true, null, {}]) {
    assert.throws(() => root(s.dir, { timeout: HOUR, ageBy: bad as never }), { code: 'EPHEMDIR_INVALID_ARGUMENT', message: /ageBy/ }, String(bad));
  }
});

test('timeout: a number is seconds, a string is a duration, timeoutMs is milliseconds', () => {
  using s = scratch('tm');
  assert.equal(root(s.dir).timeoutMs, null);
  assert.equal(root(s.dir, { timeout: null }).timeoutMs, null);
  assert.equal(root(s.dir, { timeout: 90 }).timeoutMs, 90_000);
  assert.equal(root(s.dir, { timeout: 1.5 }).timeoutMs, 1500);
  assert.equal(root(s.dir, { timeout: '1h30m' }).timeoutMs, 5_400_000);
  assert.equal(root(s.dir, { timeoutMs: 250 }).timeoutMs, 250);
  assert.equal(root(s.dir, { timeoutMs: 0 }).timeoutMs, 0);
  assert.throws(() => root(s.dir, { timeout: 1, timeoutMs: 1000 }), { code: 'EPHEMDIR_INVALID_ARGUMENT' });
  for (const bad of [-1, NaN, Infinity, '3600', '1 parsec', true]) {
    assert.throws(() => root(s.dir, { timeout: bad as never }), { code: 'EPHEMDIR_INVALID_ARGUMENT' }, String(bad));
  }
  for (const bad of [-1, NaN, '100']) {
    assert.throws(() => root(s.dir, { timeoutMs: bad as never }), { code: 'EPHEMDIR_INVALID_ARGUMENT' }, String(bad));
  }
  assert.throws(() => root('relative/dir'), { code: 'EPHEMDIR_INVALID_ARGUMENT' });
  assert.ok(root(s.dir) instanceof Root);
});

test('cleanup removes old directories by the later of mtime and atime, keeps fresh ones', async () => {
  using s = scratch('tm');
  const r = root(s.dir, { timeout: HOUR });
  const old = path.join(s.dir, 'old');
  fs.mkdirSync(path.join(old, 'deep/er'), { recursive: true });
  fs.writeFileSync(path.join(old, 'deep/er/f'), 'x');
  makeOld(path.join(old, 'deep/er'), 2 * HOUR);
  makeOld(path.join(old, 'deep'), 2 * HOUR);
  makeOld(old, 2 * HOUR);
  const fresh = path.join(s.dir, 'fresh');
  fs.mkdirSync(fresh);
  // old mtime but recent atime: the later one counts, so it stays
  const read = path.join(s.dir, 'recently-read');
  fs.mkdirSync(read);
  const now = Date.now() / 1000;
  fs.utimesSync(read, now - 60, now - 2 * HOUR);
  // an old plain file is not a subdirectory: left alone, not reported
  const file = path.join(s.dir, 'old-file');
  fs.writeFileSync(file, 'x');
  makeOld(file, 2 * HOUR);

  const report = await r.cleanup();
  assert.deepEqual(report, { removed: [old], skipped: [] });
  assert.equal(fs.existsSync(old), false);
  assert.ok(fs.existsSync(fresh));
  assert.ok(fs.existsSync(read));
  assert.ok(fs.existsSync(file));

  // the sync variant and timeoutMs
  makeOld(fresh, 10);
  fs.utimesSync(read, Date.now() / 1000, Date.now() / 1000 - 2 * HOUR);
  assert.deepEqual(root(s.dir, { timeoutMs: 5000 }).cleanupSync().removed, [fresh]);
  // no timeout: nothing is ever removed
  makeOld(read, 100 * HOUR);
  assert.deepEqual(await root(s.dir).cleanup(), { removed: [], skipped: [] });
  assert.ok(fs.existsSync(read));
});

test('createTempDir on a Root cleans up first and creates the root if missing', async () => {
  using s = scratch('tm');
  const base = path.join(s.dir, 'a/b');
  const r = root(base, { timeout: '1h' });
  await assert.rejects(r.cleanup(), { code: 'ENOENT' });
  const d1 = await r.createTempDir();
  assert.equal(path.dirname(d1.path), base);
  assert.equal(fs.statSync(base).mode & 0o777, 0o700);
  assert.deepEqual(r.lastCleanup, { removed: [], skipped: [] });
  makeOld(d1.path, 2 * HOUR);
  const d2 = r.createTempDirSync();
  assert.deepEqual(r.lastCleanup, { removed: [d1.path], skipped: [] });
  assert.equal(fs.existsSync(d1.path), false);
  assert.ok(fs.existsSync(d2.path));
  await d1.close(); // already gone: fine
  await d2.close();
  assert.deepEqual(fs.readdirSync(base), []);
});

function holdLock(dir: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [fixture('companions-flock.js'), bindingModule, dir], { stdio: ['pipe', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('locked\n')) resolve(child);
    });
    child.on('exit', (code) => reject(new Error(`lock holder exited ${code}: ${out}`)));
  });
}

async function release(child: ChildProcess): Promise<void> {
  child.removeAllListeners('exit');
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.stdin!.end();
  await exited;
}

test('cleanup never follows symlinks, skips other users, locked directories and mounts', { skip: !isLinux ? 'tmpfs mounts and throwaway users are Linux-only' : !isRoot && 'mounting a tmpfs and creating a user need root' }, async () => {
  using s = scratch('tm');
  let user: TestUser | null = null;
  const mnt = path.join(s.dir, 'root', 'mnt');
  let mounted = false;
  let holder: ChildProcess | null = null;
  let holder2: ChildProcess | null = null;
  try {
    const base = path.join(s.dir, 'root');
    fs.mkdirSync(base);
    // a symlink to an old directory outside the root
    const outside = path.join(s.dir, 'outside');
    fs.mkdirSync(outside);
    fs.writeFileSync(path.join(outside, 'keep'), 'x');
    makeOld(outside, 3 * HOUR);
    fs.symlinkSync(outside, path.join(base, 'link'));
    // a directory owned by another real user
    user = createUser('ephtm');
    const foreign = path.join(base, 'foreign');
    fs.mkdirSync(foreign);
    fs.writeFileSync(path.join(foreign, 'f'), 'x');
    chownTree(foreign, user);
    makeOld(foreign, 3 * HOUR);
    // a directory another process holds with flock
    const locked = path.join(base, 'locked');
    fs.mkdirSync(locked);
    fs.writeFileSync(path.join(locked, 'f'), 'x');
    holder = await holdLock(locked);
    makeOld(locked, 3 * HOUR);
    // an old directory with a locked subdirectory: everything else goes
    const partly = path.join(base, 'partly');
    fs.mkdirSync(path.join(partly, 'held'), { recursive: true });
    fs.mkdirSync(path.join(partly, 'free'));
    fs.writeFileSync(path.join(partly, 'held', 'f'), 'x');
    fs.writeFileSync(path.join(partly, 'free', 'f'), 'x');
    holder2 = await holdLock(path.join(partly, 'held'));
    makeOld(partly, 3 * HOUR);
    // a tmpfs mounted on a subdirectory
    fs.mkdirSync(mnt);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m,mode=0700', 'ephemdir-test', mnt]);
    mounted = true;
    fs.writeFileSync(path.join(mnt, 'on-tmpfs'), 'x');
    makeOld(mnt, 3 * HOUR);
    // and one that should go
    const old = path.join(base, 'old');
    fs.mkdirSync(old);
    makeOld(old, 3 * HOUR);

    const r = root(base, { timeout: HOUR });
    const report = await r.cleanup();
    const reasons = Object.fromEntries(report.skipped.map((e) => [path.basename(e.path), e.reason]));
    assert.deepEqual(report.removed, [old], JSON.stringify(report.skipped.map((e) => [e.path, e.reason, String(e.error)])));
    assert.deepEqual(reasons, { link: 'symlink', foreign: 'foreign-owner', locked: 'locked', partly: 'locked', mnt: 'mount' });
    assert.deepEqual(report.skipped.find((e) => e.reason === 'locked' && e.locked)?.locked, [path.join(partly, 'held')]);
    assert.ok(fs.lstatSync(path.join(base, 'link')).isSymbolicLink());
    assert.ok(fs.existsSync(path.join(outside, 'keep')));
    assert.ok(fs.existsSync(path.join(foreign, 'f')));
    assert.ok(fs.existsSync(path.join(locked, 'f')));
    assert.ok(fs.existsSync(path.join(partly, 'held', 'f')));
    assert.equal(fs.existsSync(path.join(partly, 'free')), false);
    assert.ok(fs.existsSync(path.join(mnt, 'on-tmpfs')));

    // the same from the sync variant (the first pass changed partly's times)
    makeOld(partly, 3 * HOUR);
    const again = r.cleanupSync();
    assert.deepEqual(again.removed, []);
    assert.equal(again.skipped.length, 5);

    // once the locks are released, the directories go
    await release(holder);
    holder = null;
    await release(holder2);
    holder2 = null;
    makeOld(locked, 3 * HOUR);
    makeOld(partly, 3 * HOUR);
    const later = await r.cleanup();
    assert.deepEqual(later.removed.sort(), [locked, partly].sort());
  } finally {
    if (holder) await release(holder);
    if (holder2) await release(holder2);
    if (mounted) execFileSync('umount', [mnt]);
    user?.remove();
  }
});

test('as an unprivileged user, root-owned directories in its own root are foreign', { skip: !isLinux ? 'throwaway users are Linux-only' : !isRoot && 'creating a throwaway user needs root' }, () => {
  using s = scratch('tm');
  let user: TestUser | null = null;
  try {
    user = createUser('ephtm');
    fs.chmodSync(s.dir, 0o755);
    const base = path.join(s.dir, 'root');
    fs.mkdirSync(base);
    fs.mkdirSync(path.join(base, 'roots'));
    fs.mkdirSync(path.join(base, 'mine'));
    for (const p of [base, path.join(base, 'mine')]) fs.chownSync(p, user.uid, user.gid);
    makeOld(path.join(base, 'roots'), 3 * HOUR);
    makeOld(path.join(base, 'mine'), 3 * HOUR);
    const script = `
      const { root } = require(${JSON.stringify(stageForOtherUsers().path(path.resolve(__dirname, '../../src/companions/tempman.js')))});
      const r = root(${JSON.stringify(base)}, { timeout: 3600 }).cleanupSync();
      process.stdout.write(JSON.stringify({ removed: r.removed, skipped: r.skipped.map((e) => [e.path, e.reason]) }));`;
    const run = runAs(user, [process.execPath, '-e', script]);
    assert.equal(run.status, 0, String(run.stderr));
    assert.deepEqual(JSON.parse(String(run.stdout)), {
      removed: [path.join(base, 'mine')],
      skipped: [[path.join(base, 'roots'), 'foreign-owner']],
    });
    assert.ok(fs.existsSync(path.join(base, 'roots')));
  } finally {
    user?.remove();
  }
});

test("ageBy 'tree', both flavours: a tree whose newest timestamp cannot be read is left as 'age-unknown', never removed on a guess", { skip: usersUnavailable() ?? undefined }, () => {
  const s = scratch('tm');
  let user: TestUser | null = null;
  try {
    user = createUser('ephtm');
    fs.chmodSync(s.dir, 0o755);
    const base = path.join(s.dir, 'root');
    // sealed: the directory itself is mode 000, so its scan fails (EACCES);
    // shut: readable, but a directory inside is mode 000, so its scan is incomplete.
    const sealed = path.join(base, 'sealed');
    const shut = path.join(base, 'shut');
    const inner = path.join(shut, 'inner');
    fs.mkdirSync(inner, { recursive: true });
    fs.mkdirSync(sealed);
    chownTree(base, user);
    fs.chmodSync(inner, 0o000);
    fs.chmodSync(sealed, 0o000);
    const expected = {
      removed: [],
      skipped: [
        [sealed, 'age-unknown', 'EACCES'],
        [shut, 'age-unknown', 'EPHEMDIR_INVALID_STATE'],
      ],
    };
    for (const call of ['cleanupSync()', 'cleanup()']) {
      // Old again for each run: reading a tree for its age updates its atime.
      for (const p of [inner, shut, sealed]) makeOld(p, 3 * HOUR);
      const script = `
        const { root } = require(${JSON.stringify(stageForOtherUsers().path(path.resolve(__dirname, '../../src/companions/tempman.js')))});
        Promise.resolve(root(${JSON.stringify(base)}, { timeout: 3600, ageBy: 'tree' }).${call}).then((r) => process.stdout.write(JSON.stringify({
          removed: r.removed,
          skipped: r.skipped.map((e) => [e.path, e.reason, e.error && e.error.code]).sort(),
        })));`;
      const run = runAs(user, [process.execPath, '-e', script]);
      assert.equal(run.status, 0, String(run.stderr));
      assert.deepEqual(JSON.parse(String(run.stdout)), expected, call);
    }
    assert.ok(fs.existsSync(inner) && fs.existsSync(sealed), 'both left in place');
  } finally {
    user?.remove();
    s.cleanup();
  }
});
