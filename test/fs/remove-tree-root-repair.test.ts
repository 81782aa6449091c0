// The root itself goes through the same permission repair as every
// directory below it (RepairAnchored, native/remove_walker.h): a root of the
// caller's own that it cannot read or search is chmodded 0700 through an
// anchor and removed; the refusals of a root (`expect`, protected paths)
// come before the chmod, so a refused root keeps its mode; a root the
// caller does not own is never chmodded. Run as an unprivileged user, since
// root reads everything.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { scratch } from '../helpers/scratch';
import { loadEngine, runRemover, type RemoveReply } from '../helpers/race';
import { usersUnavailable, createUser, chownTree, type TestUser } from '../helpers/users';
import { stageForOtherUsers } from '../helpers/stage';

const { missing } = loadEngine();
const noUsers = usersUnavailable();

function describe(reply: RemoveReply): string {
  return JSON.stringify(reply).slice(0, 2000);
}

/** A fresh user owning a fresh scratch folder, for `fn`; both removed after. */
function asUser(label: string, fn: (u: TestUser, dir: string) => void): void {
  const s = scratch(label);
  const u = createUser();
  try {
    fs.chownSync(s.dir, u.uid, u.gid);
    fn(u, s.dir);
  } finally {
    u.remove();
    s.cleanup();
  }
}

/** `root` with a small tree inside, owned by `u`, then chmodded to `mode`. */
function lockedRoot(dir: string, u: TestUser, mode: number): string {
  const root = path.join(dir, 'root');
  fs.mkdirSync(path.join(root, 'sub'), { recursive: true });
  fs.writeFileSync(path.join(root, 'sub', 'f'), 'f');
  fs.writeFileSync(path.join(root, 'g'), 'g');
  chownTree(root, u);
  fs.chmodSync(root, mode);
  return root;
}

for (const fn of ['removeTree', 'removeTreeSync'] as const) {
  test(`${fn}: an own root of mode 000 / 0100 / 0300 is repaired and removed`, { skip: noUsers ?? missing, timeout: 60_000 }, () => {
    for (const mode of [0o000, 0o100, 0o300]) {
      asUser('root-repair', (u, dir) => {
        const root = lockedRoot(dir, u, mode);
        const reply = runRemover({ fn, path: root, options: { repairPermissions: true } }, { wrap: u.wrap, from: stageForOtherUsers(), timeoutMs: 30_000 });
        assert.equal(reply.error, undefined, `mode ${mode.toString(8)}: ${describe(reply)}`);
        assert.equal(fs.existsSync(root), false, `mode ${mode.toString(8)}: removed`);
      });
    }
  });

  test(`${fn}: a refused root (expect mismatch) is not chmodded`, { skip: noUsers ?? missing, timeout: 60_000 }, () => {
    asUser('root-repair-refused', (u, dir) => {
      const root = lockedRoot(dir, u, 0o000);
      const st = fs.lstatSync(root);
      const reply = runRemover(
        { fn, path: root, options: { repairPermissions: true, expect: { dev: st.dev, ino: st.ino + 1 } } },
        { wrap: u.wrap, from: stageForOtherUsers(), timeoutMs: 30_000 },
      );
      assert.equal(reply.error?.code, 'EPHEMDIR_NOT_OURS', describe(reply));
      assert.equal(fs.lstatSync(root).mode & 0o7777, 0o000, 'refused before the chmod');
      assert.ok(fs.existsSync(path.join(root, 'g')));
    });
  });

  test(`${fn}: a root the caller does not own is never chmodded`, { skip: noUsers ?? missing, timeout: 60_000 }, () => {
    asUser('root-repair-foreign', (u, dir) => {
      const root = path.join(dir, 'foreign');
      fs.mkdirSync(root, { mode: 0o700 });
      fs.writeFileSync(path.join(root, 'f'), 'root');
      fs.chmodSync(root, 0o700); // root's own, unreadable to the user
      const reply = runRemover({ fn, path: root, options: { repairPermissions: true } }, { wrap: u.wrap, from: stageForOtherUsers(), timeoutMs: 30_000 });
      assert.equal(reply.error?.code, 'EACCES', describe(reply));
      assert.equal(fs.lstatSync(root).mode & 0o7777, 0o700, 'mode unchanged');
      assert.equal(fs.lstatSync(root).uid, 0);
      assert.ok(fs.existsSync(path.join(root, 'f')));
    });
  });
}
