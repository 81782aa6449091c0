// Filesystem boundaries on btrfs, on a real btrfs image on a loop device. A
// btrfs subvolume inside a tree sits on the SAME mount (same mount id, not a
// mount root) but has its own st_dev: it is another filesystem tree, and the
// same subvolume may be mounted elsewhere (mount -o subvol=...), so deleting
// through the tree would empty what that other mount shows. The size scan
// neither counts nor enters it and reports it with the mounts; removal leaves
// it and its contents, as it leaves a tmpfs and a bind mount (same st_dev,
// other mount id), and refuses a subvolume as the root (emptyMount empties
// it). A check by mount id only enters the subvolume; one by st_dev only
// enters the bind mount: both are here.
//
// Needs root, a loop device, mkfs.btrfs and btrfs (btrfs-progs) and btrfs in
// the kernel; otherwise every test is skipped with the reason. The image is
// made once; each test builds its own tree in it. The after-hook unmounts
// everything (lazily if need be) and detaches the loop device, also when a
// test failed or the set-up stopped half-way.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { removeTree, removeTreeSync, type RemoveTreeFailure, type RemoveTreeResult } from '../../src/fs/remove-tree';
import { scanTree, scanTreeSync, type ScanTreeResult } from '../../src/fs/scan-tree';
import { removeScratch } from '../helpers/scratch';
import { isMountPoint, mountUnavailable } from '../helpers/mounts';
import { isolatedEnv } from '../helpers/api-env';
import * as api from '../../src/api/index';

function run(cmd: string, args: string[]): { ok: boolean; out: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 60_000 });
  if (r.error) return { ok: false, out: r.error.message };
  return { ok: r.status === 0, out: `${r.stdout}${r.stderr}`.trim() };
}

