import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { TempFiles, defaultTempFiles } from '../../src/companions/temp-files';
import { scratch } from '../helpers/scratch';

const companionsModule = path.resolve(__dirname, '../../src/companions/temp-files.js');
const fixture = (name: string) => path.resolve(__dirname, '../../../test/fixtures', name);

test('the folder is 0700 and mkstemp files are 0600, O_EXCL, tracked', () => {
  using s = scratch('tf');
  const old = process.umask(0o022);
  try {
    const tf = new TempFiles({ root: s.dir });
    const st = fs.lstatSync(tf.dir());
    assert.ok(st.isDirectory());
    assert.equal(st.mode & 0o7777, 0o700);
    assert.equal(path.dirname(tf.dir()), s.dir);

    const { fd, path: p } = tf.mkstemp();
    assert.equal(path.dirname(p), tf.dir());
    fs.writeSync(fd, 'hello');
    fs.closeSync(fd);
    assert.equal(fs.lstatSync(p).mode & 0o7777, 0o600);
    assert.equal(fs.readFileSync(p, 'utf8'), 'hello');
    // close-on-exec was asked for: the fd shows O_CLOEXEC in fdinfo while open
    const { fd: fd2, path: p2 } = tf.mkstemp();
    const flags = parseInt(/flags:\s*(\d+)/.exec(fs.readFileSync(`/proc/self/fdinfo/${fd2}`, 'utf8'))![1]!, 8);
    fs.closeSync(fd2);
    assert.ok(flags & 0o2000000, 'O_CLOEXEC');
    assert.notEqual(p, p2);
    assert.equal(tf.size, 2);

    const res = tf.cleanup();
    assert.deepEqual(res.removed.sort(), [p, p2].sort());
    assert.deepEqual(res.failed, []);
    assert.equal(res.folder, 'removed');
    assert.equal(fs.existsSync(tf.dir()), false);
    assert.equal(tf.closed, true);
    // later calls do nothing and still do not throw
    assert.deepEqual(tf.cleanup(), { removed: [], failed: [], folder: 'not-open' });
    assert.throws(() => tf.mkstemp(), { code: 'EPHEMDIR_INVALID_STATE' });
  } finally {
    process.umask(old);
  }
});

test('a restrictive umask cannot weaken the folder or files below 0700/0600', () => {
  using s = scratch('tf');
  const old = process.umask(0o777);
  try {
    const tf = new TempFiles({ root: s.dir });
    assert.equal(fs.lstatSync(tf.dir()).mode & 0o7777, 0o700);
    const { fd, path: p } = tf.mkstemp();
    fs.closeSync(fd);
    assert.equal(fs.lstatSync(p).mode & 0o7777, 0o600);
    assert.equal(tf.cleanup().folder, 'removed');
  } finally {
    process.umask(old);
  }
});

test('mkstemp never follows or replaces a planted entry', () => {
  using s = scratch('tf');
  const tf = new TempFiles({ root: s.dir });
  // mktemp names are never created by TempFiles; a symlink planted there
  // (by the folder's owner) is not followed by cleanup's unlink either.
  const victim = path.join(s.dir, 'victim');
  fs.writeFileSync(victim, 'keep me');
  const name = tf.mktemp();
  fs.symlinkSync(victim, name);
  const res = tf.cleanup();
  assert.ok(res.removed.includes(name));
  assert.equal(fs.readFileSync(victim, 'utf8'), 'keep me');
  assert.equal(res.folder, 'removed');
});

test('mktemp names are never repeated and are tracked for cleanup', () => {
  using s = scratch('tf');
  const a = new TempFiles({ root: s.dir });
  const b = new TempFiles({ root: s.dir });
  assert.notEqual(a.dir(), b.dir());
  const seen = new Set<string>();
  for (let i = 0; i < 2000; i++) {
    for (const tf of [a, b]) {
      const n = tf.mktemp();
      assert.equal(seen.has(path.basename(n)), false, 'base names are unique across instances too');
      seen.add(path.basename(n));
      assert.equal(fs.existsSync(n), false);
    }
  }
  const made = a.mktemp();
  fs.writeFileSync(made, 'x', { flag: 'wx' });
  const res = a.cleanup();
  assert.ok(res.removed.includes(made));
  assert.equal(res.removed.length, 1, 'names that were never created are not reported');
  assert.equal(res.folder, 'removed');
  assert.equal(b.cleanup().folder, 'removed');
});

test('forget stops tracking; cleanup then leaves the file and keeps the folder', () => {
  using s = scratch('tf');
  const tf = new TempFiles({ root: s.dir });
  const { fd, path: kept } = tf.mkstemp();
  fs.closeSync(fd);
  const { fd: fd2, path: gone } = tf.mkstemp();
  fs.closeSync(fd2);
  assert.equal(tf.forget(kept), true);
  assert.equal(tf.forget(kept), false);
  assert.equal(tf.forget('/elsewhere/x'), false);
  fs.unlinkSync(gone); // deleted by the caller without forget: fine too
  const res = tf.cleanup();
  assert.deepEqual(res.removed, []);
  assert.equal(res.folder, 'kept', 'never recursive: an untracked file keeps the folder');
  assert.equal(res.failed.length, 1);
  assert.equal((res.failed[0]!.error as NodeJS.ErrnoException).code, 'ENOTEMPTY');
  assert.equal(fs.existsSync(kept), true);
});

