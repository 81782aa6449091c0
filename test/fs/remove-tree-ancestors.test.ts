// The way to the root, tested as real unprivileged users (root bypasses the
// permission checks that matter):
// - a search-only (0711) ancestor is walked with O_PATH, as rm -rf does;
// - an ancestor symlink is followed only when no other user can have
//   planted or changed it (systemd chase() CHASE_SAFE), and refused with the
//   component and the reason otherwise; the final component never is;
// - managed parents (tempdir, createTempDir) never follow one except a
//   trusted root-level link, and the refusal suggests the real path;
// - an empty unreadable (0300) directory is removed without reading it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { scratch, isRoot } from '../helpers/scratch';
import { usersUnavailable, createUser, runAs, type TestUser } from '../helpers/users';
import { runRemover, srcModule, type RemoveReply } from '../helpers/race';
import { stageForOtherUsers } from '../helpers/stage';
import { removeTree, removeTreeSync } from '../../src/fs/remove-tree';
import { createTempDir } from '../../src/companions';
import * as api from '../../src/api/index';
import { isolatedEnv } from '../helpers/api-env';

const noUsers = usersUnavailable();

function touch(p: string, data = 'x'): void {
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, data);
}

function describe(r: RemoveReply): string {
  return r.ok ? `ok ${JSON.stringify(r.result)}` : `error ${JSON.stringify(r.error)}`;
}

/** Runs fn of module (fs/remove-tree by default) as `u` in its own process. */
function as(u: TestUser, fn: string, p: string, options: Record<string, unknown> = {}, module = 'fs/remove-tree'): RemoveReply {
  // The other user loads its code from a stage it can reach (the checkout may be private).
  const stage = stageForOtherUsers();
  return runRemover({ fn, path: p, options, module: stage.path(srcModule(module)) } as unknown as Parameters<typeof runRemover>[0], {
    wrap: u.wrap,
    from: stage,
    timeoutMs: 30_000,
  });
}

/**
 * A scratch tree for two users: `top` is root's, mode 0711 (search-only,
 * like many home directories), `a` and `b` belong to the two users.
 */
function twoUsers(fn: (ctx: { top: string; a: string; b: string; ua: TestUser; ub: TestUser }) => void): void {
  using s = scratch('anc');
  const ua = createUser();
  let ub: TestUser | undefined;
  try {
    ub = createUser();
    const top = path.join(s.dir, 'home');
    fs.mkdirSync(top);
    fs.chmodSync(s.dir, 0o711);
    fs.chmodSync(top, 0o711);
    const a = path.join(top, 'a');
    const b = path.join(top, 'b');
    fs.mkdirSync(a, { mode: 0o755 });
    fs.mkdirSync(b, { mode: 0o755 });
    fs.chownSync(a, ua.uid, ua.gid);
    fs.chownSync(b, ub.uid, ub.gid);
    fn({ top, a, b, ua, ub });
  } finally {
    ub?.remove();
    ua.remove();
  }
}

/** Makes `rel` files below `dir` owned by `u` (directories included). */
function ownedTree(dir: string, rels: string[], u: TestUser): void {
  for (const rel of rels) touch(path.join(dir, rel));
  spawnSync('chown', ['-R', '-h', `${u.uid}:${u.gid}`, dir]);
}

function symlinkOwned(target: string, link: string, u: TestUser): void {
  fs.symlinkSync(target, link);
  fs.lchownSync(link, u.uid, u.gid);
}

test('a search-only (0711) ancestor does not stop removeTree or scanTree, as it does not stop rm -rf', { skip: noUsers ?? false, timeout: 60_000 }, () => {
  twoUsers(({ a, ua }) => {
    ownedTree(a, ['proj/dist/x/f', 'proj/dist/g', 'proj/src', 'proj2/dist/h'], ua);
    fs.chmodSync(a, 0o711); // the user's own home, search-only for others and for nothing of ours to read
    const scan = as(ua, 'scanTreeSync', path.join(a, 'proj'), {}, 'fs/scan-tree');
    assert.ok(scan.ok, `scanTreeSync: ${describe(scan)}`);
    for (const fn of ['removeTree', 'removeTreeSync']) {
      const dist = path.join(a, fn === 'removeTree' ? 'proj' : 'proj2', 'dist');
      const r = as(ua, fn, dist);
      assert.ok(r.ok, `${fn} as ${ua.name}: ${describe(r)}`);
      assert.equal(fs.existsSync(dist), false);
    }
    assert.ok(fs.existsSync(path.join(a, 'proj', 'src')));
    // The reference: rm -rf succeeds here too.
    ownedTree(a, ['proj/dist/y'], ua);
    const rm = runAs(ua, ['rm', '-rf', path.join(a, 'proj', 'dist')]);
    assert.equal(rm.status, 0, String(rm.stderr));
  });
});

