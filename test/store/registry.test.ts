import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { Registry } from '../../src/store/registry';
import { ErrorCodes } from '../../src/errors';
import { dataScratch, entryFile, entryFiles, makeEntry, makeUser, newId, snapshot } from './_helpers';
import { isRoot, scratch } from '../helpers/scratch';

function open(env: NodeJS.ProcessEnv, create = true): Registry {
  const r = Registry.open({ create, env });
  assert.ok(r);
  return r;
}

/** What dueHints judges hints against: a Linux machine at `now`, in boot `bootId`. */
function clock(now: number, bootId: string | null) {
  return { now, bootId, bootTime: null, platform: 'linux' as const };
}

test('open({create:false}) on a missing data dir returns null and creates nothing', () => {
  using s = dataScratch('reg');
  assert.equal(Registry.open({ create: false, env: s.env }), null);
  assert.equal(fs.existsSync(s.data), false);
  fs.mkdirSync(s.data, { mode: 0o755 });
  fs.chmodSync(s.data, 0o755);
  assert.equal(Registry.open({ create: false, env: s.env }), null);
  assert.deepEqual(fs.readdirSync(s.data), []);
  assert.equal(fs.statSync(s.data).mode & 0o777, 0o755, 'a read-only open never chmods');
});

test('create makes registry.d 0700 with format.json; relative EPHEMDIR_DATA_DIR is refused', () => {
  using s = dataScratch('reg');
  using r = open(s.env);
  assert.equal(r.dataDir, s.data);
  assert.equal(fs.statSync(path.join(s.data, 'registry.d')).mode & 0o777, 0o700);
  assert.deepEqual(JSON.parse(fs.readFileSync(path.join(s.data, 'registry.d', 'format.json'), 'utf8')), { schema: 1, writer: 'ephemdir-node' });
  assert.throws(() => Registry.open({ create: true, env: { EPHEMDIR_DATA_DIR: 'rel/data' } }), { code: ErrorCodes.INVALID_ARGUMENT, message: /EPHEMDIR_DATA_DIR/ });
});

test('round trip: create, get, list, update, delete', () => {
  using s = dataScratch('reg');
  using r = open(s.env);
  const e = makeEntry({ tags: ['rust', 'build'], description: 'cargo bench' });
  r.create(e);
  assert.deepEqual(r.get(e.id), e);
  assert.throws(() => r.create(e), { code: 'EEXIST' });
  const l = r.list();
  assert.deepEqual(l, { entries: [e], problems: [] });
  const got = r.update(e.id, (cur) => ({ entry: { ...cur!, expiresAt: 1_900_000_000 }, result: cur!.expiresAt }));
  assert.equal(got, e.expiresAt);
  assert.equal(r.get(e.id)!.expiresAt, 1_900_000_000);
  assert.equal(r.update(e.id, () => ({ result: 'noop' })), 'noop');
  r.update(e.id, () => ({ entry: null, result: undefined }));
  assert.equal(r.get(e.id), null);
  const reg = path.join(s.data, 'registry.d');
  assert.deepEqual(entryFiles(s.data), []);
  assert.deepEqual(fs.readdirSync(path.join(reg, 'locks')), [], 'the lock file goes with the entry');
  assert.deepEqual(fs.readdirSync(path.join(reg, 'schedule')), [], 'hints go with the entry');
  assert.deepEqual(fs.readdirSync(path.join(reg, 'boots')), []);
  // An update of a missing id leaves no lock file behind either.
  assert.equal(r.update(newId(), (cur) => ({ result: cur })), null);
  assert.deepEqual(fs.readdirSync(path.join(reg, 'locks')), []);
  assert.throws(() => r.get('../../etc/passwd'), { code: ErrorCodes.INVALID_ARGUMENT });
  assert.throws(() => r.update(e.id, () => ({ entry: { ...e, id: newId() }, result: 0 })), { code: ErrorCodes.INVALID_ARGUMENT });
  assert.throws(() => r.create(makeEntry({ state: 'moving' })), { code: ErrorCodes.INVALID_ARGUMENT }, 'invariants are checked before writing');
});

