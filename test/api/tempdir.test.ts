import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isolatedEnv } from '../helpers/api-env';
import { startNode, srcModule } from '../helpers/child';
import { isRoot } from '../helpers/scratch';
import * as api from '../../src/api/index';
import { MAINTENANCE_BUDGET } from '../../src/api/maintenance';

const env = isolatedEnv('api');
after(() => env.cleanup());

const NAME_RE = /^[a-z]+-[a-z]+-[0-9a-f]{16}$/;

function markerOf(p: string): string {
  return fs.readFileSync(path.join(p, '.ephemdir'), 'utf8');
}

test('tempdir creates an owner-only directory with a marker and tracks it', async () => {
  const d = await api.tempdir({ parent: env.work, lifetime: '1h', tags: ['ci'], description: 'unit test' });
  assert.match(d.name, NAME_RE);
  assert.equal(d.path, path.join(env.work, d.name));
  const st = fs.statSync(d.path);
  assert.equal(st.mode & 0o777, 0o700);
  assert.match(markerOf(d.path), /^[0-9a-f]{32}\n$/);
  assert.equal(fs.statSync(path.join(d.path, '.ephemdir')).mode & 0o777, 0o600);
  assert.ok(d.expiresAt && Math.abs(d.expiresAt.getTime() - d.createdAt.getTime() - 3_600_000) < 5);
  const all = await api.registered();
  const entry = all.find((e) => e.id === d.id)!;
  assert.equal(entry.path, d.path);
  assert.deepEqual(entry.tags, ['ci']);
  assert.equal(entry.ino, st.ino);
  await d.remove();
  assert.equal(fs.existsSync(d.path), false);
  assert.equal((await api.registered()).some((e) => e.id === d.id), false);
  await d.remove(); // idempotent
});

test('await using removes at the end of the block; keep() inside wins', async () => {
  let gone: string;
  {
    await using d = await api.tempdir({ parent: env.work });
    fs.writeFileSync(path.join(d.path, 'x'), 'data');
    gone = d.path;
  }
  assert.equal(fs.existsSync(gone), false);
  let kept: string;
  {
    await using d = await api.tempdir({ parent: env.work });
    kept = d.path;
    d.keep();
  }
  assert.equal(fs.existsSync(kept), true);
  assert.equal(fs.existsSync(path.join(kept, '.ephemdir')), false, 'keep removes our marker');
  fs.rmSync(kept, { recursive: true });
});

test('using with tempdirSync removes synchronously', () => {
  let p: string;
  {
    using d = api.tempdirSync({ parent: env.work, words: 3, prefix: 'job-' });
    p = d.path;
    assert.match(d.name, /^job-[a-z]+-[a-z]+-[a-z]+-[0-9a-f]{16}$/);
    fs.mkdirSync(path.join(p, 'a/b/c'), { recursive: true });
  }
  assert.equal(fs.existsSync(p), false);
});

test('bad options are refused before anything is created', async () => {
  const before = fs.readdirSync(env.work).length;
  for (const bad of [{ lifetime: '5 parsecs' }, { lifetime: -1 }, { maxSize: '1e3' }, { prefix: '../x' }, { words: 9 }, { tags: 'ci' as unknown as string[] }]) {
    await assert.rejects(api.tempdir({ parent: env.work, ...bad }), { code: 'EPHEMDIR_INVALID_ARGUMENT' });
  }
  await assert.rejects(api.tempdir({ parent: env.work, cleanup: 'next-sweep', lifetime: '1h' }), { code: 'EPHEMDIR_INVALID_ARGUMENT' });
  assert.equal(fs.readdirSync(env.work).length, before);
});

