import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { DirHandle, type SmallFile } from '../../src/fs/dir-handle';
import { openDirectory } from '../../src/fs/walk';
import { scratch } from '../helpers/scratch';

const E = os.constants.errno;
const S = fs.constants;
const type = (mode: number) => mode & S.S_IFMT;
/** A path under `dir` for a name given as raw bytes. */
const bytePath = (dir: string, name: Buffer) => Buffer.concat([Buffer.from(`${dir}/`), name]);

function byName(files: SmallFile[]): Map<string, SmallFile> {
  return new Map(files.map((f) => [f.name.toString('hex'), f]));
}
const hex = (name: string | Buffer) => Buffer.from(name).toString('hex');

test('readSmallFiles: contents of small regular files; nothing else is read or followed', { timeout: 30_000 }, () => {
  using s = scratch('batch');
  const max = 100;
  const odd = Buffer.from([0x66, 0xff, 0xfe, 0x0a, 0x80]);
  fs.writeFileSync(path.join(s.dir, 'a.json'), '{"a":1}');
  fs.writeFileSync(path.join(s.dir, 'exact'), 'x'.repeat(max));
  fs.writeFileSync(path.join(s.dir, 'empty'), '');
  fs.writeFileSync(path.join(s.dir, 'big'), 'y'.repeat(max + 1));
  fs.writeFileSync(path.join(s.dir, '.hidden'), 'secret');
  fs.writeFileSync(bytePath(s.dir, odd), Buffer.from([0, 1, 2, 0xff]));
  fs.symlinkSync(path.join(s.dir, 'a.json'), path.join(s.dir, 'link'));
  execFileSync('mkfifo', [path.join(s.dir, 'fifo')]);
  fs.mkdirSync(path.join(s.dir, 'sub'));
  fs.chmodSync(path.join(s.dir, 'a.json'), 0o640);

  using dir = openDirectory(s.dir);
  const files = dir.readSmallFiles(max);
  const got = byName(files);
  assert.deepEqual([...got.keys()].sort(), ['a.json', 'exact', 'empty', 'big', odd, 'link', 'fifo', 'sub'].map(hex).sort());
  const uid = process.geteuid!();

  const a = got.get(hex('a.json'))!;
  assert.equal(a.data!.toString(), '{"a":1}');
  assert.deepEqual({ errno: a.errno, mode: a.mode, uid: a.uid, size: a.size }, { errno: 0, mode: S.S_IFREG | 0o640, uid, size: 7 });
  // The same identity as a separate lstat (a listing cache compares the two).
  const aStat = dir.stat('a.json');
  assert.deepEqual({ ino: a.ino, mtimeMs: a.mtimeMs, ctimeMs: a.ctimeMs }, { ino: aStat.ino, mtimeMs: aStat.mtimeMs, ctimeMs: aStat.ctimeMs });

  const exact = got.get(hex('exact'))!;
  assert.equal(exact.data!.toString(), 'x'.repeat(max));
  assert.equal(exact.size, max);

  const empty = got.get(hex('empty'))!;
  assert.ok(empty.data !== null, 'an empty file is read (as zero bytes)');
  assert.equal(empty.data.length, 0);
  assert.deepEqual({ errno: empty.errno, type: type(empty.mode), size: empty.size }, { errno: 0, type: S.S_IFREG, size: 0 });

  const big = got.get(hex('big'))!;
  assert.equal(big.data, null);
  assert.deepEqual({ errno: big.errno, type: type(big.mode), size: big.size }, { errno: 0, type: S.S_IFREG, size: max + 1 });

  const o = got.get(odd.toString('hex'))!;
  assert.ok(o.name.equals(odd), 'a non-UTF-8 name comes back byte-exact');
  assert.deepEqual([...o.data!], [0, 1, 2, 0xff]);

  // O_NOFOLLOW: the open fails, so nothing about the target is reported.
  const link = got.get(hex('link'))!;
  assert.deepEqual({ errno: link.errno, data: link.data, mode: link.mode, size: link.size }, { errno: -E.ELOOP, data: null, mode: 0, size: 0 });

  // O_NONBLOCK: a FIFO with no writer opens at once and is not read.
  const fifo = got.get(hex('fifo'))!;
  assert.deepEqual({ errno: fifo.errno, data: fifo.data, type: type(fifo.mode) }, { errno: 0, data: null, type: S.S_IFIFO });

  const sub = got.get(hex('sub'))!;
  assert.deepEqual({ errno: sub.errno, data: sub.data, type: type(sub.mode), uid: sub.uid }, { errno: 0, data: null, type: S.S_IFDIR, uid });

  // Views into two shared buffers, not one copy per file.
  assert.equal(new Set(files.map((f) => f.name.buffer)).size, 1);
  assert.equal(new Set(files.filter((f) => f.data !== null && f.data.length > 0).map((f) => f.data!.buffer)).size, 1);
});

