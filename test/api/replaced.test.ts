// Ownership is proved by the marker wherever the README says so: a directory
// replaced at the same path (an inode number reused after rm -rf + mkdir, or
// its marker changed, removed or made a symlink) lists as replaced, and
// extend(), keep(), hold(), remove() and resolve() refuse it, by name and
// through the handle, changing nothing.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isolatedEnv } from '../helpers/api-env';
import { Registry } from '../../src/store/registry';
import * as api from '../../src/api/index';

const env = isolatedEnv('replaced');
after(() => env.cleanup());

/** The entry now records `ino`, as if the file system had handed the old number to the new directory. */
function recordIno(id: string, ino: number): void {
  using reg = Registry.open({ create: false })!;
  reg.update(id, (cur) => ({ entry: { ...cur!, ino }, result: undefined }));
}

const REPLACEMENTS: Record<string, (d: api.EphemeralDirectory) => void> = {
  'rm -rf + mkdir, inode reused': (d) => {
    fs.rmSync(d.path, { recursive: true });
    fs.mkdirSync(d.path, { mode: 0o700 });
    recordIno(d.id, fs.statSync(d.path).ino);
  },
  'marker changed': (d) => fs.writeFileSync(path.join(d.path, '.ephemdir'), `${'ab'.repeat(16)}\n`),
  'marker removed': (d) => fs.rmSync(path.join(d.path, '.ephemdir')),
  'marker made a symlink to a valid one': (d) => {
    const elsewhere = path.join(env.root, `marker-${d.id}`);
    fs.writeFileSync(elsewhere, `${d.id}\n`);
    fs.rmSync(path.join(d.path, '.ephemdir'));
    fs.symlinkSync(elsewhere, path.join(d.path, '.ephemdir'));
  },
};

for (const [i, [how, replace]] of Object.entries(REPLACEMENTS).entries()) {
  test(`${how}: listed as replaced, and every ownership check refuses it`, async () => {
    const tag = `case-${i}`;
    const d = api.tempdirSync({ parent: env.work, lifetime: '1h', tags: [tag] });
    const other = api.tempdirSync({ parent: env.work, lifetime: '1h', tags: [tag] });
    assert.equal((await api.list({ tags: [tag] }))[0]!.status, 'active');
    replace(d);
    fs.writeFileSync(path.join(d.path, 'precious'), 'x');
    const listed = await api.list({ tags: [tag] });
    assert.deepEqual(
      listed.map((t) => [t.entry.path, t.status]),
      [
        [d.path, 'replaced'],
        [other.path, 'active'],
      ],
    );
    const before = (await api.registered()).find((e) => e.id === d.id)!;
    const notOurs = { code: 'EPHEMDIR_NOT_OURS' };
    await assert.rejects(api.extend(d.name, '2h'), notOurs);
    await assert.rejects(api.keep(d.name), notOurs);
    await assert.rejects(api.resolve(d.name), notOurs);
    await assert.rejects(api.remove(d.name), notOurs);
    assert.throws(() => d.extend('2h'), notOurs);
    assert.throws(() => d.keep(), notOurs);
    assert.throws(() => d.hold(), notOurs);
    assert.deepEqual((await api.registered()).find((e) => e.id === d.id), before, 'the entry is unchanged');
    const swept = await api.sweep({ force: true, tags: [tag] });
    assert.deepEqual(swept.removed.map((i) => i.path), [other.path]);
    assert.equal(fs.readFileSync(path.join(d.path, 'precious'), 'utf8'), 'x', 'never touched');
    // The way out: forget the entry; the directory stays as it is.
    assert.ok((await api.prune()).includes(d.path));
    assert.deepEqual(await api.list({ tags: [tag] }), []);
    assert.equal(fs.existsSync(path.join(d.path, 'precious')), true);
  });
}

test('a directory that is still ours is listed, extended and kept as before', async () => {
  const d = api.tempdirSync({ parent: env.work, lifetime: '1h', tags: ['ours'] });
  assert.equal((await api.list({ tags: ['ours'] }))[0]!.status, 'active');
  d.extend('10m');
  assert.equal((await api.list({ tags: ['ours'] }))[0]!.status, 'expiring');
  assert.equal(await api.resolve(d.name), d.path);
  d.hold().release();
  d.keep();
  assert.equal(fs.existsSync(d.path), true);
  fs.rmSync(d.path, { recursive: true });
});