function which(cmd: string): boolean {
  return (process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin')
    .split(':')
    .concat(['/usr/sbin', '/sbin'])
    .some((d) => {
      try {
        fs.accessSync(path.join(d, cmd), fs.constants.X_OK);
        return true;
      } catch {
        return false;
      }
    });
}

/** Undo steps, run in reverse by the after-hook. */
const undo: Array<{ what: string; fn: () => void }> = [];

function mount(args: string[], target: string): void {
  fs.mkdirSync(target, { recursive: true });
  const r = run('mount', [...args, target]);
  if (!r.ok) throw new Error(`mount ${args.join(' ')} ${target}: ${r.out}`);
  undo.push({
    what: `umount ${target}`,
    fn: () => {
      if (!isMountPoint(target)) return;
      if (run('umount', [target]).ok) return;
      const lazy = run('umount', ['-l', target]);
      if (!lazy.ok) throw new Error(`umount ${target}: ${lazy.out}`);
    },
  });
}

after(() => {
  const errors: string[] = [];
  while (undo.length > 0) {
    const step = undo.pop()!;
    try {
      step.fn();
    } catch (err) {
      errors.push(`${step.what}: ${(err as Error).message}`);
    }
  }
  if (errors.length > 0) throw new Error(`btrfs test clean-up: ${errors.join('; ')}`);
});

const BIG = 2 << 20;

/** The btrfs mount point, or why the tests cannot run here. */
function setUp(): { fsRoot: string; device: string; work: string } | string {
  if (process.platform !== 'linux') return `btrfs is Linux-only (this is ${process.platform})`;
  const noMount = mountUnavailable();
  if (noMount !== null) return noMount;
  if (!which('mkfs.btrfs') || !which('btrfs')) return 'mkfs.btrfs / btrfs are missing (install btrfs-progs)';
  if (!which('losetup')) return 'losetup is missing (util-linux)';
  const work = fs.mkdtempSync('/tmp/ephemdir-btrfs-');
  undo.push({ what: `rm ${work}`, fn: () => removeScratch(work) });
  const image = path.join(work, 'image');
  fs.closeSync(fs.openSync(image, 'w'));
  fs.truncateSync(image, 128 << 20);
  const mk = run('mkfs.btrfs', ['-q', '-f', image]);
  if (!mk.ok) return `mkfs.btrfs failed: ${mk.out}`;
  const lo = run('losetup', ['--find', '--show', image]);
  if (!lo.ok) return `no loop device can be set up: ${lo.out}`;
  const device = lo.out.split('\n').pop()!;
  undo.push({
    what: `losetup -d ${device}`,
    fn: () => {
      const d = run('losetup', ['-d', device]);
      if (!d.ok) throw new Error(d.out);
    },
  });
  const fsRoot = path.join(work, 'btrfs');
  try {
    mount(['-t', 'btrfs', device], fsRoot);
  } catch (err) {
    return `cannot mount btrfs (no btrfs in this kernel?): ${(err as Error).message}`;
  }
  return { fsRoot, device, work };
}

const env = setUp();
const skip = typeof env === 'string' ? env : undefined;

interface Layout {
  tree: string;
  subvol: string;
  tmpfsPoint: string;
  bindPoint: string;
  /** Where the same subvolume is mounted as well (mount -o subvol=). */
  elsewhere: string;
  sentinels: string[];
  ordinary: string[];
}

let cases = 0;

function build(): Layout {
  const e = env as Exclude<typeof env, string>;
  const rel = `case-${++cases}`;
  const base = path.join(e.fsRoot, rel);
  const tree = path.join(base, 'tree');
  const ordinary: string[] = [];
  for (const f of ['top', 'a/file', 'a/x/y/file']) {
    const p = path.join(tree, f);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, 'ordinary');
    ordinary.push(p);
  }
  const subvol = path.join(tree, 'sub');
  const sv = run('btrfs', ['subvolume', 'create', subvol]);
  if (!sv.ok) throw new Error(`btrfs subvolume create: ${sv.out}`);
  fs.mkdirSync(path.join(subvol, 'inner'));
  fs.writeFileSync(path.join(subvol, 'inner', 'big'), Buffer.alloc(BIG, 7));
  fs.writeFileSync(path.join(subvol, 'sentinel'), 'subvolume sentinel');

  const tmpfsPoint = path.join(tree, 'tmp');
  mount(['-t', 'tmpfs', '-o', 'size=4m', 'ephemdir-test'], tmpfsPoint);
  fs.writeFileSync(path.join(tmpfsPoint, 'sentinel'), 'tmpfs sentinel');

  const bindSrc = path.join(base, 'bindsrc');
  fs.mkdirSync(bindSrc);
  fs.writeFileSync(path.join(bindSrc, 'sentinel'), 'bind sentinel');
  const bindPoint = path.join(tree, 'bind');
  mount(['--bind', bindSrc], bindPoint);

  const elsewhere = path.join(e.work, `elsewhere-${cases}`);
  mount(['-t', 'btrfs', '-o', `subvol=${rel}/tree/sub`, e.device], elsewhere);

  // What makes each of them a boundary: the subvolume by device only, the bind mount by mount only.
  const st = (p: string) => fs.statSync(p, { bigint: true });
  assert.notEqual(st(subvol).dev, st(tree).dev, 'a subvolume has its own st_dev');
  assert.equal(isMountPoint(subvol), false, 'the subvolume is not a mount point inside the tree');
  assert.equal(st(bindPoint).dev, st(tree).dev, 'the bind mount shares the tree\'s st_dev');
  assert.ok(fs.existsSync(path.join(elsewhere, 'sentinel')), 'the subvolume shows elsewhere too');

  return {
    tree,
    subvol,
    tmpfsPoint,
    bindPoint,
    elsewhere,
    sentinels: [path.join(subvol, 'sentinel'), path.join(subvol, 'inner', 'big'), path.join(tmpfsPoint, 'sentinel'), path.join(bindSrc, 'sentinel')],
    ordinary,
  };
}

const boundaries = (l: Layout): string[] => [l.bindPoint, l.subvol, l.tmpfsPoint].sort();

function checkScan(l: Layout, r: ScanTreeResult): void {
  assert.deepEqual([...r.mounts].sort(), boundaries(l), 'the subvolume, the tmpfs and the bind mount are reported, and nothing else');
  // top, a, a/file, a/x, a/x/y, a/x/y/file: nothing behind a boundary.
  assert.equal(r.entries, 6);
  assert.ok(r.bytes < BIG, `the subvolume's ${BIG} bytes are not counted (counted ${r.bytes})`);
  assert.equal(r.complete, true);
}

