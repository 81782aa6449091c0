// A batched sweep walks each parent once and reuses that handle for every
// entry of the batch, re-checking by identity (device, inode, mount id) that
// the path still leads to it (fs/walk-chain.ts), and reads the mount table
// once per batch and again right before its renames. What the reuse must not
// change: a parent replaced, or mounted over, between two entries' checks
// stops the later entries (their directories stay whole, still tracked) while
// the ones checked before still go; a mount made inside an entry after its
// check stops that entry before anything of it moves. And a due entry goes
// to the claim without a first probe: one with blockers is refused there with
// them, its entry file untouched.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isolatedEnv } from '../helpers/api-env';
import { Mounts, mountUnavailable } from '../helpers/mounts';
import * as api from '../../src/api/index';
import { setCrashHook, type CrashStep } from '../../src/api/crash-points';
import { mountsBelow } from '../../src/api/probe';

const env = isolatedEnv('sweep-batch-reuse');
after(() => env.cleanup());

const ENTRIES = 4;

async function dueUnder(parent: string, tag: string): Promise<api.EphemeralDirectory[]> {
  fs.mkdirSync(parent, { mode: 0o700 });
  const made: api.EphemeralDirectory[] = [];
  for (let i = 0; i < ENTRIES; i++) {
    const d = await api.tempdir({ parent, cleanup: 'next-sweep', tags: [tag] });
    fs.writeFileSync(path.join(d.path, 'f'), `content ${i}`);
    made.push(d);
  }
  return made;
}

/** Sweeps `tag` with `act` run once, the first time the batch reaches `step` (in this process: no kill). */
async function sweepActingAt(step: CrashStep, tag: string, act: () => void): Promise<api.SweepReport> {
  let done = false;
  setCrashHook((s) => {
    if (s !== step || done) return;
    done = true;
    act();
  });
  try {
    const report = await api.sweep({ tags: [tag] });
    assert.ok(done, `the sweep reached ${step}`);
    return report;
  } finally {
    setCrashHook(null);
  }
}

/** The entries checked before the change went; every later one stayed whole where it was and is still tracked. */
async function laterOnesStopped(report: api.SweepReport, made: api.EphemeralDirectory[], whereNow: (d: api.EphemeralDirectory) => string): Promise<void> {
  assert.equal(report.removed.length, 1, `only the entry checked before the change goes: ${JSON.stringify(report)}`);
  const removed = report.removed[0]!.path;
  const tracked = new Set((await api.registered()).map((e) => e.path));
  for (const d of made) {
    if (d.path === removed) {
      assert.equal(fs.existsSync(whereNow(d)), false, `${d.path}: removed`);
      assert.equal(tracked.has(d.path), false);
      continue;
    }
    assert.ok(
      [...report.deferred, ...report.failed].some((i) => i.path === d.path),
      `${d.path} is reported as held back: ${JSON.stringify(report)}`,
    );
    assert.equal(fs.readFileSync(path.join(whereNow(d), 'f'), 'utf8').startsWith('content '), true, `${d.path}: whole`);
    assert.ok(tracked.has(d.path), `${d.path}: still tracked`);
  }
}

test('a parent replaced between two entries of a batch: the later entries are not reached through the old handle', async () => {
  const parent = path.join(env.work, 'replaced');
  const moved = path.join(env.work, 'replaced-old');
  const made = await dueUnder(parent, 'replaced');
  const report = await sweepActingAt('batch-mid-verify', 'replaced', () => {
    fs.renameSync(parent, moved);
    fs.mkdirSync(parent, { mode: 0o700 });
  });
  await laterOnesStopped(report, made, (d) => path.join(moved, path.basename(d.path)));
  assert.deepEqual(fs.readdirSync(moved).filter((n) => n.startsWith('.ephemdir-staging')), [], 'no staging folder left');
  assert.deepEqual(fs.readdirSync(parent), [], 'nothing made in the new directory at the path');
});

test('a parent mounted over between two entries of a batch: the later entries stop, the mount is untouched', async (t) => {
  const why = mountUnavailable();
  if (why) return t.skip(why);
  const parent = path.join(env.work, 'mounted-over');
  const made = await dueUnder(parent, 'mounted-over');
  using mounts = new Mounts();
  const report = await sweepActingAt('batch-mid-verify', 'mounted-over', () => {
    mounts.tmpfs(parent, 'size=1m,mode=0700');
    fs.writeFileSync(path.join(parent, 'on-the-mount'), 'keep');
  });
  assert.deepEqual(fs.readdirSync(parent), ['on-the-mount'], 'nothing done on the mount');
  mounts.cleanup();
  await laterOnesStopped(report, made, (d) => d.path);
});

