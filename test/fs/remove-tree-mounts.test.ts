// Mount boundaries: a removal never descends into or deletes across a
// mount inside the tree, and reports the mount points it left. A tmpfs and
// a bind mount of a sibling directory on the SAME filesystem sit inside the
// tree. The
// engine must not descend into either (st_dev alone cannot see the bind
// mount), must leave their sentinels, and must say so: the mount points in
// `mounts`, or an EPHEMDIR_INCOMPLETE whose failures name them or their
// parents. Everything else in the tree is removed. Mounts are undone in
// `finally` before the scratch tree is deleted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { scratch } from '../helpers/scratch';
import { loadEngine, type Failure, type RemoveTreeResult } from '../helpers/race';
import { mountUnavailable, withMounts, isMountPoint, type Mounts } from '../helpers/mounts';

const { engine, missing } = loadEngine();
const noMount = mountUnavailable();

interface Layout {
  tree: string;
  tmpfsPoint: string;
  bindPoint: string;
  sentinels: string[];
  ordinary: string[];
}

function build(dir: string, m: Mounts): Layout {
  const tree = path.join(dir, 'tree');
  const bindSrc = path.join(dir, 'bindsrc');
  fs.mkdirSync(path.join(bindSrc, 'deeper'), { recursive: true });
  fs.writeFileSync(path.join(bindSrc, 'sentinel'), 'bind sentinel');
  fs.writeFileSync(path.join(bindSrc, 'deeper', 'sentinel'), 'bind sentinel 2');

  const ordinary: string[] = [];
  for (const rel of ['a/file', 'a/x/y/file', 'b/c/file', 'd/file', 'top']) {
    const p = path.join(tree, rel);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, 'ordinary');
    ordinary.push(p);
  }
  const tmpfsPoint = path.join(tree, 'a', 'mnt');
  m.tmpfs(tmpfsPoint);
  fs.mkdirSync(path.join(tmpfsPoint, 'inner'));
  fs.writeFileSync(path.join(tmpfsPoint, 'sentinel'), 'tmpfs sentinel');
  fs.writeFileSync(path.join(tmpfsPoint, 'inner', 'sentinel'), 'tmpfs sentinel 2');

  const bindPoint = path.join(tree, 'b', 'c', 'bind');
  m.bind(bindSrc, bindPoint);
  assert.equal(fs.statSync(bindPoint).dev, fs.statSync(tree).dev, 'the bind mount must be on the same filesystem (same st_dev)');

  return {
    tree,
    tmpfsPoint,
    bindPoint,
    sentinels: [
      path.join(tmpfsPoint, 'sentinel'),
      path.join(tmpfsPoint, 'inner', 'sentinel'),
      path.join(bindSrc, 'sentinel'),
      path.join(bindSrc, 'deeper', 'sentinel'),
    ],
    ordinary,
  };
}

function isWithin(p: string, dir: string): boolean {
  return p === dir || p.startsWith(dir + '/');
}

function checkOutcome(l: Layout, outcome: { result?: RemoveTreeResult; error?: { code?: string; failures?: Failure[]; mounts?: string[] } }): void {
  // Sentinels and the mounts themselves are untouched.
  for (const s of l.sentinels) assert.ok(fs.existsSync(s), `sentinel deleted: ${s}`);
  assert.ok(isMountPoint(l.tmpfsPoint), 'tmpfs is still mounted');
  assert.ok(isMountPoint(l.bindPoint), 'bind mount is still mounted');
  // Everything that is not on the way to a mount is gone.
  for (const p of l.ordinary) assert.ok(!fs.existsSync(p), `ordinary entry left behind: ${p}`);
  assert.ok(!fs.existsSync(path.join(l.tree, 'd')), 'a directory with no mount below it is removed');
  assert.ok(!fs.existsSync(path.join(l.tree, 'a', 'x')), 'a sibling of a mount point is removed');

  const points = [l.tmpfsPoint, l.bindPoint];
  if (outcome.error) {
    assert.equal(outcome.error.code, 'EPHEMDIR_INCOMPLETE', `unexpected error ${JSON.stringify(outcome.error)}`);
    const failures = outcome.error.failures ?? [];
    for (const f of failures) {
      assert.ok(!points.some((mp) => f.path !== mp && isWithin(f.path, mp)), `the engine went inside a mount: ${JSON.stringify(f)}`);
      assert.ok(
        points.some((mp) => isWithin(mp, f.path)),
        `a failure that is not a mount point or an ancestor of one: ${JSON.stringify(f)}`,
      );
    }
    const named = new Set([...(outcome.error.mounts ?? []), ...failures.map((f) => f.path)]);
    for (const mp of points) {
      assert.ok(
        named.has(mp) || named.has(path.dirname(mp)),
        `mount point ${mp} (or its parent) is not reported: ${JSON.stringify(outcome.error)}`,
      );
    }
  } else {
    const mounts = outcome.result!.mounts;
    for (const mp of points) assert.ok(mounts.includes(mp), `mount point ${mp} missing from result.mounts ${JSON.stringify(mounts)}`);
  }
}

