import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { Registry } from '../../src/store/registry';
import { ErrorCodes } from '../../src/errors';
import { dataScratch, entryFile, makeEntry, makeUser, runWorker, REPO, WORKER } from './_helpers';
import { isRoot } from '../helpers/scratch';

test('4 processes creating 200 entries each and counting them lose nothing', async () => {
  using s = dataScratch('conc');
  Registry.open({ create: true, env: s.env })!.close();
  const runs = await Promise.all([0, 1, 2, 3].map(() => runWorker(['create', '200'], s.env)));
  for (const r of runs) assert.equal(r.code, 0, r.stderr);
  using reg = Registry.open({ create: false, env: s.env })!;
  const l = reg.list();
  assert.equal(l.entries.length, 800);
  assert.deepEqual(l.problems, []);
  assert.equal(reg.stats().created, 800);
});

test('update serialises two processes incrementing one field 100 times each', async () => {
  using s = dataScratch('conc');
  const e = makeEntry({ ino: 0 });
  {
    using reg = Registry.open({ create: true, env: s.env })!;
    reg.create(e);
  }
  const runs = await Promise.all([runWorker(['incr', e.id, '100'], s.env), runWorker(['incr', e.id, '100'], s.env)]);
  for (const r of runs) assert.equal(r.code, 0, r.stderr);
  using reg = Registry.open({ create: false, env: s.env })!;
  assert.equal(reg.get(e.id)!.ino, 200);
});

test('a lock held by another process: lockEntry null, update BUSY after waitMs', async () => {
  using s = dataScratch('conc');
  const e = makeEntry();
  using reg = Registry.open({ create: true, env: s.env })!;
  reg.create(e);
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER, 'hold', e.id, '3000'], {
    cwd: REPO,
    env: { PATH: process.env.PATH, ...s.env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise((resolve) => child.on('close', resolve));
  await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
  assert.equal(reg.lockEntry(e.id), null);
  const t0 = Date.now();
  assert.throws(() => reg.update(e.id, () => ({ result: 0 }), { waitMs: 300 }), (err: Error & { code?: string }) => {
    assert.equal(err.code, ErrorCodes.BUSY);
    assert.match(err.message, /locked by another ephemdir process/);
    return true;
  });
  const waited = Date.now() - t0;
  assert.ok(waited >= 280 && waited < 2000, `waited ${waited} ms`);
  assert.throws(() => reg.lockEntry(e.id, { waitMs: 100 }), { code: ErrorCodes.BUSY });
  // Once the holder is done, the lock is free again (waiting for it here works).
  assert.equal(reg.update(e.id, (cur) => ({ result: cur!.id }), { waitMs: 10_000 }), e.id);
  await exited;
});

test('deleting an entry unlinks its lock file without letting a waiter lock a dead file', async () => {
  using s = dataScratch('conc');
  const e = makeEntry();
  using reg = Registry.open({ create: true, env: s.env })!;
  reg.create(e);
  const lock = reg.lockEntry(e.id)!;
  // A child waits in update(); we delete the entry (unlinking the lock file) and release.
  const waiter = runWorker(['incr', e.id, '1'], s.env);
  await new Promise((r) => setTimeout(r, 300));
  reg.update(e.id, () => ({ entry: null, result: 0 }));
  lock.release();
  const r = await waiter;
  assert.equal(r.code, 0, r.stderr);
  assert.equal(reg.get(e.id), null);
  assert.deepEqual(fs.readdirSync(path.join(s.data, 'registry.d', 'locks')), []);
});

test('a non-root user runs the registry in its own data dir; a root-owned entry there is a problem', { skip: !isRoot && 'needs root' }, async () => {
  using s = dataScratch('conc');
  const u = makeUser('reg');
  try {
    fs.chmodSync(s.dir, 0o755);
    fs.mkdirSync(s.data, { mode: 0o700 });
    fs.chownSync(s.data, u.uid, u.gid);
    const created = await runWorker(['create', '3'], s.env, u);
    assert.equal(created.code, 0, created.stderr);
    const foreign = makeEntry();
    fs.writeFileSync(entryFile(s.data, foreign.id, u), JSON.stringify({ schema: 1, ...foreign }), { mode: 0o600 });
    const listed = await runWorker(['list'], s.env, u);
    assert.equal(listed.code, 0, listed.stderr);
    const out = JSON.parse(listed.stdout) as { entries: number; problems: string[] };
    assert.equal(out.entries, 3);
    assert.equal(out.problems.length, 1);
    assert.match(out.problems[0]!, /owned by uid 0, not by you/);
    // And root (us) refuses the user's registry.
    assert.throws(() => Registry.open({ create: false, env: s.env }), { code: ErrorCodes.REGISTRY_UNUSABLE });
  } finally {
    u.remove();
  }
});