test('unknown fields written by a newer version survive a rewrite', () => {
  using s = dataScratch('reg');
  using r = open(s.env);
  const e = makeEntry();
  r.create(e);
  const file = entryFile(s.data, e.id);
  const raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  raw.futureField = { nested: [1, 2] };
  // An own "__proto__" key (legal JSON) must round-trip as data, never reach a prototype.
  fs.writeFileSync(file, JSON.stringify(raw).replace(/^\{/, '{"__proto__":"odd",'));
  const before = r.get(e.id)!;
  assert.deepEqual(before, e, 'extras are not enumerable on the entry');
  r.update(e.id, (cur) => ({ entry: { ...cur!, lastError: 'EACCES: permission\ndenied' }, result: 0 }));
  const after = JSON.parse(fs.readFileSync(file, 'utf8'));
  assert.deepEqual(after.futureField, { nested: [1, 2] });
  assert.equal(Object.getOwnPropertyDescriptor(after, '__proto__')?.value, 'odd');
  assert.equal(after.lastError, 'EACCES: permission\\u000adenied', 'control characters in lastError are escaped');
});

/**
 * n entries, one file each, listed back; `updates` of them updated; a due
 * scan bounded to 50. The per-entry costs of the same operations are
 * measured by the benchmark (`node bench/run.js --only store`).
 */
function fillAndList(inMemory: boolean, n: number, updates: number): void {
  using s = scratch('registry-fill', { inMemory });
  using r = open({ EPHEMDIR_DATA_DIR: path.join(s.dir, 'data') });
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const e = makeEntry({ createdAt: 1_800_000_000 + i, expiresAt: 1_800_000_000 + (i % 50) * 3600 });
    ids.push(e.id);
    r.create(e);
  }
  const l = r.list();
  assert.equal(l.entries.length, n);
  assert.equal(l.problems.length, 0);
  assert.deepEqual(new Set(l.entries.map((e) => e.id)), new Set(ids));
  for (const id of ids.slice(0, updates)) r.update(id, (cur) => ({ entry: { ...cur!, expiresAt: cur!.expiresAt! + 86_400 }, result: 0 }));
  ids.slice(0, updates).forEach((id, i) => assert.equal(r.get(id)!.expiresAt, 1_800_000_000 + (i % 50) * 3600 + 86_400));
  const due = r.dueHints(clock(1_800_000_000 + 25 * 3600, null), 50);
  assert.ok(due.length > 0 && due.length <= 50, `dueHints(limit 50) returned ${due.length}`);
  for (const id of due) assert.ok(ids.includes(id), id);
}

test('2,000 entries (tmpfs: CPU cost) and 200 on the disk (fsync cost): one file each, listed back', () => {
  fillAndList(true, 2000, 200);
  fillAndList(false, 200, 50);
});

test('dueHints: expired buckets, current bucket by exact expiry, other boots, journal entries, limit', () => {
  using s = dataScratch('reg');
  using r = open(s.env);
  const now = 1_800_003_000; // inside bucket 500000 (starts 1_800_000_000)
  const boot = 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee';
  const mk = (over: Parameters<typeof makeEntry>[0]) => {
    const e = makeEntry({ bootId: boot, removeOnRestart: false, expiresAt: null, ...over });
    r.create(e);
    return e.id;
  };
  const longAgo = mk({ expiresAt: now - 86_400 });
  const sameBucketPast = mk({ expiresAt: now - 10 });
  mk({ expiresAt: now + 10 }); // same bucket, not yet
  mk({ expiresAt: now + 86_400 });
  mk({ removeOnRestart: true }); // this boot
  const otherBoot = mk({ removeOnRestart: true, bootId: 'ffffffff-bbbb-cccc-dddd-eeeeeeeeeeee' });
  const journal = mk({ state: 'deleting', stagingPath: '/home/alice/work/.x.deleting', claimId: null, lastError: 'EBUSY' });
  mk({ state: 'recovery', expiresAt: now - 86_400 });
  assert.deepEqual(new Set(r.dueHints(clock(now, boot), 100)), new Set([longAgo, sameBucketPast, otherBoot, journal]));
  assert.equal(r.dueHints(clock(now, boot), 2).length, 2);
  assert.deepEqual(r.dueHints(clock(now, boot), 0), []);
  // Unknown current boot: restart hints are not returned (nothing to compare with).
  assert.deepEqual(new Set(r.dueHints(clock(now, null), 100)), new Set([longAgo, sameBucketPast, journal]));
  // Extending moves the hint; deleting removes it.
  r.update(longAgo, (cur) => ({ entry: { ...cur!, expiresAt: now + 7200 }, result: 0 }));
  r.update(journal, () => ({ entry: null, result: 0 }));
  assert.deepEqual(new Set(r.dueHints(clock(now, boot), 100)), new Set([sameBucketPast, otherBoot]));
  // A stale hint (entry file removed behind our back) is skipped.
  fs.unlinkSync(entryFile(s.data, otherBoot));
  assert.deepEqual(r.dueHints(clock(now, boot), 100), [sameBucketPast]);
});

