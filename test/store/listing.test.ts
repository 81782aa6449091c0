import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Registry } from '../../src/store/registry';
import {
  decodeShardCache, encodeShardCache, ENTRY_FIELDS, sameIdentity, settled, SETTLE_MS, type Identity, type ShardCache,
} from '../../src/store/listing-cache';
import { dataScratch, entryFile, makeEntry, makeUser, newId } from './_helpers';
import { isRoot } from '../helpers/scratch';
import type { Entry } from '../../src/model/entry';

const FIELDS = ENTRY_FIELDS;
/** A clock far enough ahead that every file counts as settled. */
const LATER = () => Date.now() + 10 * SETTLE_MS;

function open(env: NodeJS.ProcessEnv): Registry {
  const r = Registry.open({ create: true, env });
  assert.ok(r);
  return r;
}

function cacheFiles(data: string): string[] {
  try {
    return fs.readdirSync(path.join(data, 'registry.d', 'listing')).filter((n) => !n.startsWith('.')).sort();
  } catch {
    return [];
  }
}

function cachePath(data: string, id: string): string {
  return path.join(data, 'registry.d', 'listing', `${id[0]}.json`);
}

/**
 * Sets the mtime of every shard folder and entry file an hour back, so a
 * change made right after this is never within the same clock tick as the
 * identity the cache records (the case SETTLE_MS guards in real use).
 */
function age(data: string): void {
  const old = new Date(Date.now() - 3_600_000);
  const entries = path.join(data, 'registry.d', 'entries');
  for (const shard of fs.readdirSync(entries)) {
    for (const f of fs.readdirSync(path.join(entries, shard))) fs.utimesSync(path.join(entries, shard, f), old, old);
    fs.utimesSync(path.join(entries, shard), old, old);
  }
}

/** Waits past a coarse clock tick, so a change of ctime alone is visible. */
function nextTick(): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 25);
}

/** Entries in one shard (same first hex digit), so one cache file covers them all. */
function sameShard(n: number, digit = 'a'): Entry[] {
  return Array.from({ length: n }, () => makeEntry({ id: digit + newId().slice(1) }));
}

test('settled: only what changed more than SETTLE_MS before the read', () => {
  const now = 1_800_000_000_000;
  const id = (m: number, c: number): Identity => [1, 2, m, c];
  const rows: [Identity, boolean][] = [
    [id(now - SETTLE_MS - 1, now - SETTLE_MS - 1), true],
    [id(now - SETTLE_MS, now - SETTLE_MS - 1), false],
    [id(now - SETTLE_MS - 1, now - SETTLE_MS), false],
    [id(now - 10, now - 3 * SETTLE_MS), false],
    [id(now + 5000, now - 3 * SETTLE_MS), false],
    [id(0, 0), true],
  ];
  for (const [ident, want] of rows) assert.equal(settled(ident, now), want, JSON.stringify(ident));
  assert.equal(sameIdentity([1, 2, 3, 4], [1, 2, 3, 4]), true);
  for (let i = 0; i < 4; i++) {
    const other: Identity = [1, 2, 3, 4];
    other[i] += 1e-3;
    assert.equal(sameIdentity([1, 2, 3, 4], other), false, `field ${i}`);
  }
});

test('decodeShardCache: a round trip, and null for anything not exactly this shard, format and shape', () => {
  const e = makeEntry({ id: 'b' + newId().slice(1) });
  const cache: ShardCache = { shard: 'b', dir: [10, 4096, 1.5, 2.5], files: [{ id: e.id, file: [11, 700, 3.25, 4.125], entry: e, extras: [['future', { x: 1 }]] }] };
  const data = encodeShardCache(cache);
  assert.deepEqual(decodeShardCache(data, 'b'), cache);
  const json = JSON.parse(data.toString()) as Record<string, unknown>;
  const variant = (over: Record<string, unknown>) => Buffer.from(JSON.stringify({ ...json, ...over }));
  const file = (json.files as unknown[][])[0]!;
  const rejected: [string, Buffer, string][] = [
    ['not JSON', Buffer.from('{"format":1,'), 'b'],
    ['an array', Buffer.from('[]'), 'b'],
    ['another format', variant({ format: 2 }), 'b'],
    ['another entry shape', variant({ fields: FIELDS + ',newField' }), 'b'],
    ['another shard', data, 'c'],
    ['a bad folder identity', variant({ dir: [1, 2, 3] }), 'b'],
    ['a non-finite identity', Buffer.from(data.toString().replace('[10,4096,1.5,2.5]', '[10,4096,1.5,"x"]')), 'b'],
    ['files not an array', variant({ files: {} }), 'b'],
    ['an id outside the shard', variant({ files: [['c' + e.id.slice(1), file[1], { ...e, id: 'c' + e.id.slice(1) }, []]] }), 'b'],
    ['an entry whose id differs', variant({ files: [[e.id, file[1], { ...e, id: newId() }, []]] }), 'b'],
    ['a malformed id', variant({ files: [['B' + e.id.slice(1), file[1], e, []]] }), 'b'],
    ['a missing entry', variant({ files: [[e.id, file[1], null, []]] }), 'b'],
    ['extras not an array', variant({ files: [[e.id, file[1], e, {}]] }), 'b'],
    ['a short file record', variant({ files: [[e.id, file[1], e]] }), 'b'],
  ];
  for (const [why, bytes, shard] of rejected) assert.equal(decodeShardCache(bytes, shard), null, why);
});