test('readSmallFiles: an empty directory, and more files than one readdir batch', () => {
  using s = scratch('batch');
  using dir = openDirectory(s.dir);
  assert.deepEqual(dir.readSmallFiles(10), []);
  const n = 700;
  for (let i = 0; i < n; i++) fs.writeFileSync(path.join(s.dir, `f${i}`), `content ${i}`.repeat(i % 5));
  const files = dir.readSmallFiles(1000);
  assert.equal(files.length, n);
  for (const f of files) {
    const i = Number(f.name.toString().slice(1));
    assert.equal(f.errno, 0);
    assert.equal(f.data!.toString(), `content ${i}`.repeat(i % 5));
    assert.equal(f.data!.length, f.size);
  }
});

test('statMany: lstat of each name; per-name failures are values', () => {
  using s = scratch('batch');
  const odd = Buffer.from([0x66, 0xff, 0xfe, 0x0a]);
  fs.mkdirSync(path.join(s.dir, 'sub'));
  fs.writeFileSync(path.join(s.dir, 'file'), 'x');
  fs.symlinkSync(path.join(s.dir, 'sub'), path.join(s.dir, 'link'));
  fs.writeFileSync(bytePath(s.dir, odd), '');
  const ino = (p: string | Buffer) => Number(fs.lstatSync(p, { bigint: true }).ino);

  using dir = openDirectory(s.dir);
  const names = ['sub', 'file', 'link', 'missing', 'a/b', '', '..', '.', 'sub/', odd, Buffer.from('a\0b')];
  const r = dir.statMany(names);
  assert.equal(r.length, names.length);
  const [sub, file, link, missing, ...rest] = r;
  const oddStat = rest[5]!;

  // Exactly what a single lstat of the same name says (a listing cache compares them).
  const same = (name: string) => {
    const st = dir.stat(name);
    return { errno: 0, mode: st.mode, ino: st.ino, size: st.size, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs };
  };
  assert.deepEqual(sub, same('sub'));
  assert.equal(sub!.ino, ino(path.join(s.dir, 'sub')));
  assert.equal(type(sub!.mode), S.S_IFDIR);
  assert.deepEqual(file, same('file'));
  assert.equal(file!.size, 1);
  assert.equal(file!.mode, fs.lstatSync(path.join(s.dir, 'file')).mode);
  assert.equal(type(file!.mode), S.S_IFREG);
  // Never followed: the link itself, not the directory it names.
  assert.equal(type(link!.mode), S.S_IFLNK);
  assert.equal(link!.errno, 0);
  assert.equal(link!.ino, ino(path.join(s.dir, 'link')));
  assert.notEqual(link!.ino, sub!.ino);
  const none = { mode: 0, ino: 0, size: 0, mtimeMs: 0, ctimeMs: 0 };
  assert.deepEqual(missing, { errno: -E.ENOENT, ...none });
  // 'a/b', '', '..', '.', 'sub/' and a name holding a NUL are not single components.
  for (const i of [4, 5, 6, 7, 8, 10]) assert.deepEqual(r[i], { errno: -E.EINVAL, ...none }, `name ${JSON.stringify(String(names[i]))}`);
  assert.deepEqual({ errno: oddStat.errno, mode: oddStat.mode, ino: oddStat.ino }, { errno: 0, mode: S.S_IFREG | (0o666 & ~process.umask()), ino: ino(bytePath(s.dir, odd)) });

  assert.deepEqual(dir.statMany([]), []);
});