test('a mount made inside an entry after its check and before the renames: that entry stays whole, the others go', async (t) => {
  const why = mountUnavailable();
  if (why) return t.skip(why);
  const parent = path.join(env.work, 'mount-inside');
  const made = await dueUnder(parent, 'mount-inside');
  const target = made[2]!;
  const mp = path.join(target.path, 'mnt');
  using mounts = new Mounts();
  // after-intent: every entry checked and journaled, nothing renamed yet.
  const report = await sweepActingAt('after-intent', 'mount-inside', () => {
    mounts.tmpfs(mp, 'size=1m,mode=0700');
    fs.writeFileSync(path.join(mp, 'on-the-mount'), 'keep');
  });
  assert.deepEqual(report.failed, []);
  assert.deepEqual(
    report.deferred.map((i) => [i.path, i.blockers]),
    [[target.path, ['mount-inside']]],
  );
  assert.equal(report.removed.length, ENTRIES - 1);
  assert.equal(fs.readFileSync(path.join(mp, 'on-the-mount'), 'utf8'), 'keep');
  assert.equal(fs.readFileSync(path.join(target.path, 'f'), 'utf8'), 'content 2', 'not moved, not emptied');
  const e = (await api.registered()).find((x) => x.path === target.path);
  assert.equal(e?.state, 'active', 'tracked as before');
  mounts.cleanup();
  for (const d of made) assert.equal(fs.existsSync(d.path), d === target, d.path);
  assert.deepEqual(fs.readdirSync(parent).filter((n) => n.startsWith('.ephemdir-staging')), [], 'no staging folder left');
});

test('the mount snapshot answers as the mount table does: strictly inside, by whole components', () => {
  const points = ['/', '/proc', '/tmp', '/tmp/a/b', '/tmp/ab', '/tmp/a/b/c', '/tmp/a'];
  const table: [string, string[]][] = [
    ['/tmp/a', ['/tmp/a/b', '/tmp/a/b/c']],
    ['/tmp/a/', ['/tmp/a/b', '/tmp/a/b/c']],
    ['/tmp/a/b/c', []],
    ['/tmp/x', []],
    ['/', ['/proc', '/tmp', '/tmp/a/b', '/tmp/ab', '/tmp/a/b/c', '/tmp/a']],
  ];
  for (const [root, want] of table) assert.deepEqual(mountsBelow(points, root), want, root);
});

test('due entries with blockers go to the claim and are refused there with them: nothing written, nothing left', async () => {
  const parent = path.join(env.work, 'refused');
  const made = await dueUnder(parent, 'refused');
  const [fine, missing, replaced, held] = made as [api.EphemeralDirectory, api.EphemeralDirectory, api.EphemeralDirectory, api.EphemeralDirectory];
  const entryFile = (id: string) => path.join(env.data, 'registry.d', 'entries', id.slice(0, 1), `${id}.json`);
  fs.rmSync(missing.path, { recursive: true });
  fs.rmSync(replaced.path, { recursive: true });
  fs.mkdirSync(replaced.path, { mode: 0o700 });
  const before = new Map([missing, replaced, held].map((d) => [d.id, fs.readFileSync(entryFile(d.id))]));
  const hold = held.hold();
  let report: api.SweepReport;
  try {
    report = await api.sweep({ tags: ['refused'] });
  } finally {
    hold.release();
  }
  assert.deepEqual(report.removed.map((i) => i.path), [fine.path]);
  assert.deepEqual(report.failed, []);
  assert.deepEqual(
    new Map(report.deferred.map((i) => [i.path, i.blockers])),
    new Map([
      [missing.path, ['path-missing']],
      [replaced.path, ['identity-changed']],
      [held.path, ['locked']],
    ]),
  );
  for (const [id, bytes] of before) assert.deepEqual(fs.readFileSync(entryFile(id)), bytes, `${id}: its entry file untouched`);
  assert.equal(fs.readFileSync(path.join(held.path, 'f'), 'utf8').startsWith('content '), true, 'the held one is whole');
  assert.deepEqual(fs.readdirSync(parent).filter((n) => n.startsWith('.ephemdir-staging')), [], 'no staging folder');
  const batches = path.join(env.data, 'registry.d', 'batches');
  assert.deepEqual(fs.existsSync(batches) ? fs.readdirSync(batches).filter((n) => n.endsWith('.json')) : [], [], 'no journal left');
});