test('corrupt and unsafe entry files are problems, kept in place, bytes copied aside once', () => {
  using s = dataScratch('reg');
  using r = open(s.env);
  const good = makeEntry();
  r.create(good);
  const dir = path.join(s.data, 'registry.d', 'entries');
  const truncated = newId();
  const full = JSON.stringify({ schema: 1, ...makeEntry({ id: truncated }) });
  fs.writeFileSync(entryFile(s.data, truncated), full.slice(0, 100), { mode: 0o600 });
  const random = newId();
  fs.writeFileSync(entryFile(s.data, random), Buffer.from([0xff, 0x00, 0x13, 0x37, 0xfe]), { mode: 0o600 });
  const link = newId();
  fs.symlinkSync(entryFile(s.data, good.id), entryFile(s.data, link));
  const fifo = newId();
  execFileSync('mkfifo', ['-m', '600', entryFile(s.data, fifo)]);
  const wrongId = newId();
  fs.writeFileSync(entryFile(s.data, wrongId), JSON.stringify({ schema: 1, ...makeEntry() }), { mode: 0o600 });
  const newer = newId();
  fs.writeFileSync(entryFile(s.data, newer), JSON.stringify({ schema: 2, ...makeEntry({ id: newer }) }), { mode: 0o600 });
  const writable = newId();
  fs.writeFileSync(entryFile(s.data, writable), JSON.stringify({ schema: 1, ...makeEntry({ id: writable }) }));
  fs.chmodSync(entryFile(s.data, writable), 0o666);
  fs.writeFileSync(path.join(dir, 'notes.txt'), 'hello');
  const before = snapshot(dir);

  const first = r.list();
  assert.deepEqual(first.entries, [good]);
  const byId = new Map(first.problems.map((p) => [p.id, p.reason]));
  assert.match(byId.get(truncated)!, /not valid JSON/);
  assert.match(byId.get(random)!, /not valid UTF-8/);
  assert.match(byId.get(link)!, /symlink/);
  assert.match(byId.get(fifo)!, /FIFO/);
  assert.match(byId.get(wrongId)!, /does not match the file name/);
  assert.match(byId.get(newer)!, /newer ephemdir/);
  assert.match(byId.get(writable)!, /writable by group or others/);
  assert.match(byId.get(null)!, /unexpected file/);
  assert.equal(first.problems.length, 8);

  const second = r.list();
  assert.deepEqual(second.problems, first.problems);
  const corrupt = fs.readdirSync(path.join(s.data, 'registry.d', 'corrupt')).sort();
  assert.equal(corrupt.length, 4, `one copy per corrupt content, not per list(): ${corrupt}`);
  assert.ok(corrupt.every((n) => /^[0-9a-f]{32}\.[0-9a-f]{12}$/.test(n)));
  assert.deepEqual(fs.readFileSync(path.join(s.data, 'registry.d', 'corrupt', corrupt.find((n) => n.startsWith(random))!)), Buffer.from([0xff, 0x00, 0x13, 0x37, 0xfe]));
  assert.deepEqual(snapshot(dir), before, 'originals untouched');

  assert.throws(() => r.get(truncated), { code: ErrorCodes.REGISTRY_UNUSABLE, message: /not valid JSON/ });
  assert.throws(() => r.update(truncated, () => ({ entry: null, result: 0 })), { code: ErrorCodes.REGISTRY_UNUSABLE });
  assert.throws(() => r.update(fifo, () => ({ entry: null, result: 0 })), { code: ErrorCodes.REGISTRY_UNUSABLE });
  assert.equal(fs.readdirSync(path.join(s.data, 'registry.d', 'corrupt')).length, 4);
  assert.deepEqual(snapshot(dir), before, 'not dropped, not overwritten');
});

test('registry.d writable by group: REGISTRY_UNUSABLE and the mode is left alone', () => {
  using s = dataScratch('reg');
  open(s.env).close();
  const reg = path.join(s.data, 'registry.d');
  fs.chmodSync(reg, 0o770);
  for (const create of [false, true]) {
    assert.throws(() => Registry.open({ create, env: s.env }), (err: Error & { code?: string }) => {
      assert.equal(err.code, ErrorCodes.REGISTRY_UNUSABLE);
      assert.match(err.message, /registry\.d/);
      assert.match(err.message, /writable by group or others/);
      return true;
    });
  }
  assert.equal(fs.statSync(reg).mode & 0o7777, 0o770);
  // A group-writable data dir is refused the same way.
  fs.chmodSync(reg, 0o700);
  fs.chmodSync(s.data, 0o775);
  assert.throws(() => Registry.open({ create: false, env: s.env }), { code: ErrorCodes.REGISTRY_UNUSABLE });
  assert.equal(fs.statSync(s.data).mode & 0o7777, 0o775);
});

