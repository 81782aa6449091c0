import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { FileStore } from '../../src/companions/file-store';
import { scratch } from '../helpers/scratch';

const companionsModule = path.resolve(__dirname, '../../src/companions/file-store.js');
const fixture = (name: string) => path.resolve(__dirname, '../../../test/fixtures', name);

test('prepare creates tmp/new/cur, is idempotent, and re-creates a removed store', () => {
  using s = scratch('fs');
  const dir = path.join(s.dir, 'store1');
  fs.mkdirSync(dir);
  const store = new FileStore(dir);
  assert.deepEqual(fs.readdirSync(dir), []);
  store.prepare();
  assert.deepEqual(fs.readdirSync(dir).sort(), ['cur', 'new', 'tmp']);
  store.prepare();
  assert.deepEqual(fs.readdirSync(dir).sort(), ['cur', 'new', 'tmp']);
  fs.rmSync(dir, { recursive: true });
  assert.deepEqual(fs.readdirSync(s.dir), []);
  store.prepare();
  assert.deepEqual(fs.readdirSync(s.dir), ['store1']);
  assert.deepEqual(fs.readdirSync(dir).sort(), ['cur', 'new', 'tmp']);
  for (const a of ['tmp', 'new', 'cur']) assert.equal(fs.lstatSync(path.join(dir, a)).mode & 0o777, 0o700);
});

test('the gocept walk-through: create, move, copy, remove', async () => {
  using s = scratch('fs');
  const dir = path.join(s.dir, 'store');
  const store = new FileStore(dir);
  store.prepare();
  const f = await store.create('a-file');
  assert.equal(f.path, path.join(dir, 'tmp', 'a-file'));
  assert.deepEqual(store.list('tmp'), [path.join(dir, 'tmp', 'a-file')]);
  await f.write('Die Ente bleibt draussen!');
  await f.close();

  store.move('a-file', 'tmp', 'new');
  assert.deepEqual(store.list('tmp'), []);
  assert.deepEqual(store.list('new'), [path.join(dir, 'new', 'a-file')]);
  store.move('a-file', 'new', 'cur');
  assert.deepEqual(store.list('new'), []);
  assert.deepEqual(store.list('cur'), [path.join(dir, 'cur', 'a-file')]);

  await store.copy('a-file', 'cur', 'tmp');
  assert.deepEqual(store.list('cur'), [path.join(dir, 'cur', 'a-file')]);
  assert.deepEqual(store.list('tmp'), [path.join(dir, 'tmp', 'a-file')]);
  assert.equal(fs.readFileSync(path.join(dir, 'tmp', 'a-file'), 'utf8'), 'Die Ente bleibt draussen!');
  assert.notEqual(fs.lstatSync(path.join(dir, 'tmp', 'a-file')).ino, fs.lstatSync(path.join(dir, 'cur', 'a-file')).ino);

  store.remove('a-file', 'cur');
  assert.deepEqual(store.list('cur'), []);
  assert.throws(() => store.remove('a-file', 'cur'), { code: 'ENOENT' });
});

test('move and copy never replace an existing file', async () => {
  using s = scratch('fs');
  const store = new FileStore(path.join(s.dir, 'store'));
  store.prepare();
  fs.writeFileSync(path.join(store.path, 'tmp', 'x'), 'tmp version');
  fs.writeFileSync(path.join(store.path, 'new', 'x'), 'new version');
  assert.throws(() => store.move('x', 'tmp', 'new'), (err: NodeJS.ErrnoException & { dest?: string }) => {
    assert.equal(err.code, 'EEXIST');
    assert.equal(err.syscall, 'rename');
    assert.equal(err.path, path.join(store.path, 'tmp', 'x'));
    assert.equal(err.dest, path.join(store.path, 'new', 'x'));
    return true;
  });
  await assert.rejects(store.copy('x', 'tmp', 'new'), { code: 'EEXIST' });
  assert.equal(fs.readFileSync(path.join(store.path, 'new', 'x'), 'utf8'), 'new version');
  assert.equal(fs.readFileSync(path.join(store.path, 'tmp', 'x'), 'utf8'), 'tmp version');
  assert.deepEqual(fs.readdirSync(path.join(store.path, 'new')), ['x'], 'no copy temp file left behind');
  assert.throws(() => store.move('missing', 'tmp', 'new'), { code: 'ENOENT' });
});