test('scanTreeSync stops at a btrfs subvolume as at a tmpfs and a bind mount', { skip }, () => {
  const l = build();
  checkScan(l, scanTreeSync(l.tree));
});

test('scanTree (async) stops at the same boundaries', { skip }, async () => {
  const l = build();
  checkScan(l, await scanTree(l.tree));
});

function checkRemoval(l: Layout, outcome: { result?: RemoveTreeResult; error?: { code?: string; failures?: RemoveTreeFailure[]; mounts?: string[] } }): void {
  for (const s of l.sentinels) assert.ok(fs.existsSync(s), `deleted behind a boundary: ${s}`);
  assert.ok(fs.existsSync(path.join(l.elsewhere, 'sentinel')), 'the other mount of the subvolume keeps its files');
  assert.ok(isMountPoint(l.tmpfsPoint) && isMountPoint(l.bindPoint), 'the mounts stay');
  for (const p of l.ordinary) assert.ok(!fs.existsSync(p), `ordinary entry left behind: ${p}`);
  assert.ok(!fs.existsSync(path.join(l.tree, 'a')), 'a directory with no boundary below it is removed');
  const named = new Set([...(outcome.result?.mounts ?? []), ...(outcome.error?.mounts ?? []), ...(outcome.error?.failures ?? []).map((f) => f.path)]);
  if (outcome.error) assert.equal(outcome.error.code, 'EPHEMDIR_INCOMPLETE', JSON.stringify(outcome.error));
  for (const b of boundaries(l)) assert.ok(named.has(b), `${b} is not reported: ${JSON.stringify(outcome)}`);
  for (const f of outcome.error?.failures ?? []) {
    assert.ok(!boundaries(l).some((b) => f.path.startsWith(b + '/')), `the engine went behind a boundary: ${JSON.stringify(f)}`);
  }
}

function outcomeOf(fn: () => RemoveTreeResult): { result?: RemoveTreeResult; error?: { code?: string; failures?: RemoveTreeFailure[]; mounts?: string[] } } {
  try {
    return { result: fn() };
  } catch (err) {
    const e = err as { code?: string; failures?: RemoveTreeFailure[]; mounts?: string[] };
    return { error: { code: e.code, failures: e.failures, mounts: e.mounts } };
  }
}

test('removeTreeSync leaves a btrfs subvolume (and what its other mount shows), a tmpfs and a bind mount', { skip }, (t) => {
  const l = build();
  const outcome = outcomeOf(() => removeTreeSync(l.tree));
  t.diagnostic(JSON.stringify(outcome));
  checkRemoval(l, outcome);
});

test('removeTree (async) leaves the same', { skip }, async (t) => {
  const l = build();
  let outcome;
  try {
    outcome = { result: await removeTree(l.tree) };
  } catch (err) {
    const e = err as { code?: string; failures?: RemoveTreeFailure[]; mounts?: string[] };
    outcome = { error: { code: e.code, failures: e.failures, mounts: e.mounts } };
  }
  t.diagnostic(JSON.stringify(outcome));
  checkRemoval(l, outcome);
});

test('a subvolume as the root is refused like a mount point; emptyMount empties it and keeps it', { skip }, async () => {
  const l = build();
  assert.throws(() => removeTreeSync(l.subvol), (err: NodeJS.ErrnoException) => err.code === 'EPHEMDIR_CROSSES_MOUNT');
  await assert.rejects(removeTree(l.subvol), (err: NodeJS.ErrnoException) => err.code === 'EPHEMDIR_CROSSES_MOUNT');
  for (const s of l.sentinels.slice(0, 2)) assert.ok(fs.existsSync(s), `refused, yet ${s} is gone`);
  await removeTree(l.subvol, { emptyMount: true });
  assert.deepEqual(fs.readdirSync(l.subvol), [], 'emptied');
  assert.deepEqual(fs.readdirSync(l.elsewhere), [], 'the same subvolume, seen from its other mount');
  assert.ok(fs.statSync(l.subvol).isDirectory(), 'kept');
});