test('clean names only in a private parent', async () => {
  const shared = path.join(env.root, 'shared');
  fs.mkdirSync(shared, { mode: 0o755 });
  fs.chmodSync(shared, 0o755);
  await assert.rejects(api.tempdir({ parent: shared, nameStyle: 'clean' }), { code: 'EPHEMDIR_UNSAFE_PARENT' });
  const d = await api.tempdir({ parent: env.work, nameStyle: 'clean' });
  assert.match(d.name, /^[a-z]+-[a-z]+$/);
  const auto = await api.tempdir({ parent: shared, nameStyle: 'auto' });
  assert.match(auto.name, NAME_RE);
  await d.remove();
  await auto.remove();
});

test('manage by name and prefix: resolve, extend (+relative), keep, remove, ambiguity', async () => {
  const a = await api.tempdir({ parent: env.work, lifetime: '10m', prefix: 'zz-alpha-' });
  const b = await api.tempdir({ parent: env.work, lifetime: '10m', prefix: 'zz-beta-' });
  assert.equal(await api.resolve('zz-alpha'), a.path);
  assert.equal(await api.resolve(a.name), a.path);
  assert.equal(await api.resolve(a.path), a.path);
  await assert.rejects(api.resolve('zz-'), (err: { code: string; matches: string[] }) => {
    assert.equal(err.code, 'EPHEMDIR_AMBIGUOUS');
    assert.deepEqual(err.matches, [a.path, b.path].sort());
    return true;
  });
  await assert.rejects(api.resolve('no-such-thing'), { code: 'EPHEMDIR_NOT_FOUND' });
  const before = (await api.registered()).find((e) => e.id === a.id)!.expiresAt!;
  const ext = await api.extend('zz-alpha', '+1h');
  assert.ok(Math.abs(ext.expiresAt! - (before + 3600)) < 1);
  const fresh = await api.extend('zz-alpha', '2h');
  assert.ok(Math.abs(fresh.expiresAt! - (Date.now() / 1000 + 7200)) < 5);
  assert.equal((await api.extend('zz-alpha', null)).expiresAt, null);
  assert.equal(await api.keep('zz-alpha'), a.path);
  assert.equal(fs.existsSync(a.path), true);
  const r = await api.remove('zz-beta');
  assert.equal(r.path, b.path);
  assert.equal(fs.existsSync(b.path), false);
  fs.rmSync(a.path, { recursive: true });
  const s = await api.stats();
  assert.ok(s.created >= 2 && s.kept >= 1 && s.removed >= 1);
});

test('sweep removes what is due and reports what it deferred', async () => {
  // Created last: each tempdir() first removes what is already due.
  const notDue = await api.tempdir({ parent: env.work, lifetime: '1h', tags: ['sweep-test'] });
  const untilSweep = await api.tempdir({ parent: env.work, cleanup: 'next-sweep', tags: ['sweep-test'] });
  const due = await api.tempdir({ parent: env.work, lifetime: 0, tags: ['sweep-test'] });
  const dry = await api.sweep({ dryRun: true, tags: ['sweep-test'] });
  assert.deepEqual(dry.removed.map((i) => i.path).sort(), [due.path, untilSweep.path].sort());
  assert.equal(fs.existsSync(due.path), true, 'dry run touches nothing');
  const report = await api.sweep({ tags: ['sweep-test'] });
  assert.deepEqual(report.removed.map((i) => i.path).sort(), [due.path, untilSweep.path].sort());
  assert.equal(fs.existsSync(due.path), false);
  assert.equal(fs.existsSync(untilSweep.path), false);
  assert.equal(fs.existsSync(notDue.path), true);
  const forced = await api.sweep({ force: true, tags: ['sweep-test'] });
  assert.deepEqual(forced.removed.map((i) => i.path), [notDue.path]);
  assert.deepEqual(fs.readdirSync(env.work).filter((n) => n.startsWith('.ephemdir-staging')), []);
});