test('create modes', async () => {
  using s = scratch('fs');
  const store = new FileStore(path.join(s.dir, 'store'));
  store.prepare();
  let h = await store.create('f');
  await h.write('first');
  await h.close();
  h = await store.create('f', 'a');
  await h.write('+more');
  await h.close();
  assert.equal(fs.readFileSync(path.join(store.path, 'tmp', 'f'), 'utf8'), 'first+more');
  await assert.rejects(store.create('f', 'wx'), { code: 'EEXIST' });
  h = await store.create('f', 'w+');
  await h.write('new');
  const { bytesRead, buffer } = await h.read(Buffer.alloc(10), 0, 10, 0);
  assert.equal(buffer.subarray(0, bytesRead).toString(), 'new');
  await h.close();
  h = await store.create('g', 'wb');
  await h.close();
  await assert.rejects(store.create('g', 'r' as never), { code: 'EPHEMDIR_INVALID_ARGUMENT' });
});

test('names are single components and areas are only tmp, new and cur', async () => {
  using s = scratch('fs');
  const store = new FileStore(path.join(s.dir, 'store'));
  store.prepare();
  for (const bad of ['', '.', '..', 'a/b', '../x', 'a\0b', '.ephemdir-copy-1', 5 as never]) {
    assert.throws(() => store.move(bad, 'tmp', 'new'), { code: 'EPHEMDIR_INVALID_ARGUMENT' }, String(bad));
    assert.throws(() => store.remove(bad, 'tmp'), { code: 'EPHEMDIR_INVALID_ARGUMENT' });
    await assert.rejects(store.create(bad), { code: 'EPHEMDIR_INVALID_ARGUMENT' });
  }
  for (const bad of ['TMP', 'other', '', '..', 'tmp/', 1 as never]) {
    assert.throws(() => store.list(bad as never), { code: 'EPHEMDIR_INVALID_ARGUMENT' });
    assert.throws(() => store.move('x', 'tmp', bad as never), { code: 'EPHEMDIR_INVALID_ARGUMENT' });
  }
  assert.throws(() => store.move('x', 'new', 'new'), { code: 'EPHEMDIR_INVALID_ARGUMENT' });
});

test('symlinks are never followed: a planted area or file symlink is refused', async () => {
  using s = scratch('fs');
  const outside = path.join(s.dir, 'outside');
  fs.mkdirSync(outside);
  fs.writeFileSync(path.join(outside, 'secret'), 'keep');
  const store = new FileStore(path.join(s.dir, 'store'));
  store.prepare();
  fs.symlinkSync(path.join(outside, 'secret'), path.join(store.path, 'tmp', 'link'));
  await assert.rejects(store.create('link'), { code: 'ELOOP' });
  assert.equal(fs.readFileSync(path.join(outside, 'secret'), 'utf8'), 'keep');
  await assert.rejects(store.copy('link', 'tmp', 'new'), { code: 'ELOOP' });
  fs.rmSync(path.join(store.path, 'cur'), { recursive: true });
  fs.symlinkSync(outside, path.join(store.path, 'cur'));
  assert.throws(() => store.list('cur'), { code: 'EPHEMDIR_INVALID_STATE' });
  assert.throws(() => store.prepare(), { code: 'EPHEMDIR_INVALID_STATE' });
  fs.symlinkSync(path.join(s.dir, 'store'), path.join(s.dir, 'alias'));
  assert.throws(() => new FileStore(path.join(s.dir, 'alias')).list('tmp'), { code: 'EPHEMDIR_SYMLINK_IN_PATH' });
});

