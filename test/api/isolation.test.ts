// Cleanup never stops: one entry that cannot be handled (a parked
// interrupted deletion, a corrupt entry file, an unusable lock file) is
// reported, and every other due directory is still removed; tempdir() never
// fails because of another entry.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { isolatedEnv } from '../helpers/api-env';
import { runNode, srcModule } from '../helpers/child';
import { MAIN } from '../helpers/cli';
import * as api from '../../src/api/index';

const env = isolatedEnv('isolation');
after(() => env.cleanup());

const registry = () => path.join(env.data, 'registry.d');

/** A real sweep SIGKILLed right after it journaled its intent, then the directory removed by other means. */
// The test-only module that turns EPHEMDIR_CRASH_AT into a SIGKILL (the package has no such hook).
const CRASH_HOOK = path.join(__dirname, '..', 'helpers', `crash-hook${path.extname(__filename)}`);

async function strandedIntent(tag: string): Promise<api.EphemeralDirectory> {
  const d = await api.tempdir({ parent: env.work, lifetime: 0, tags: [tag] });
  const r = runNode(`require(${JSON.stringify(CRASH_HOOK)}); require(${JSON.stringify(srcModule('api/index'))}).sweep({ tags: [${JSON.stringify(tag)}] })`, {
    env: { ...process.env, EPHEMDIR_CRASH_AT: 'after-intent' },
  });
  assert.equal(r.signal, 'SIGKILL', r.stderr);
  assert.equal((await api.registered()).find((e) => e.id === d.id)!.state, 'moving');
  fs.rmSync(d.path, { recursive: true }); // tmpfs after a reboot, or a user's rm -rf
  return d;
}

function fresh(tag: string, n: number): api.EphemeralDirectory[] {
  const out = [];
  for (let i = 0; i < n; i++) out.push(api.tempdirSync({ parent: env.work, lifetime: '1h', tags: [tag] }));
  return out;
}

/** Made due by extend(), so that no tempdir()'s own bounded sweep gets to them first. */
async function makeDue(dirs: api.EphemeralDirectory[]): Promise<api.EphemeralDirectory[]> {
  for (const d of dirs) await api.extend(d.path, 0);
  return dirs;
}

async function due(tag: string, n: number): Promise<api.EphemeralDirectory[]> {
  return makeDue(fresh(tag, n));
}

test('a parked (ambiguous) interrupted deletion is reported; the other due directories are removed', async () => {
  const others = fresh('park', 3);
  const parked = await strandedIntent('park');
  await makeDue(others);
  const report = await api.sweep({ tags: ['park'] });
  assert.deepEqual(report.removed.map((i) => i.path).sort(), others.map((d) => d.path).sort());
  for (const d of others) assert.equal(fs.existsSync(d.path), false);
  assert.equal(report.failed.length, 1);
  assert.equal(report.failed[0]!.path, parked.path);
  assert.deepEqual(report.failed[0]!.blockers, ['recovery-required']);
  const entry = (await api.registered()).find((e) => e.id === parked.id)!;
  assert.equal(entry.state, 'recovery');
  assert.equal(entry.claimId, null);
  assert.ok(entry.stagingPath, 'the staging path stays recorded');
  // Later sweeps, the bounded ones and recover keep working.
  const again = await api.sweep({ tags: ['park'] });
  assert.deepEqual(again.deferred.map((i) => i.blockers), [['recovery-required']]);
  (await api.tempdir({ parent: env.work, tags: ['park'] })).keep();
  api.tempdirSync({ parent: env.work, tags: ['park'] }).keep();
  await assert.rejects(api.recover(parked.name), (err: { code: string; message: string }) => {
    assert.equal(err.code, 'EPHEMDIR_RECOVERY_REQUIRED');
    assert.match(err.message, /recover --forget/);
    return true;
  });
  assert.deepEqual(await api.recover(parked.name, { forget: true }), { path: parked.path, action: 'forgotten' });
  for (const t of await api.list({ tags: ['park'] })) fs.rmSync(t.entry.path, { recursive: true });
  await api.prune();
});

test("tempdir()'s bounded sweep meets a stranded intent and neither throws nor loses the entry", async () => {
  const stranded = await strandedIntent('park-sync');
  const d = api.tempdirSync({ parent: env.work, tags: ['park-sync'] });
  assert.equal(d.sweep!.failed.length, 1, 'reported in the report of the call');
  assert.equal(d.sweep!.failed[0]!.path, stranded.path);
  assert.equal((await api.registered()).find((e) => e.id === stranded.id)!.state, 'recovery');
  const a = await api.tempdir({ parent: env.work, tags: ['park-sync'] });
  assert.equal(a.sweep!.failed.length, 0, 'parked entries wait for recover');
  await api.recover(stranded.name, { forget: true });
  d.removeSync();
  await a.remove();
});

