import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { DirHandle, isDir } from '../../src/fs/dir-handle';
import { openDirectory, openParent } from '../../src/fs/walk';
import { readFileAt, writeFileAtomic, createFileExclusive } from '../../src/fs/files';
import { capabilities } from '../../src/native/binding';
import { scratch, isRoot, isLinux } from '../helpers/scratch';

test('capabilities report what the kernel gave', () => {
  const caps = capabilities();
  assert.equal(caps.platform, process.platform);
  if (isLinux) {
    assert.equal(caps.statx, true);
    assert.equal(caps.mountId || caps.mountIdFdinfo, true);
  }
});

test('a symlink is never followed when opened as a directory', () => {
  using s = scratch('dh');
  fs.mkdirSync(path.join(s.dir, 'real'));
  fs.symlinkSync(path.join(s.dir, 'real'), path.join(s.dir, 'link'));
  using dir = openDirectory(s.dir);
  assert.throws(() => dir.openDir('link'), { code: 'ENOTDIR', syscall: 'open', path: path.join(s.dir, 'link') });
  using real = dir.openDir('real');
  assert.ok(isDir(real.stat()));
  assert.throws(() => dir.openDir('a/b'), { code: 'EINVAL' });
  assert.throws(() => dir.openDir('..'), { code: 'EINVAL' });
});

test('names are bytes end to end', () => {
  using s = scratch('dh');
  using dir = openDirectory(s.dir);
  const names = [Buffer.from([0x66, 0xff, 0x0a, 0x2d]), Buffer.from('-rf'), Buffer.from('new\nline')];
  for (const n of names) dir.mkdir(n);
  const seen = [...dir.entries()].map((e) => e.name.toString('hex')).sort();
  assert.deepEqual(seen, names.map((n) => n.toString('hex')).sort());
  for (const n of names) dir.rmdir(n);
  assert.deepEqual([...dir.entries()], []);
  assert.throws(() => dir.mkdir(Buffer.from('a\0b')), { code: 'EINVAL' });
});

test('rename with noReplace refuses to clobber; exchange swaps', () => {
  using s = scratch('dh');
  using dir = openDirectory(s.dir);
  dir.mkdir('a');
  dir.mkdir('b');
  assert.throws(() => dir.rename('a', dir, 'b', { noReplace: true }), { code: 'EEXIST' });
  const ia = dir.stat('a').ino;
  dir.rename('a', dir, 'b', { exchange: true });
  assert.equal(dir.stat('b').ino, ia);
});

test('flock contention is a value, not an exception', () => {
  using s = scratch('dh');
  using a = openDirectory(s.dir);
  using b = openDirectory(s.dir);
  assert.equal(a.lock('exclusive'), true);
  assert.equal(b.lock('shared'), false);
  a.unlock();
  assert.equal(b.lock('shared'), true);
});

test('files: atomic replace, exclusive create, refuses FIFOs and symlinks', () => {
  using s = scratch('dh');
  using dir = openDirectory(s.dir);
  writeFileAtomic(dir, 'f', 'one');
  writeFileAtomic(dir, 'f', 'two');
  const two = readFileAt(dir, 'f', 100);
  assert.ok(two.ok);
  assert.equal(two.data.toString(), 'two');
  assert.equal(fs.statSync(path.join(s.dir, 'f')).mode & 0o777, 0o600);
  assert.throws(() => createFileExclusive(dir, 'f', 'x'), { code: 'EEXIST' });
  const absent = readFileAt(dir, 'absent', 100);
  assert.ok(!absent.ok && absent.reason === 'missing');
  assert.equal((absent.error as NodeJS.ErrnoException).code, 'ENOENT');
  execFileSync('mkfifo', [path.join(s.dir, 'fifo')]);
  const fifo = readFileAt(dir, 'fifo', 100);
  assert.ok(!fifo.ok && fifo.reason === 'not-regular');
  assert.equal(fifo.stat.mode & 0o170000, 0o010000);
  assert.equal((fifo.error as NodeJS.ErrnoException).code, 'EPHEMDIR_INVALID_STATE');
  fs.symlinkSync(path.join(s.dir, 'f'), path.join(s.dir, 'ln'));
  const ln = readFileAt(dir, 'ln', 100);
  assert.ok(!ln.ok && ln.reason === 'not-regular');
  assert.equal(ln.stat.mode & 0o170000, 0o120000);
  assert.equal((ln.error as NodeJS.ErrnoException).code, 'ELOOP');
  const big = readFileAt(dir, 'f', 2);
  assert.ok(!big.ok && big.reason === 'too-large');
  assert.equal(big.size, 3);
  assert.match(big.error.message, /over the 2-byte limit/);
  assert.deepEqual(fs.readdirSync(s.dir).filter((n) => n.endsWith('.tmp')), []);
});

test('walk: chain trust refuses a world-writable non-sticky component', () => {
  using s = scratch('dh');
  const open = path.join(s.dir, 'open');
  fs.mkdirSync(path.join(open, 'inner'), { recursive: true });
  fs.chmodSync(open, 0o777);
  assert.throws(() => openDirectory(path.join(open, 'inner')), { code: 'EPHEMDIR_UNSAFE_PARENT' });
  openDirectory(path.join(open, 'inner'), { trust: 'nofollow' }).close();
  fs.chmodSync(open, 0o1777);
  openDirectory(path.join(open, 'inner')).close();
  assert.throws(() => openParent('/'), { code: 'EPHEMDIR_PROTECTED_PATH' });
  assert.throws(() => openDirectory('relative/path'), { code: 'EPHEMDIR_INVALID_ARGUMENT' });
});

test('walk: a parent owned by another user is refused for creation', { skip: !isRoot && 'needs root to chown' }, () => {
  using s = scratch('dh');
  const foreign = path.join(s.dir, 'foreign');
  fs.mkdirSync(foreign, { mode: 0o755 });
  fs.chownSync(foreign, 65534, 65534);
  assert.throws(() => openDirectory(foreign, { final: 'parent' }), { code: 'EPHEMDIR_UNSAFE_PARENT', message: /owned by uid 65534/ });
});

test('mode-000 directory of ours is repaired through an O_PATH anchor', { skip: !isLinux && 'O_PATH is Linux-only' }, () => {
  using s = scratch('dh');
  fs.mkdirSync(path.join(s.dir, 'locked'), { mode: 0o000 });
  using dir = openDirectory(s.dir);
  using anchor = dir.openPath('locked');
  if (isRoot) {
    anchor.chmodOwnDirectory(0o700);
    assert.equal(fs.statSync(path.join(s.dir, 'locked')).mode & 0o777, 0o700);
  }
  fs.writeFileSync(path.join(s.dir, 'file'), 'x');
  using fileAnchor = dir.openPath('file', false);
  assert.throws(() => fileAnchor.chmodOwnDirectory(0o777), { code: 'EPHEMDIR_PROTECTED_PATH' });
  assert.equal(fs.statSync(path.join(s.dir, 'file')).mode & 0o777, 0o644 & ~process.umask());
});

test('DirHandle refuses use after close', () => {
  const d = DirHandle.openRoot();
  d.close();
  assert.throws(() => d.stat(), { code: 'EBADF' });
});