test('an unprepared store gives a clear error', () => {
  using s = scratch('fs');
  const store = new FileStore(path.join(s.dir, 'nothing'));
  assert.throws(() => store.list('new'), { code: 'ENOENT' });
  fs.mkdirSync(store.path);
  assert.throws(() => store.list('new'), { code: 'EPHEMDIR_INVALID_STATE', message: /prepare\(\)/ });
});

function contender(args: string[]): { child: ChildProcess; ready: Promise<void>; done: Promise<{ ok: boolean; code?: string; from: string }> } {
  const child = spawn(process.execPath, [fixture('companions-move.js'), companionsModule, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  let readyResolve!: () => void;
  const ready = new Promise<void>((r) => (readyResolve = r));
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
    if (out.startsWith('ready\n')) readyResolve();
  });
  const done = new Promise<{ ok: boolean; code?: string; from: string }>((resolve, reject) => {
    child.on('exit', (code) => {
      if (code !== 0) reject(new Error(`contender exited ${code}: ${out}`));
      else resolve(JSON.parse(out.split('\n')[1]!));
    });
  });
  return { child, ready, done };
}

async function race(store: FileStore, go: string, specs: Array<[string, string]>, name: string) {
  const cs = specs.map(([from, to]) => contender([store.path, go, name, from, to]));
  await Promise.all(cs.map((c) => c.ready));
  fs.writeFileSync(go, '');
  const results = await Promise.all(cs.map((c) => c.done));
  fs.unlinkSync(go);
  return results;
}

test('8 processes move the same file new -> cur at once: exactly one wins', async () => {
  using s = scratch('fs');
  const store = new FileStore(path.join(s.dir, 'store'));
  store.prepare();
  for (let round = 0; round < 5; round++) {
    const payload = `payload ${round} ${'x'.repeat(10000)}`;
    fs.writeFileSync(path.join(store.path, 'new', 'a-file'), payload);
    const results = await race(store, path.join(s.dir, 'go'), Array.from({ length: 8 }, () => ['new', 'cur'] as [string, string]), 'a-file');
    const winners = results.filter((r) => r.ok);
    assert.equal(winners.length, 1, JSON.stringify(results));
    for (const r of results.filter((x) => !x.ok)) assert.equal(r.code, 'ENOENT', JSON.stringify(r));
    assert.deepEqual(store.list('new'), []);
    assert.deepEqual(store.list('cur'), [path.join(store.path, 'cur', 'a-file')]);
    assert.equal(fs.readFileSync(path.join(store.path, 'cur', 'a-file'), 'utf8'), payload);
    store.remove('a-file', 'cur');
  }
});

test('processes moving two different files to the same name: none is overwritten', async () => {
  using s = scratch('fs');
  const store = new FileStore(path.join(s.dir, 'store'));
  store.prepare();
  fs.writeFileSync(path.join(store.path, 'tmp', 'b'), 'from tmp');
  fs.writeFileSync(path.join(store.path, 'new', 'b'), 'from new');
  const specs = Array.from({ length: 8 }, (_, i) => [i % 2 ? 'tmp' : 'new', 'cur'] as [string, string]);
  const results = await race(store, path.join(s.dir, 'go'), specs, 'b');
  const winners = results.filter((r) => r.ok);
  assert.equal(winners.length, 1, JSON.stringify(results));
  const winner = winners[0]!.from;
  const loser = winner === 'tmp' ? 'new' : 'tmp';
  for (const r of results.filter((x) => !x.ok)) assert.ok(r.code === 'ENOENT' || r.code === 'EEXIST', JSON.stringify(r));
  assert.ok(results.some((r) => !r.ok && r.code === 'EEXIST'), 'the other file was refused, not replaced');
  assert.equal(fs.readFileSync(path.join(store.path, 'cur', 'b'), 'utf8'), `from ${winner}`);
  assert.equal(fs.readFileSync(path.join(store.path, loser, 'b'), 'utf8'), `from ${loser}`);
  assert.deepEqual(store.list(winner as 'tmp'), []);
});