test('a replaced or missing directory is never touched and stays tracked', async () => {
  const d = await api.tempdir({ parent: env.work, lifetime: 0, tags: ['replace'] });
  // Keep the old inode alive while the replacement is made, so the
  // filesystem cannot hand the same inode number to it.
  const aside = path.join(env.root, 'aside');
  fs.renameSync(d.path, aside);
  fs.mkdirSync(d.path);
  fs.rmSync(aside, { recursive: true });
  fs.writeFileSync(path.join(d.path, 'precious'), 'x');
  const report = await api.sweep({ tags: ['replace'] });
  assert.equal(report.removed.length, 0);
  assert.deepEqual(report.deferred[0]!.blockers, ['identity-changed']);
  assert.equal(fs.readFileSync(path.join(d.path, 'precious'), 'utf8'), 'x');
  const listed = (await api.list({ tags: ['replace'] }))[0]!;
  assert.equal(listed.status, 'replaced');
  fs.rmSync(d.path, { recursive: true });
  assert.equal((await api.list({ tags: ['replace'] }))[0]!.status, 'missing');
  assert.deepEqual(await api.prune(), [d.path]);
  assert.deepEqual(await api.list({ tags: ['replace'] }), []);
});

test('a directory held with flock, or in use, is deferred', async () => {
  const held = await api.tempdir({ parent: env.work, lifetime: '1s', tags: ['held'] });
  const used = await api.tempdir({ parent: env.work, lifetime: '1s', keepWhileInUse: true, tags: ['held'] });
  const holder = startNode(
    `const fs=require('fs');const api=require(${JSON.stringify(srcModule('api/index'))});` +
      `(async()=>{const h=${JSON.stringify(held.path)};` +
      `const all=await api.registered();const e=all.find(x=>x.path===h);` +
      `const {EphemeralDirectory}=api; const hold=new EphemeralDirectory(e).hold();` +
      `process.chdir(${JSON.stringify(used.path)});console.log('ready');setInterval(()=>{},1000);})()`,
  );
  await new Promise<void>((resolve, reject) => {
    holder.stdout!.on('data', (b: Buffer) => b.toString().includes('ready') && resolve());
    let err = '';
    holder.stderr!.on('data', (b: Buffer) => (err += b));
    holder.on('exit', (c) => reject(new Error(`holder exited ${c}: ${err}`)));
  });
  try {
    await new Promise((r) => setTimeout(r, 1100)); // both expire
    const report = await api.sweep({ tags: ['held'] });
    const blockers = Object.fromEntries(report.deferred.map((i) => [i.path, i.blockers]));
    assert.deepEqual(blockers[held.path], ['locked']);
    assert.deepEqual(blockers[used.path], ['in-use']);
    assert.equal(report.failed.length, 0);
  } finally {
    holder.kill('SIGKILL');
    await new Promise((r) => holder.once('exit', r));
  }
  const report = await api.sweep({ tags: ['held'] });
  assert.equal(report.removed.length, 2);
});

test('a mount inside a due directory is found before the claim', { skip: !isRoot && 'needs root to mount' }, async () => {
  const d = await api.tempdir({ parent: env.work, lifetime: 0, tags: ['mount'] });
  const mp = path.join(d.path, 'mnt');
  fs.mkdirSync(mp);
  const { execFileSync } = await import('node:child_process');
  execFileSync('mount', ['-t', 'tmpfs', 'none', mp]);
  try {
    fs.writeFileSync(path.join(mp, 'sentinel'), 'keep me');
    const report = await api.sweep({ tags: ['mount'] });
    assert.deepEqual(report.deferred.map((i) => i.blockers), [['mount-inside']]);
    assert.equal(fs.readFileSync(path.join(mp, 'sentinel'), 'utf8'), 'keep me');
    assert.equal((await api.registered()).find((e) => e.id === d.id)!.state, 'active', 'not claimed');
  } finally {
    execFileSync('umount', [mp]);
  }
  assert.equal((await api.sweep({ tags: ['mount'] })).removed.length, 1);
});