function errorOf(err: unknown): { code?: string; failures?: Failure[]; mounts?: string[] } {
  const e = err as { code?: string; failures?: Failure[]; mounts?: string[] };
  return { code: e.code, failures: e.failures, mounts: e.mounts };
}

test('removeTree leaves a tmpfs and a same-filesystem bind mount inside the tree, and reports them', { skip: noMount ?? missing }, async (t) => {
  using s = scratch('mounts');
  await withMounts(async (m) => {
    const l = build(s.dir, m);
    let outcome;
    try {
      outcome = { result: await engine!.removeTree(l.tree) };
    } catch (err) {
      outcome = { error: errorOf(err) };
    }
    t.diagnostic(JSON.stringify(outcome));
    checkOutcome(l, outcome);
  });
});

test('removeTreeSync leaves the same mounts and sentinels', { skip: noMount ?? missing }, async (t) => {
  using s = scratch('mounts');
  await withMounts((m) => {
    const l = build(s.dir, m);
    let outcome;
    try {
      outcome = { result: engine!.removeTreeSync(l.tree) };
    } catch (err) {
      outcome = { error: errorOf(err) };
    }
    t.diagnostic(JSON.stringify(outcome));
    checkOutcome(l, outcome);
  });
});

test('removeTree on a tree whose only content is a mount point: sentinel kept, mount reported', { skip: noMount ?? missing }, async () => {
  using s = scratch('mounts');
  await withMounts(async (m) => {
    const tree = path.join(s.dir, 'tree');
    const src = path.join(s.dir, 'src');
    fs.mkdirSync(src);
    fs.writeFileSync(path.join(src, 'sentinel'), 'x');
    m.bind(src, path.join(tree, 'only'));
    let failed: { code?: string; failures?: Failure[]; mounts?: string[] } | undefined;
    let result: RemoveTreeResult | undefined;
    try {
      result = await engine!.removeTree(tree);
    } catch (err) {
      failed = errorOf(err);
    }
    assert.ok(fs.existsSync(path.join(src, 'sentinel')));
    assert.ok(fs.existsSync(tree), 'the root cannot go while a mount is inside it');
    if (failed) assert.equal(failed.code, 'EPHEMDIR_INCOMPLETE');
    else assert.deepEqual(result!.mounts, [path.join(tree, 'only')]);
  });
});

// Teeth (documents why the engine needs mount identity, not st_dev): GNU rm
// with --one-file-system compares st_dev only, so it empties a bind mount of
// the same filesystem and then fails on the mount point (EBUSY).
test('teeth: GNU rm --one-file-system -rf deletes a same-filesystem bind mount sentinel', { skip: noMount ?? undefined }, async (t) => {
  using s = scratch('mounts');
  await withMounts((m) => {
    const tree = path.join(s.dir, 'tree');
    const src = path.join(s.dir, 'src');
    fs.mkdirSync(src);
    fs.writeFileSync(path.join(src, 'sentinel'), 'x');
    m.bind(src, path.join(tree, 'a', 'b'));
    const r = spawnSync('rm', ['--one-file-system', '-rf', tree], { encoding: 'utf8' });
    t.diagnostic(`rm exit ${r.status}: ${String(r.stderr).trim()}`);
    if (fs.existsSync(path.join(src, 'sentinel'))) {
      t.skip('this rm kept the bind sentinel (GNU rm compares st_dev only, so it empties a same-filesystem bind mount)');
      return;
    }
    assert.notEqual(r.status, 0, 'rm reports the mount point it could not remove');
  });
});