test('the CLI reports a parked entry in --json `failed`, exits 1, and removes the rest', async () => {
  const others = fresh('park-cli', 2);
  const parked = await strandedIntent('park-cli');
  await makeDue(others);
  const r = spawnSync(process.execPath, [MAIN, 'sweep', '--json', '--tag', 'park-cli'], { encoding: 'utf8', env: process.env });
  assert.equal(r.status, 1, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.deepEqual(out.failed.map((i: { path: string }) => i.path), [parked.path]);
  assert.deepEqual(out.removed.map((i: { path: string }) => i.path).sort(), others.map((d) => d.path).sort());
  assert.equal(out.ok, false);
  const next = spawnSync(process.execPath, [MAIN, 'sweep', '--json', '--tag', 'park-cli'], { encoding: 'utf8', env: process.env });
  assert.equal(next.status, 0, `a parked entry is held back, not failed again: ${next.stderr}`);
  await api.recover(parked.name, { forget: true });
});

test('a corrupt entry file with a due hint never fails tempdir(); sweeps remove the rest', async () => {
  const [bad, ...good] = await due('corrupt', 3);
  const file = path.join(registry(), 'entries', bad!.id[0]!, `${bad!.id}.json`);
  fs.writeFileSync(file, '{ not json');
  for (let i = 0; i < 4; i++) {
    const d = api.tempdirSync({ parent: env.work });
    assert.ok(d.sweep!.failed.every((f) => f.error?.code === 'EPHEMDIR_REGISTRY_UNUSABLE'));
    d.removeSync();
    const a = await api.tempdir({ parent: env.work });
    await a.remove();
  }
  await api.sweep({ tags: ['corrupt'] });
  for (const d of good) assert.equal(fs.existsSync(d.path), false);
  assert.equal(fs.existsSync(bad!.path), true, 'the corrupt entry is never acted on');
  fs.rmSync(file);
  fs.rmSync(bad!.path, { recursive: true });
});

test('an entry whose lock file is unusable fails alone; the others are swept', async () => {
  const [bad, ...good] = await due('badlock', 3);
  const lock = path.join(registry(), 'locks', `${bad!.id}.lock`);
  fs.mkdirSync(path.dirname(lock), { recursive: true });
  fs.rmSync(lock, { force: true });
  fs.mkdirSync(lock); // not a regular file: the registry refuses to use it
  const report = await api.sweep({ tags: ['badlock'] });
  assert.deepEqual(report.failed.map((i) => i.path), [bad!.path]);
  assert.ok(report.failed[0]!.error!.message.includes(bad!.id), report.failed[0]!.error!.message);
  assert.deepEqual(report.removed.map((i) => i.path).sort(), good.map((d) => d.path).sort());
  const d = api.tempdirSync({ parent: env.work });
  d.removeSync();
  fs.rmdirSync(lock);
  assert.equal((await api.sweep({ tags: ['badlock'] })).removed.length, 1);
});

test('an interrupted deletion that cannot be inspected now is held back and said so, not skipped silently', async () => {
  const d = await api.tempdir({ parent: env.work, lifetime: 0, tags: ['uninspectable'] });
  const r = runNode(`require(${JSON.stringify(CRASH_HOOK)}); require(${JSON.stringify(srcModule('api/index'))}).sweep({ tags: ['uninspectable'] })`, {
    env: { ...process.env, EPHEMDIR_CRASH_AT: 'after-intent' },
  });
  assert.equal(r.signal, 'SIGKILL', r.stderr);
  const entry = (await api.registered()).find((e) => e.id === d.id)!;
  fs.writeFileSync(entry.stagingPath!, 'not a folder'); // where the staging folder should be
  const report = await api.sweep({ tags: ['uninspectable'] });
  assert.deepEqual(report.deferred.map((i) => [i.path, i.blockers]), [[d.path, ['unavailable']]]);
  assert.match(report.deferred[0]!.error!.message, /not a directory|ENOTDIR/);
  assert.equal(fs.existsSync(path.join(d.path, '.ephemdir')), true, 'left alone');
  fs.rmSync(entry.stagingPath!);
  const next = await api.sweep({ tags: ['uninspectable'] });
  assert.deepEqual(next.recovered.map((i) => i.reasons), [['reactivated']]);
  assert.equal((await api.sweep({ tags: ['uninspectable'] })).removed.length, 1);
});

test('prune forgets every missing directory it can, then says which it could not', async () => {
  const [bad, good] = fresh('prune', 2);
  fs.rmSync(bad!.path, { recursive: true });
  fs.rmSync(good!.path, { recursive: true });
  const lock = path.join(registry(), 'locks', `${bad!.id}.lock`);
  fs.rmSync(lock, { force: true });
  fs.mkdirSync(lock, { recursive: true });
  await assert.rejects(api.prune(), (err: { code: string; message: string; forgotten: string[] }) => {
    assert.equal(err.code, 'EPHEMDIR_INCOMPLETE');
    assert.ok(err.forgotten.includes(good!.path));
    assert.ok(err.message.includes(bad!.path), err.message);
    return true;
  });
  const left = (await api.registered()).map((e) => e.id);
  assert.equal(left.includes(good!.id), false, 'the other missing one was forgotten');
  assert.equal(left.includes(bad!.id), true);
  fs.rmdirSync(lock);
  assert.ok((await api.prune()).includes(bad!.path));
});