test('ancestor symlinks: followed when caller-owned in a caller-owned directory, refused when another user could change them', { skip: noUsers ?? false, timeout: 60_000 }, () => {
  twoUsers(({ top, a, b, ua, ub }) => {
    ownedTree(a, ['real/proj/dist/x/f', 'real/proj/keep'], ua);
    symlinkOwned('real', path.join(a, 'link'), ua); // relative
    symlinkOwned(path.join(a, 'real'), path.join(a, 'abs'), ua); // absolute
    // Caller-owned link in the middle: the target tree goes, the link stays.
    for (const [fn, via] of [['removeTree', 'link'], ['removeTreeSync', 'abs']] as const) {
      ownedTree(a, ['real/proj/dist/x/f'], ua);
      const r = as(ua, fn, path.join(a, via, 'proj', 'dist'));
      assert.ok(r.ok, `${fn} through ${via}: ${describe(r)}`);
      assert.equal(fs.existsSync(path.join(a, 'real', 'proj', 'dist')), false);
      assert.ok(fs.lstatSync(path.join(a, via)).isSymbolicLink());
      assert.ok(fs.existsSync(path.join(a, 'real', 'proj', 'keep')));
    }
    const scan = as(ua, 'scanTree', path.join(a, 'link', 'proj'), {}, 'fs/scan-tree');
    assert.ok(scan.ok, describe(scan));

    ownedTree(a, ['real/proj/dist/x/f'], ua);
    const refused = (p: string, why: RegExp, component: string): void => {
      for (const fn of ['removeTree', 'removeTreeSync']) {
        const r = as(ua, fn, p);
        assert.equal(r.ok, false, `${fn} ${p} must be refused: ${describe(r)}`);
        assert.equal(r.error!.code, 'EPHEMDIR_SYMLINK_IN_PATH', describe(r));
        assert.match(r.error!.message, why);
        assert.ok(r.error!.message.includes(component), `${r.error!.message} names ${component}`);
      }
      assert.ok(fs.existsSync(path.join(a, 'real', 'proj', 'dist', 'x', 'f')), 'nothing removed');
    };
    // A link owned by another user (in the caller's directory).
    symlinkOwned('real', path.join(a, 'theirs'), ub);
    refused(path.join(a, 'theirs', 'proj', 'dist'), new RegExp(`link is owned by uid ${ub.uid}`), path.join(a, 'theirs'));
    // A caller-owned link in a directory another user owns.
    symlinkOwned(path.join(a, 'real'), path.join(b, 'mine'), ua);
    refused(path.join(b, 'mine', 'proj', 'dist'), new RegExp(`holding it is owned by uid ${ub.uid}`), path.join(b, 'mine'));
    // A link leading from the caller's directory into one another user owns.
    const foreign = path.join(a, 'foreign');
    ownedTree(foreign, ['proj/dist/x/f'], ub);
    symlinkOwned('foreign', path.join(a, 'into'), ua);
    const before = fs.readdirSync(path.join(foreign, 'proj', 'dist'));
    for (const fn of ['removeTree', 'removeTreeSync']) {
      const r = as(ua, fn, path.join(a, 'into', 'proj', 'dist'));
      assert.equal(r.error?.code, 'EPHEMDIR_SYMLINK_IN_PATH', describe(r));
      assert.match(r.error!.message, new RegExp(`owned by uid ${ub.uid}.*sits in .*owned by uid ${ua.uid}`));
    }
    assert.deepEqual(fs.readdirSync(path.join(foreign, 'proj', 'dist')), before);
    // The final component is never followed: the link itself goes.
    const r = as(ua, 'removeTree', path.join(a, 'link'));
    assert.ok(r.ok, describe(r));
    assert.equal(fs.existsSync(path.join(a, 'link')), false);
    assert.ok(fs.existsSync(path.join(a, 'real', 'proj', 'keep')));
    assert.ok(fs.existsSync(top));
  });
});