test('the current target is found through the marker and verified', async () => {
  const d = await api.tempdir({ parent: env.work });
  fs.mkdirSync(path.join(d.path, 'sub'));
  assert.equal((await api.currentTarget(path.join(d.path, 'sub'))).id, d.id);
  await assert.rejects(api.currentTarget(env.work), { code: 'EPHEMDIR_NOT_FOUND' });
  const fake = path.join(env.work, 'fake');
  fs.mkdirSync(fake);
  fs.writeFileSync(path.join(fake, '.ephemdir'), `${d.id}\n`);
  await assert.rejects(api.currentTarget(fake), { code: 'EPHEMDIR_NOT_OURS' });
  await d.remove();
});

test('a flocked subdirectory stops the commit; the next sweep finishes the job', async () => {
  const d = await api.tempdir({ parent: env.work, lifetime: '1s', tags: ['sublock'] });
  fs.mkdirSync(path.join(d.path, 'busy'));
  fs.writeFileSync(path.join(d.path, 'busy', 'f'), 'x');
  fs.writeFileSync(path.join(d.path, 'loose'), 'x');
  const sub = path.join(d.path, 'busy');
  const holder = startNode(
    `const {openDirectory}=require(${JSON.stringify(srcModule('fs/walk'))});` +
      `const h=openDirectory(${JSON.stringify(sub)},{trust:'nofollow'});h.lock('exclusive');console.log('ready');setInterval(()=>{},1000);`,
  );
  await new Promise<void>((resolve) => holder.stdout!.on('data', (b: Buffer) => b.toString().includes('ready') && resolve()));
  try {
    await new Promise((r) => setTimeout(r, 1100));
    const report = await api.sweep({ tags: ['sublock'] });
    assert.equal(report.failed.length, 1);
    assert.equal(report.failed[0]!.error!.code, 'EPHEMDIR_IN_USE');
    const entry = (await api.registered()).find((e) => e.id === d.id)!;
    assert.equal(entry.state, 'deleting', 'still tracked, mid-deletion');
    assert.match(entry.lastError!, /held with flock/);
  } finally {
    holder.kill('SIGKILL');
    await new Promise((r) => holder.once('exit', r));
  }
  const again = await api.sweep({ tags: ['sublock'] });
  assert.equal(again.removed.length, 1);
  assert.equal((await api.registered()).some((e) => e.id === d.id), false);
  assert.deepEqual(fs.readdirSync(env.work).filter((n) => n.startsWith('.ephemdir-staging')), []);
});

test('parents another user could tamper with are refused before anything is created', { skip: !isRoot && 'needs root to chown to another user' }, async () => {
  const mk = (name: string, mode: number, uid: number) => {
    const p = path.join(env.root, name);
    fs.mkdirSync(p);
    fs.chmodSync(p, mode);
    fs.chownSync(p, uid, uid);
    return p;
  };
  const nobody = 65534;
  const foreign = mk('foreign', 0o755, nobody);
  const foreignSticky = mk('foreign-sticky', 0o1777, nobody);
  const openNoSticky = mk('open', 0o777, 0);
  const tmpLike = mk('tmp-like', 0o1777, 0);
  for (const parent of [foreign, foreignSticky, openNoSticky]) {
    await assert.rejects(api.tempdir({ parent }), { code: 'EPHEMDIR_UNSAFE_PARENT' }, parent);
    assert.deepEqual(fs.readdirSync(parent), [], `nothing created in ${parent}`);
  }
  await assert.rejects(api.tempdir({ parent: path.join(foreign, 'child') }), { code: 'EPHEMDIR_UNSAFE_PARENT' });
  const ok = await api.tempdir({ parent: tmpLike });
  assert.equal(path.dirname(ok.path), tmpLike);
  await ok.remove();
});

test('names are found through the index, and without it when a hint is lost', async () => {
  const d = await api.tempdir({ parent: env.work, prefix: 'idx-' });
  const shard = Buffer.from('i').toString('hex');
  const hint = path.join(env.data, 'registry.d', 'names', shard, d.name, d.id);
  assert.equal(fs.existsSync(hint), true, 'filed under names/<first byte>/<name>/<id>');
  assert.equal(await api.resolve('idx-'), d.path);
  fs.rmSync(path.dirname(hint), { recursive: true }); // as if a power cut lost it
  assert.equal(await api.resolve('idx-'), d.path, 'a full scan finds it');
  assert.equal(await api.resolve(d.path), d.path);
  await d.remove();
  await assert.rejects(api.resolve('idx-'), { code: 'EPHEMDIR_NOT_FOUND' });
});