test('cleanup never throws when the folder was removed or replaced underneath', () => {
  using s = scratch('tf');
  const tf = new TempFiles({ root: s.dir });
  const { fd, path: p } = tf.mkstemp();
  fs.closeSync(fd);
  tf.mktemp();
  fs.rmSync(tf.dir(), { recursive: true });
  const res = tf.cleanup();
  assert.deepEqual(res.removed, []);
  assert.deepEqual(res.failed, []);
  assert.equal(res.folder, 'missing');
  assert.equal(fs.existsSync(p), false);

  const tf2 = new TempFiles({ root: s.dir });
  const { fd: fd3, path: p3 } = tf2.mkstemp();
  fs.closeSync(fd3);
  fs.renameSync(tf2.dir(), path.join(s.dir, 'moved-away'));
  fs.mkdirSync(tf2.dir());
  fs.writeFileSync(path.join(tf2.dir(), path.basename(p3)), 'other');
  const res2 = tf2.cleanup();
  assert.equal(res2.folder, 'missing');
  assert.equal(res2.failed.length, 1);
  assert.equal((res2.failed[0]!.error as { code: string }).code, 'EPHEMDIR_NOT_OURS');
  // unlinking went through the original folder's fd, not the path
  assert.deepEqual(res2.removed, [p3]);
  assert.deepEqual(fs.readdirSync(path.join(s.dir, 'moved-away')), []);
  assert.equal(fs.readFileSync(path.join(tf2.dir(), path.basename(p3)), 'utf8'), 'other');

  // an entry that cannot be unlinked (a directory under a tracked name)
  const tf3 = new TempFiles({ root: s.dir });
  const n = tf3.mktemp();
  fs.mkdirSync(n);
  const res3 = tf3.cleanup();
  assert.equal(res3.failed.length, 2);
  assert.equal(res3.folder, 'kept');
  assert.equal(fs.existsSync(n), true);
});

test('mkstempFile gives a real FileHandle on the created file', async () => {
  using s = scratch('tf');
  const tf = new TempFiles({ root: s.dir });
  const h = await tf.mkstempFile();
  assert.equal(h.constructor.name, 'FileHandle');
  assert.equal(path.dirname(h.path), tf.dir());
  await h.writeFile('data');
  const st = await h.stat();
  assert.equal(st.ino, fs.lstatSync(h.path).ino);
  assert.equal(st.mode & 0o7777, 0o600);
  await h.close();
  assert.equal(fs.readFileSync(h.path, 'utf8'), 'data');
  assert.deepEqual(tf.cleanup().removed, [h.path]);
});

test('many concurrent async callers on one instance, with cleanup racing them', async () => {
  using s = scratch('tf');
  const tf = new TempFiles({ root: s.dir });
  const handles = await Promise.all(Array.from({ length: 200 }, () => tf.mkstempFile()));
  const paths = new Set(handles.map((h) => h.path));
  assert.equal(paths.size, 200);
  await Promise.all(handles.map((h, i) => h.writeFile(String(i)).then(() => h.close())));
  assert.equal(fs.readdirSync(tf.dir()).length, 200);
  // a cleanup while mkstempFile calls are in flight: each either finishes
  // before it or is refused; none leaves a file behind
  const late = Array.from({ length: 20 }, () => tf.mkstempFile().then((h) => h.close().then(() => h.path), (e: { code: string }) => e.code));
  const res = tf.cleanup();
  const outcomes = await Promise.all(late);
  assert.equal(res.failed.length, 0);
  assert.equal(res.removed.length, 220);
  assert.equal(res.folder, 'removed');
  for (const o of outcomes) assert.equal(o, 'EPHEMDIR_INVALID_STATE');
  assert.equal(fs.existsSync(tf.dir()), false);
});

test('the default instance is lazy, per thread, and re-created after cleanup', () => {
  const a = defaultTempFiles();
  assert.equal(defaultTempFiles(), a);
  assert.equal(path.dirname(a.dir()), path.resolve(os.tmpdir()));
  const { fd } = a.mkstemp();
  fs.closeSync(fd);
  assert.equal(a.cleanup().folder, 'removed');
  const b = defaultTempFiles();
  assert.notEqual(b, a);
  assert.equal(b.cleanup().folder, 'removed');
});

function runWorker(data: object): Promise<{ threadId: number; dir: string; paths: string[]; onDisk: number; same: boolean; cleanup?: { removed: number; failed: number; folder: string } }> {
  return new Promise((resolve, reject) => {
    const w = new Worker(fixture('companions-tempfiles-worker.js'), { workerData: data });
    let msg: unknown;
    w.on('message', (m) => (msg = m));
    w.on('error', reject);
    w.on('exit', (code) => {
      const m = msg as { error?: string };
      if (code !== 0 || !m || m.error) reject(new Error(`worker exited ${code}: ${m?.error}`));
      else resolve(msg as never);
    });
  });
}

test('two worker threads use their default instances at once', async () => {
  const count = 150;
  const [one, two] = await Promise.all([
    runWorker({ modulePath: companionsModule, count, cleanup: true }),
    runWorker({ modulePath: companionsModule, count, cleanup: false }),
  ]);
  assert.notEqual(one.threadId, two.threadId);
  assert.notEqual(one.dir, two.dir, 'each thread has its own folder');
  assert.equal(one.same && two.same, true);
  const all = [...one.paths, ...two.paths];
  assert.equal(new Set(all).size, all.length, 'no path handed out twice');
  assert.equal(new Set(all.map((p) => path.basename(p))).size, all.length, 'no name handed out twice in the process');
  assert.equal(one.onDisk, 2 * count);
  assert.equal(two.onDisk, 2 * count);
  assert.deepEqual(one.cleanup, { removed: 2 * count, failed: 0, folder: 'removed' });
  // the second worker relied on the exit hook of its default instance
  assert.equal(fs.existsSync(one.dir), false);
  assert.equal(fs.existsSync(two.dir), false);
});
