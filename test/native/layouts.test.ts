// The packed layouts the addon exports (native/packed.h) are what its batch
// calls write: each record is `stride` numbers, every field has its own
// slot, and reading a slot by the exported offset gives the value fstat or
// lstat gives for that file. src/native/packed.ts decodes with these
// offsets only, so a slot moved in C++ is followed, never misread.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { native, type PackedLayout } from '../../src/native/binding';
import { decodeMarkedDirs, decodeSmallFiles, decodeStatNames, layouts } from '../../src/native/packed';
import { scratch } from '../helpers/scratch';

const E = os.constants.errno;

/** Every field at a distinct slot in [0, stride), and every slot used. */
function assertPermutation(name: string, layout: PackedLayout<string>, fields: string[]): void {
  const { stride, ...slots } = layout;
  assert.deepEqual(Object.keys(slots).sort(), [...fields].sort(), `${name}: the fields`);
  assert.deepEqual(
    Object.values(slots).sort((a, b) => a - b),
    Array.from({ length: stride }, (_, i) => i),
    `${name}: one slot per field, none unused`,
  );
}

test('layouts: each is a stride and one distinct slot per field', () => {
  const l = layouts();
  assertPermutation('smallFiles', l.smallFiles, ['nameStart', 'nameEnd', 'dataStart', 'dataEnd', 'mode', 'uid', 'size', 'errno', 'ino', 'mtimeMs', 'ctimeMs']);
  assertPermutation('statNames', l.statNames, ['errno', 'mode', 'ino', 'size', 'mtimeMs', 'ctimeMs']);
  assertPermutation('markedDirs', l.markedDirs, ['errno', 'mode', 'ino', 'marker']);
});

test('layouts: readFilesAt, statNamesAt and probeMarkedDirsAt write each field where the layout says', () => {
  const s = scratch('layouts');
  const dirfd = fs.openSync(s.dir, 'r');
  try {
    fs.writeFileSync(path.join(s.dir, 'alpha'), 'hello');
    fs.writeFileSync(path.join(s.dir, 'beta'), 'x'.repeat(300));
    fs.chmodSync(path.join(s.dir, 'alpha'), 0o640);
    fs.mkdirSync(path.join(s.dir, 'marked'));
    fs.writeFileSync(path.join(s.dir, 'marked', 'm'), 'marker-bytes');
    fs.utimesSync(path.join(s.dir, 'alpha'), new Date(1_600_000_000_000), new Date(1_600_000_123_456));
    const n = native();
    const L = layouts();

    const raw = n.readFilesAt(dirfd, 100);
    assert.ok(typeof raw === 'object');
    assert.equal(raw.meta.length % L.smallFiles.stride, 0);
    assert.equal(raw.meta.length / L.smallFiles.stride, 3, 'one record per name: two files and the directory');
    for (let o = 0; o < raw.meta.length; o += L.smallFiles.stride) {
      const F = L.smallFiles;
      const name = raw.names.subarray(raw.meta[o + F.nameStart]!, raw.meta[o + F.nameEnd]!).toString();
      const st = fs.lstatSync(path.join(s.dir, name), { bigint: false });
      assert.equal(raw.meta[o + F.errno], 0, name);
      assert.equal(raw.meta[o + F.mode], st.mode, `${name} mode`);
      assert.equal(raw.meta[o + F.uid], st.uid, `${name} uid`);
      assert.equal(raw.meta[o + F.size], st.size, `${name} size`);
      assert.equal(raw.meta[o + F.ino], st.ino, `${name} ino`);
      assert.equal(Math.floor(raw.meta[o + F.mtimeMs]!), Math.floor(st.mtimeMs), `${name} mtime`);
      assert.equal(Math.floor(raw.meta[o + F.ctimeMs]!), Math.floor(st.ctimeMs), `${name} ctime`);
      if (name === 'alpha') {
        assert.equal(raw.data.subarray(raw.meta[o + F.dataStart]!, raw.meta[o + F.dataEnd]!).toString(), 'hello');
      } else {
        assert.equal(raw.meta[o + F.dataStart], -1, `${name} is over the limit or no regular file: not read`);
        assert.equal(raw.meta[o + F.dataEnd], -1);
      }
    }
    const decoded = decodeSmallFiles(raw).find((f) => f.name.toString() === 'alpha')!;
    assert.equal(decoded.data!.toString(), 'hello');
    assert.equal(decoded.mtimeMs, 1_600_000_123_456);

    const names = ['alpha', 'missing', 'marked'];
    const stats = n.statNamesAt(dirfd, names);
    assert.ok(stats instanceof Float64Array);
    const S = L.statNames;
    assert.equal(stats.length, names.length * S.stride);
    const alpha = fs.lstatSync(path.join(s.dir, 'alpha'));
    assert.equal(stats[S.errno], 0);
    assert.equal(stats[S.mode], alpha.mode);
    assert.equal(stats[S.ino], alpha.ino);
    assert.equal(stats[S.size], alpha.size);
    assert.equal(stats[S.mtimeMs], 1_600_000_123_456);
    assert.equal(stats[S.stride + S.errno], -E.ENOENT);
    assert.deepEqual(decodeStatNames(stats).map((r) => r.errno), [0, -E.ENOENT, 0]);

    const probe = n.probeMarkedDirsAt(dirfd, ['marked', 'alpha'], 'm', 64);
    assert.ok(typeof probe === 'object');
    const M = L.markedDirs;
    const marked = fs.lstatSync(path.join(s.dir, 'marked'));
    assert.equal(probe.meta.length, 2 * M.stride);
    assert.equal(probe.meta[M.errno], 0);
    assert.equal(probe.meta[M.mode], marked.mode);
    assert.equal(probe.meta[M.ino], marked.ino);
    assert.equal(probe.meta[M.marker], 'marker-bytes'.length);
    assert.equal(probe.meta[M.stride + M.marker], -E.ENOTDIR, 'alpha is no directory');
    const got = decodeMarkedDirs(probe, 64);
    assert.equal((got[0]!.marker as Buffer).toString(), 'marker-bytes');
    assert.equal(got[1]!.marker, -E.ENOTDIR);
  } finally {
    fs.closeSync(dirfd);
    s.cleanup();
  }
});