test("tempdir()'s own sweep is bounded by work, not by how big a due tree is", async () => {
  const big = await api.tempdir({ parent: env.work, lifetime: '1s', tags: ['budget'] });
  // Five budgets' worth of files in five folders, plus the folders and the marker.
  const perFolder = MAINTENANCE_BUDGET;
  for (let i = 0; i < 5; i++) {
    const sub = path.join(big.path, `d${i}`);
    fs.mkdirSync(sub);
    for (let j = 0; j < perFolder; j++) fs.closeSync(fs.openSync(path.join(sub, `f${j}`), 'w'));
  }
  const entries = 5 * perFolder + 5 + 2;
  await new Promise((r) => setTimeout(r, 1100));
  const first = await api.tempdir({ parent: env.work });
  assert.equal(first.sweep!.removed.length, 0, 'not all of it in one call');
  assert.equal(first.sweep!.postponed, 1);
  const entry = (await api.registered()).find((e) => e.id === big.id)!;
  assert.equal(entry.state, 'deleting', 'left mid-deletion, still tracked');
  assert.equal(entry.lastError, null, 'postponed is not a failure');
  const staged = path.join(entry.stagingPath!, entry.name);
  assert.equal(fs.existsSync(path.join(staged, '.ephemdir')), true, 'the marker goes last');
  // One call claimed it; each later one removes MAINTENANCE_BUDGET entries at most.
  const most = 1 + Math.ceil(entries / MAINTENANCE_BUDGET) + 1;
  let calls = 1;
  while ((await api.registered()).some((e) => e.id === big.id) && calls < most + 5) {
    await (await api.tempdir({ parent: env.work })).remove();
    calls++;
  }
  assert.ok(calls >= 1 + Math.ceil(entries / MAINTENANCE_BUDGET) && calls <= most, `finished by later calls (${calls}, at most ${most})`);
  assert.equal(fs.existsSync(entry.stagingPath!), false);
  await first.remove();
});

function openFds(): number {
  return fs.readdirSync('/proc/self/fd').length;
}

test('a missing parent is made 0700 on the way, in both forms; no fd is left open, also when the call fails after the parent check', { skip: process.platform !== 'linux' && 'counts fds in /proc/self/fd' }, async () => {
  const before = openFds();
  for (let i = 0; i < 10; i++) api.tempdirSync({ parent: env.work, lifetime: '1h' }).keep();
  const nested = path.join(env.work, 'made', 'on', 'the-way');
  const a = api.tempdirSync({ parent: nested, lifetime: '1h' });
  const b = await api.tempdir({ parent: path.join(nested, 'deeper'), lifetime: '1h' });
  for (const p of [path.join(env.work, 'made'), nested, path.join(nested, 'deeper')]) assert.equal(fs.statSync(p).mode & 0o777, 0o700, p);
  assert.equal(path.dirname(a.path), nested);
  assert.equal(path.dirname(b.path), path.join(nested, 'deeper'));
  // The parent passes its check, then the registry cannot be opened (its data folder is a file).
  const notAFolder = path.join(env.root, 'data-is-a-file');
  fs.writeFileSync(notAFolder, '');
  for (let i = 0; i < 5; i++) {
    assert.throws(() => api.tempdirSync({ parent: env.work, dataDir: notAFolder }), (err: Error & { code?: string }) => err.code === 'EPHEMDIR_REGISTRY_UNUSABLE' || err.code === 'ENOTDIR');
    await assert.rejects(api.tempdir({ parent: env.work, dataDir: notAFolder }));
  }
  await a.remove();
  await b.remove();
  assert.equal(openFds(), before, 'every fd opened was closed');
});