// A managed directory with a btrfs subvolume inside: the claim's mount check
// reads mountinfo, where an unmounted subvolume does not appear, so the
// directory is claimed and moved to staging, and the engine stops at the
// subvolume. The failure names it (its path inside the tree) and says what to
// do, by remove() (the single protocol) and by sweep() (the batched one);
// later sweeps report the same and nothing grows; once the subvolume is
// deleted, the next sweep finishes.
test('a btrfs subvolume inside a managed directory: named, with what to do; stable over sweeps; finished once deleted', { skip }, async () => {
  const e = env as Exclude<typeof env, string>;
  const reg = isolatedEnv('btrfs-api');
  undo.push({ what: 'rm the api scratch', fn: () => reg.cleanup() });
  const parent = path.join(e.fsRoot, `managed-${++cases}`);
  fs.mkdirSync(parent, { mode: 0o700 });
  const made: { id: string; path: string; name: string }[] = [];
  for (let i = 0; i < 2; i++) {
    const d = await api.tempdir({ parent, cleanup: 'next-sweep' });
    fs.writeFileSync(path.join(d.path, 'ordinary'), 'ordinary');
    const sv = run('btrfs', ['subvolume', 'create', path.join(d.path, 'sub')]);
    assert.ok(sv.ok, `btrfs subvolume create: ${sv.out}`);
    fs.mkdirSync(path.join(d.path, 'sub', 'inner'));
    fs.writeFileSync(path.join(d.path, 'sub', 'inner', 'sentinel'), 'subvolume sentinel');
    made.push({ id: d.id, path: d.path, name: path.basename(d.path) });
  }
  const staging = () => fs.readdirSync(parent).filter((n) => n.startsWith('.ephemdir-staging')).sort();
  const named = (name: string, message: string) => {
    assert.match(message, /'sub' inside it is another filesystem \(a btrfs subvolume/, message);
    assert.match(message, /`btrfs subvolume delete \/.*\/\.ephemdir-staging-[0-9a-f]+\/[^/]+\/sub`/, message);
    assert.ok(message.includes(`\`ephemdir recover --forget ${name}\``), message);
  };
  const byRemove = made[0]!; // made[1] goes to the first sweep (the batched protocol)
  await assert.rejects(api.remove(byRemove.path), (err: { code: string; message: string; boundaries?: string[] }) => {
    assert.equal(err.code, 'EPHEMDIR_INCOMPLETE');
    named(byRemove.name, err.message);
    assert.deepEqual(err.boundaries, ['sub']);
    return true;
  });
  const first = await api.sweep();
  assert.deepEqual(first.failed.map((f) => f.path).sort(), made.map((m) => m.path).sort(), 'both fail, nothing else');
  for (const f of first.failed) named(f.name, f.error!.message);
  const settled = staging();
  assert.equal(settled.length, 2, 'one staging folder each');
  for (let i = 0; i < 2; i++) {
    const again = await api.sweep();
    assert.deepEqual(again.failed.map((f) => f.error!.message).sort(), first.failed.map((f) => f.error!.message).sort(), 'the same failure each sweep');
    assert.deepEqual(staging(), settled, 'no new staging folder');
    const tracked = (await api.registered()).filter((x) => made.some((m) => m.id === x.id));
    assert.deepEqual(tracked.map((x) => x.state), ['deleting', 'deleting']);
  }
  for (const m of made) {
    const entry = (await api.registered()).find((x) => x.id === m.id)!;
    const sub = path.join(entry.stagingPath!, m.name, 'sub');
    assert.equal(fs.readFileSync(path.join(sub, 'inner', 'sentinel'), 'utf8'), 'subvolume sentinel', 'the subvolume is kept');
    assert.equal(fs.existsSync(path.join(entry.stagingPath!, m.name, 'ordinary')), false, 'the rest was removed');
    const del = run('btrfs', ['subvolume', 'delete', sub]);
    assert.ok(del.ok, del.out);
  }
  const last = await api.sweep();
  assert.deepEqual(last.failed, []);
  assert.equal((await api.registered()).some((x) => made.some((m) => m.id === x.id)), false, 'both committed');
  assert.deepEqual(staging(), [], 'no staging folder left');
});

