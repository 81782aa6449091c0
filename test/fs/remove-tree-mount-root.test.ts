// A mount point given as the root itself: "never crosses a mount" holds for
// the root too. A tmpfs and a same-filesystem bind mount
// as the root are refused with EPHEMDIR_CROSSES_MOUNT before anything is
// touched (sync, async, keepRoot, removeTreeAt); `emptyMount: true` empties
// the mount and keeps it, never descending into a mount nested inside.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { scratch } from '../helpers/scratch';
import { mountUnavailable, withMounts, isMountPoint } from '../helpers/mounts';
import { removeTree, removeTreeSync, removeTreeAt } from '../../src/fs/remove-tree';
import { openDirectory } from '../../src/fs/walk';

const noMount = mountUnavailable();

function fill(dir: string): string[] {
  const files = ['a', 'sub/b', 'sub/deeper/c'].map((rel) => path.join(dir, rel));
  for (const f of files) {
    fs.mkdirSync(path.dirname(f), { recursive: true });
    fs.writeFileSync(f, 'sentinel');
  }
  return files;
}

test('a tmpfs or bind mount as the root is refused before anything is touched', { skip: noMount ?? false }, async () => {
  using s = scratch('mroot');
  await withMounts(async (m) => {
    const tmp = path.join(s.dir, 'tmpfs');
    m.tmpfs(tmp);
    const src = path.join(s.dir, 'src');
    const bind = path.join(s.dir, 'bind');
    fs.mkdirSync(src);
    m.bind(src, bind);
    for (const point of [tmp, bind]) {
      const files = fill(point);
      const calls: Array<[string, () => unknown]> = [
        ['removeTree', () => removeTree(point)],
        ['removeTreeSync', () => removeTreeSync(point)],
        ['removeTree keepRoot', () => removeTree(point, { keepRoot: true })],
        ['removeTree trailing slash', () => removeTree(point + '/')],
        ['removeTreeAt', () => {
          using parent = openDirectory(s.dir);
          return removeTreeAt(parent, path.basename(point));
        }],
      ];
      for (const [label, call] of calls) {
        try {
          await call();
          assert.fail(`${label} ${point} resolved`);
        } catch (err) {
          const e = err as { code?: string; path?: string; message?: string };
          assert.equal(e.code, 'EPHEMDIR_CROSSES_MOUNT', `${label}: ${String(err)}`);
          assert.equal(e.path, point);
          assert.match(e.message!, /mount point/);
        }
        for (const f of files) assert.equal(fs.readFileSync(f, 'utf8'), 'sentinel', `${label} touched ${f}`);
        assert.ok(isMountPoint(point));
      }
    }
  });
});

test('emptyMount: true empties the mount, keeps it, and leaves a nested mount alone', { skip: noMount ?? false }, async () => {
  using s = scratch('mroot');
  await withMounts(async (m) => {
    const tmp = path.join(s.dir, 'tmpfs');
    m.tmpfs(tmp);
    fill(tmp);
    const r = await removeTree(tmp, { emptyMount: true });
    assert.equal(r.complete, true);
    assert.equal(r.entriesRemoved, 5);
    assert.deepEqual(fs.readdirSync(tmp), []);
    assert.ok(isMountPoint(tmp));

    fill(tmp);
    const nested = path.join(tmp, 'sub', 'nested');
    m.tmpfs(nested);
    fs.writeFileSync(path.join(nested, 'keep'), 'nested sentinel');
    assert.throws(() => removeTreeSync(tmp, { emptyMount: true }), (err: { code?: string; mounts?: string[] }) => {
      assert.equal(err.code, 'EPHEMDIR_INCOMPLETE');
      assert.deepEqual(err.mounts, [nested]);
      return true;
    });
    assert.equal(fs.readFileSync(path.join(nested, 'keep'), 'utf8'), 'nested sentinel');
    assert.deepEqual(fs.readdirSync(tmp), ['sub']);
    assert.ok(isMountPoint(tmp));
  });
});

test('emptyMount must be a boolean, checked before anything is touched', async () => {
  using s = scratch('mroot');
  fs.mkdirSync(path.join(s.dir, 'd'));
  for (const bad of ['true', 1, null, {}]) {
    await assert.rejects(removeTree(path.join(s.dir, 'd'), { emptyMount: bad as boolean }), { code: 'EPHEMDIR_INVALID_ARGUMENT', message: /emptyMount/ });
  }
  assert.ok(fs.existsSync(path.join(s.dir, 'd')));
  // On an ordinary directory, emptyMount empties it like keepRoot.
  fs.writeFileSync(path.join(s.dir, 'd', 'f'), 'x');
  assert.equal(removeTreeSync(path.join(s.dir, 'd'), { emptyMount: true }).entriesRemoved, 1);
  assert.deepEqual(fs.readdirSync(path.join(s.dir, 'd')), []);
});