test('fresh files are never cached; settled shards are, and a listing from the cache equals one from the files', () => {
  using s = dataScratch('listing');
  using r = open(s.env);
  const entries = [...sameShard(5, 'a'), ...sameShard(3, 'c'), makeEntry({ tags: ['x'], description: 'd\u00e9j\u00e0 vu' })];
  for (const e of entries) r.create(e);
  const expected = r.list({ cache: false });
  assert.equal(expected.entries.length, entries.length);
  // Just written: inside the settle window, so nothing may be cached.
  assert.deepEqual(r.list(), expected);
  assert.deepEqual(cacheFiles(s.data), []);
  // With the clock moved on, every shard is cached, and read back identically.
  assert.deepEqual(r.list({ nowMs: LATER() }), expected);
  const shards = [...new Set(entries.map((e) => `${e.id[0]}.json`))].sort();
  assert.deepEqual(cacheFiles(s.data), shards);
  for (const f of cacheFiles(s.data)) assert.equal(fs.statSync(path.join(s.data, 'registry.d', 'listing', f)).mode & 0o777, 0o600);
  assert.deepEqual(r.list(), expected);
});

test('a cache hit really skips the entry files (so its entries must match them exactly)', () => {
  using s = dataScratch('listing');
  using r = open(s.env);
  const [e] = sameShard(1, 'd');
  r.create(e!);
  age(s.data);
  r.list({ nowMs: LATER() });
  // Change the cached copy only: the entry file and the shard folder are untouched.
  const file = cachePath(s.data, e!.id);
  fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('"description":null', '"description":"from the cache"'));
  assert.equal(r.list().entries[0]!.description, 'from the cache');
  assert.equal(r.list({ cache: false }).entries[0]!.description, null);
});

test('every change after the cache was written is seen: update, create, delete, in-place edit, chmod', () => {
  using s = dataScratch('listing');
  using r = open(s.env);
  const [a, b, c] = sameShard(3, 'e');
  for (const e of [a!, b!, c!]) r.create(e);
  const warm = () => {
    age(s.data);
    r.list({ nowMs: LATER() });
  };
  const descriptions = () => Object.fromEntries(r.list().entries.map((e) => [e.id, e.description]));

  warm();
  r.update(a!.id, (cur) => ({ entry: { ...cur!, description: 'updated' }, result: undefined }));
  assert.equal(descriptions()[a!.id], 'updated');

  warm();
  const d = makeEntry({ id: 'e' + newId().slice(1) });
  r.create(d);
  assert.ok(d.id in descriptions(), 'a new entry is listed');

  warm();
  r.update(b!.id, () => ({ entry: null, result: undefined }));
  assert.ok(!(b!.id in descriptions()), 'a deleted entry is not listed');

  // Written in place (same inode, same length): only the file's ctime moves.
  warm();
  const f = entryFile(s.data, c!.id);
  const before = fs.readFileSync(f, 'utf8');
  const edited = before.replace('"brave-otter-', '"brave-otteR-').replace(`/brave-otter-${c!.id.slice(0, 16)}"`, `/brave-otteR-${c!.id.slice(0, 16)}"`);
  assert.equal(edited.length, before.length);
  const ino = fs.statSync(f).ino;
  fs.writeFileSync(f, edited);
  assert.equal(fs.statSync(f).ino, ino);
  assert.equal(r.list().entries.find((e) => e.id === c!.id)!.name, `brave-otteR-${c!.id.slice(0, 16)}`);

  // A chmod that makes the file unsafe is a problem again at once.
  warm();
  nextTick();
  fs.chmodSync(f, 0o666);
  const l = r.list();
  assert.ok(!l.entries.some((e) => e.id === c!.id));
  assert.match(l.problems.find((p) => p.id === c!.id)!.reason, /writable by group or others/);
  fs.chmodSync(f, 0o600);
});

test('a shard with a problem is never cached; problems are reported on every listing', () => {
  using s = dataScratch('listing');
  using r = open(s.env);
  const [good] = sameShard(1, 'f');
  r.create(good!);
  const bad = 'f' + newId().slice(1);
  fs.writeFileSync(entryFile(s.data, bad), '{"schema":1,', { mode: 0o600 });
  for (let i = 0; i < 2; i++) {
    const l = r.list({ nowMs: LATER() });
    assert.deepEqual(l.entries.map((e) => e.id), [good!.id]);
    assert.deepEqual(l.problems.map((p) => p.id), [bad]);
    assert.deepEqual(cacheFiles(s.data), []);
  }
});

test('an unusable cache file is ignored and replaced: garbage, a directory, another shape', () => {
  using s = dataScratch('listing');
  using r = open(s.env);
  const entries = sameShard(2, '1');
  for (const e of entries) r.create(e);
  const expected = r.list({ cache: false });
  r.list({ nowMs: LATER() });
  const file = cachePath(s.data, entries[0]!.id);
  const good = fs.readFileSync(file);
  for (const bytes of ['', 'garbage', good.toString().replace(`"fields":"${FIELDS}"`, '"fields":"id,path"')]) {
    fs.writeFileSync(file, bytes);
    assert.deepEqual(r.list({ nowMs: LATER() }), expected);
    assert.deepEqual(fs.readFileSync(file), good, 'rewritten from the files');
  }
  fs.rmSync(file);
  fs.mkdirSync(file);
  assert.deepEqual(r.list({ nowMs: LATER() }), expected);
  fs.rmdirSync(file);
});

test('a cache file owned by another user is never used', { skip: !isRoot && 'needs root to create a user' }, () => {
  using s = dataScratch('listing');
  const user = makeUser('lc');
  try {
    using r = open(s.env);
    const [e] = sameShard(1, '2');
    r.create(e!);
    r.list({ nowMs: LATER() });
    const file = cachePath(s.data, e!.id);
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('"description":null', '"description":"planted"'));
    fs.chownSync(file, user.uid, user.gid);
    assert.equal(r.list().entries[0]!.description, null);
  } finally {
    user.remove();
  }
});