test('a newer format.json is refused', () => {
  using s = dataScratch('reg');
  open(s.env).close();
  fs.writeFileSync(path.join(s.data, 'registry.d', 'format.json'), '{"schema":2,"writer":"ephemdir-node"}');
  assert.throws(() => Registry.open({ create: false, env: s.env }), { code: ErrorCodes.REGISTRY_UNUSABLE, message: /newer ephemdir/ });
  assert.throws(() => Registry.open({ create: true, env: s.env }), { code: ErrorCodes.REGISTRY_UNUSABLE, message: /newer ephemdir/ });
});

test('the Python ephemdir files in the same data dir are untouched byte for byte', () => {
  using s = dataScratch('reg');
  fs.mkdirSync(path.join(s.data, 'locks'), { recursive: true, mode: 0o700 });
  fs.chmodSync(s.data, 0o700);
  const py = {
    'registry.json': '{\n  "entries": {},\n  "schema_version": 3,\n  "writer": {"format": "registry-v3", "name": "ephemdir"}\n}\n',
    'registry.json.lock': '',
    'locks/delete-000.lock': '',
    'stats.json': '{\n  "created": 7,\n  "kept": 1,\n  "removed": 2,\n  "swept": 3\n}\n',
  };
  for (const [f, c] of Object.entries(py)) fs.writeFileSync(path.join(s.data, f), c, { mode: 0o600 });
  const before = snapshot(s.data);
  {
    using r = open(s.env);
    const e = makeEntry();
    r.create(e);
    r.incrementStat('created');
    r.update(e.id, (cur) => ({ entry: { ...cur!, expiresAt: 1 }, result: 0 }));
    r.list();
    r.dueHints(clock(2_000_000_000, 'x'), 10);
    r.lockEntry(e.id)!.release();
    r.update(e.id, () => ({ entry: null, result: 0 }));
    assert.deepEqual(r.stats(), { created: 1, swept: 0, kept: 0, removed: 0 }, 'our stats are separate from stats.json');
  }
  const after = snapshot(s.data, (rel) => rel === 'registry.d' || rel.startsWith('registry.d/'));
  const beforeNoDir = Object.fromEntries(Object.entries(before).filter(([k]) => k !== './'));
  delete (after as Record<string, string>)['./'];
  for (const f of Object.keys(py)) assert.equal(after[f], beforeNoDir[f], f);
  assert.equal(after['locks/'], beforeNoDir['locks/']);
  assert.deepEqual(fs.readdirSync(s.data).sort(), ['locks', 'registry.d', 'registry.json', 'registry.json.lock', 'stats.json']);
});

test('lockEntry: null when busy, BUSY after waitMs, update waits then fails', () => {
  using s = dataScratch('reg');
  using r = open(s.env);
  const e = makeEntry();
  r.create(e);
  const lock = r.lockEntry(e.id);
  assert.ok(lock);
  assert.equal(r.lockEntry(e.id), null, 'a lock held by this process counts as busy');
  // update is reentrant under a lock this process holds (the deleter commits this way).
  assert.equal(r.update(e.id, (cur) => ({ entry: { ...cur!, ino: 5 }, result: 'ok' })), 'ok');
  lock.release();
  lock.release(); // idempotent
  const again = r.lockEntry(e.id);
  assert.ok(again);
  again.release();
});

test('registry.d owned by another real user is refused', { skip: !isRoot && 'needs root to create a user' }, () => {
  using s = dataScratch('reg');
  const u = makeUser('own');
  try {
    open(s.env).close();
    const reg = path.join(s.data, 'registry.d');
    fs.chownSync(reg, u.uid, u.gid);
    assert.throws(() => Registry.open({ create: false, env: s.env }), (err: Error & { code?: string }) => {
      assert.equal(err.code, ErrorCodes.REGISTRY_UNUSABLE);
      assert.match(err.message, new RegExp(`owned by uid ${u.uid}`));
      return true;
    });
    fs.chownSync(reg, 0, 0);
    // A foreign-owned entry file is a problem, not an entry.
    using r = open(s.env);
    const e = makeEntry();
    r.create(e);
    fs.chownSync(entryFile(s.data, e.id), u.uid, u.gid);
    const l = r.list();
    assert.deepEqual(l.entries, []);
    assert.match(l.problems[0]!.reason, new RegExp(`owned by uid ${u.uid}`));
    assert.throws(() => r.get(e.id), { code: ErrorCodes.REGISTRY_UNUSABLE });
  } finally {
    u.remove();
  }
});