test('a failure of the whole call throws like the other DirHandle methods', () => {
  using s = scratch('batch');
  fs.writeFileSync(path.join(s.dir, 'file'), 'x');
  const notDir = new DirHandle(fs.openSync(path.join(s.dir, 'file'), 'r'), path.join(s.dir, 'file'));
  try {
    assert.throws(() => notDir.readSmallFiles(10), { code: 'ENOTDIR', syscall: 'scandir', path: path.join(s.dir, 'file') });
    assert.throws(() => notDir.statMany(['x']), { code: 'ENOTDIR', syscall: 'lstat', path: path.join(s.dir, 'file') });
  } finally {
    notDir.close();
  }
  const closed = openDirectory(s.dir);
  closed.close();
  assert.throws(() => closed.readSmallFiles(10), { code: 'EBADF' });
  assert.throws(() => closed.statMany(['file']), { code: 'EBADF' });
});

test('probeMarkedDirs: type, inode and marker of each name, never following a symlink', { timeout: 30_000 }, () => {
  using s = scratch('batch-marker');
  const mk = (name: string, marker?: string | null) => {
    fs.mkdirSync(path.join(s.dir, name));
    if (typeof marker === 'string') fs.writeFileSync(path.join(s.dir, name, 'm'), marker);
  };
  mk('ok', 'abc\n');
  mk('none');
  mk('big', 'x'.repeat(34));
  mk('exact', 'y'.repeat(33));
  mk('linked');
  fs.writeFileSync(path.join(s.dir, 'elsewhere'), 'abc\n');
  fs.symlinkSync(path.join(s.dir, 'elsewhere'), path.join(s.dir, 'linked', 'm'));
  mk('fifo');
  execFileSync('mkfifo', [path.join(s.dir, 'fifo', 'm')]);
  mk('dirmarker');
  fs.mkdirSync(path.join(s.dir, 'dirmarker', 'm'));
  fs.symlinkSync(path.join(s.dir, 'ok'), path.join(s.dir, 'dirlink'));
  using dir = openDirectory(s.dir);
  const names = ['ok', 'none', 'big', 'exact', 'linked', 'fifo', 'dirmarker', 'dirlink', 'elsewhere', 'missing', 'a/b'];
  const got = Object.fromEntries(names.map((n, i) => [n, dir.probeMarkedDirs(names, 'm', 33)[i]!]));
  const ino = (n: string) => fs.lstatSync(path.join(s.dir, n)).ino;
  assert.deepEqual(got.ok, { errno: 0, mode: fs.statSync(path.join(s.dir, 'ok')).mode, ino: ino('ok'), marker: Buffer.from('abc\n') });
  assert.equal(got.none!.marker, -E.ENOENT);
  assert.equal(got.big!.marker, -E.EINVAL, 'over the limit: not read');
  assert.deepEqual(got.exact!.marker, Buffer.from('y'.repeat(33)));
  assert.equal(got.linked!.marker, -E.ELOOP, 'a symlinked marker is not followed');
  assert.equal(got.fifo!.marker, -E.EINVAL, 'a FIFO is opened without blocking and not read');
  assert.equal(got.dirmarker!.marker, -E.EINVAL);
  assert.equal(type(got.dirlink!.mode), S.S_IFLNK, 'a symlinked directory is reported as the symlink');
  assert.equal(got.dirlink!.ino, ino('dirlink'));
  assert.equal(got.dirlink!.marker, -E.ENOTDIR);
  assert.equal(type(got.elsewhere!.mode), S.S_IFREG);
  assert.equal(got.missing!.errno, -E.ENOENT);
  assert.equal(got['a/b']!.errno, -E.EINVAL);
});