test('a root-owned link in a root-owned directory is followed (as root); a loop ends in ELOOP', { skip: !isRoot && 'needs root to own the link' }, async () => {
  using s = scratch('anc');
  touch(path.join(s.dir, 'real', 'proj', 'dist', 'f'));
  touch(path.join(s.dir, 'real', 'proj', 'keep'));
  fs.symlinkSync(path.join(s.dir, 'real'), path.join(s.dir, 'link'));
  fs.symlinkSync('hop', path.join(s.dir, 'loop'));
  fs.symlinkSync('loop', path.join(s.dir, 'hop'));
  assert.equal((await removeTree(path.join(s.dir, 'link', 'proj', 'dist'))).entriesRemoved, 2);
  assert.ok(fs.existsSync(path.join(s.dir, 'real', 'proj', 'keep')));
  // A relative link climbing with '..' resolves against the link's own directory.
  fs.mkdirSync(path.join(s.dir, 'node_modules'));
  fs.symlinkSync('../real/proj', path.join(s.dir, 'node_modules', 'proj'));
  touch(path.join(s.dir, 'real', 'proj', 'lib', 'g'));
  assert.equal(removeTreeSync(path.join(s.dir, 'node_modules', 'proj', 'lib')).entriesRemoved, 2);
  assert.ok(fs.existsSync(path.join(s.dir, 'real', 'proj', 'keep')));
  assert.throws(() => removeTreeSync(path.join(s.dir, 'loop', 'x')), { code: 'ELOOP' });
});

test("managed parents never follow a symlink (other than a trusted root-level one); the refusal suggests the real path", () => {
  using env = isolatedEnv('anc-managed');
  const real = path.join(env.work, 'real');
  fs.mkdirSync(real, { mode: 0o700 });
  const link = path.join(env.work, 'link');
  fs.symlinkSync(real, link);
  const check = (err: unknown): boolean => {
    const e = err as { code?: string; message?: string; component?: string };
    assert.equal(e.code, 'EPHEMDIR_SYMLINK_IN_PATH');
    assert.equal(e.component, link);
    assert.ok(e.message!.includes(`use its real path ${fs.realpathSync(real)}`), e.message);
    return true;
  };
  assert.throws(() => api.tempdirSync({ parent: link }), check);
  assert.throws(() => createTempDir({ dir: link }), check);
  assert.deepEqual(fs.readdirSync(real), []);
});

test('an empty unreadable (0300) directory is removed without repairPermissions; a full one fails alone', { skip: noUsers ?? false, timeout: 60_000 }, () => {
  twoUsers(({ a, ua }) => {
    for (const fn of ['removeTree', 'removeTreeSync']) {
      const tree = path.join(a, `t-${fn}`);
      ownedTree(tree, ['ok/f'], ua);
      for (const d of ['empty', 'deep/empty']) fs.mkdirSync(path.join(tree, d), { recursive: true });
      const root0300 = path.join(a, `root-${fn}`);
      fs.mkdirSync(root0300);
      spawnSync('chown', ['-R', `${ua.uid}:${ua.gid}`, tree, root0300]);
      for (const d of ['empty', 'deep/empty']) fs.chmodSync(path.join(tree, d), 0o300);
      fs.chmodSync(root0300, 0o300);
      const r = as(ua, fn, tree, { repairPermissions: false });
      assert.ok(r.ok, `${fn}: ${describe(r)}`);
      assert.equal(fs.existsSync(tree), false);
      const rr = as(ua, fn, root0300, { repairPermissions: false });
      assert.ok(rr.ok, `${fn} of an empty 0300 root: ${describe(rr)}`);
      assert.equal(fs.existsSync(root0300), false);

      // Not empty: that directory fails (EACCES), the rest goes.
      const full = path.join(a, `full-${fn}`);
      ownedTree(full, ['ok/f', 'locked/f'], ua);
      fs.chmodSync(path.join(full, 'locked'), 0o300);
      const rf = as(ua, fn, full, { repairPermissions: false });
      assert.equal(rf.error?.code, 'EPHEMDIR_INCOMPLETE', describe(rf));
      assert.deepEqual(rf.error!.failures!.map((f) => [f.path, f.code]), [[path.join(full, 'locked'), 'EACCES']]);
      assert.equal(fs.existsSync(path.join(full, 'ok')), false);
      assert.equal(fs.statSync(path.join(full, 'locked')).mode & 0o777, 0o300, 'not chmodded');
    }
  });
});
