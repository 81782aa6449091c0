// A dataDir is held to the rules the configured data folder has: one others
// may write, one owned by another user, one reached through a symlink or an
// unsafe folder, a file, a registry.d others may write: every function that
// takes dataDir refuses it with EPHEMDIR_REGISTRY_UNUSABLE, naming the folder
// and why, before anything is touched. A trusted one that does not exist yet
// is created 0700, by tempdir() only. And the deletion guard of a call on a
// dataDir protects the user's data folder as well as its own.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isolatedEnv } from '../helpers/api-env';
import { snapshotTree } from '../helpers/cli-sandbox';
import { buildEntry } from '../helpers/entry';
import { code, registries } from '../helpers/registries';
import { createUser, chownTree, usersUnavailable, type TestUser } from '../helpers/users';
import * as api from '../../src/api/index';
import { withTempdir, withTempdirSync } from '../../src/api/scoped';
import { testTempdir } from '../../src/testing';
import { Registry } from '../../src/store/registry';

const env = isolatedEnv('data-dir-trust');
after(() => env.cleanup());

const { OWN, DEFAULT, make, tracked } = registries(env);

describe('an untrusted dataDir is refused before anything is touched', () => {
  const bad = path.join(env.root, 'bad');
  fs.mkdirSync(bad, { mode: 0o700 });
  const groupWritable = path.join(bad, 'group-writable');
  fs.mkdirSync(groupWritable);
  fs.chmodSync(groupWritable, 0o770);
  const open = path.join(bad, 'open');
  fs.mkdirSync(open);
  fs.chmodSync(open, 0o777);
  const file = path.join(bad, 'file');
  fs.writeFileSync(file, 'x');
  fs.mkdirSync(path.join(bad, 'real'), { mode: 0o700 });
  fs.symlinkSync(path.join(bad, 'real'), path.join(bad, 'link'));
  const badRegistry = path.join(bad, 'bad-registry');
  fs.mkdirSync(path.join(badRegistry, 'registry.d'), { recursive: true, mode: 0o700 });
  fs.chmodSync(path.join(badRegistry, 'registry.d'), 0o777);

  const CASES: Array<[string, string]> = [
    ['group-writable', groupWritable],
    ['missing, below a world-writable folder without the sticky bit', path.join(open, 'a', 'registry')],
    ['a regular file', file],
    ['below a regular file', path.join(file, 'registry')],
    ['through a symlink', path.join(bad, 'link')],
    ['below a symlink', path.join(bad, 'link', 'registry')],
    ['with an others-writable registry.d', badRegistry],
  ];

  // Every function that takes dataDir, on a target the default registry tracks.
  const target = make(DEFAULT);
  const CALLS: Array<[string, (d: string) => unknown]> = [
    ['tempdir', (d) => api.tempdir({ parent: env.work, dataDir: d })],
    ['tempdirSync', (d) => api.tempdirSync({ parent: env.work, dataDir: d })],
    ['withTempdir', (d) => withTempdir(() => 1, { parent: env.work, dataDir: d })],
    ['withTempdirSync', (d) => withTempdirSync(() => 1, { parent: env.work, dataDir: d })],
    ['testTempdir', (d) => testTempdir({ after() {} }, { parent: env.work, dataDir: d })],
    ['sweep', (d) => api.sweep({ force: true, dataDir: d })],
    ['list', (d) => api.list({ dataDir: d })],
    ['registered', (d) => api.registered({ dataDir: d })],
    ['stats', (d) => api.stats({ dataDir: d })],
    ['last', (d) => api.last({ dataDir: d })],
    ['resolve', (d) => api.resolve(target.name, { dataDir: d })],
    ['keep', (d) => api.keep(target.name, { dataDir: d })],
    ['extend', (d) => api.extend(target.name, '2h', { dataDir: d })],
    ['remove', (d) => api.remove(target.name, { dataDir: d })],
    ['explain', (d) => api.explain(target.name, { dataDir: d })],
    ['recover', (d) => api.recover(target.name, { forget: true, dataDir: d })],
    ['prune', (d) => api.prune({ dataDir: d })],
    ['currentTarget', (d) => api.currentTarget(target.path, { dataDir: d })],
  ];

  async function refusal(call: () => unknown): Promise<Error & { code?: string; path?: string }> {
    try {
      await call();
    } catch (err) {
      return err as Error & { code?: string; path?: string };
    }
    assert.fail('expected a refusal');
  }

  for (const [what, dir] of CASES) {
    it(`${what}: every function refuses it with EPHEMDIR_REGISTRY_UNUSABLE naming the folder and why`, async () => {
      for (const [fn, call] of CALLS) {
        const before = snapshotTree(env.root);
        const err = await refusal(() => call(dir));
        assert.equal(err.code, 'EPHEMDIR_REGISTRY_UNUSABLE', `${fn}: ${err.message}`);
        assert.ok(err.message.includes(path.dirname(dir)), `${fn}: the message names the folder: ${err.message}`);
        assert.match(err.message, /writable|symlink|not a directory|ENOTDIR|owned/, `${fn}: the message says why: ${err.message}`);
        assert.deepEqual(snapshotTree(env.root), before, `${fn} changed something`);
      }
      assert.ok(await tracked(DEFAULT, target));
    });
  }

  it(
    "owned by another user: refused, and so is a path through that user's folder",
    { skip: usersUnavailable() ?? false },
    async () => {
      let user: TestUser | null = null;
      const theirs = path.join(env.root, 'theirs');
      fs.mkdirSync(path.join(theirs, 'registry'), { recursive: true, mode: 0o700 });
      try {
        user = createUser();
        chownTree(theirs, user);
        for (const dir of [theirs, path.join(theirs, 'registry'), path.join(theirs, 'missing')]) {
          for (const [fn, call] of CALLS) {
            const before = snapshotTree(env.root);
            const err = await refusal(() => call(dir));
            assert.equal(err.code, 'EPHEMDIR_REGISTRY_UNUSABLE', `${fn} ${dir}: ${err.message}`);
            assert.match(err.message, new RegExp(`owned by uid ${user.uid}`), `${fn}: ${err.message}`);
            assert.deepEqual(snapshotTree(env.root), before, `${fn} changed something`);
          }
        }
      } finally {
        fs.rmSync(theirs, { recursive: true, force: true });
        user?.remove();
      }
    },
  );

  it('a trusted dataDir that does not exist yet: read-only calls create nothing, tempdir() creates it 0700', async () => {
    const fresh = path.join(env.root, 'fresh', 'a', 'b');
    assert.deepEqual(await api.list({ dataDir: fresh }), []);
    assert.equal((await api.sweep({ dataDir: fresh })).removed.length, 0);
    assert.equal(await api.last({ dataDir: fresh }), null);
    assert.equal(await code(api.keep('x', { dataDir: fresh })), 'EPHEMDIR_NOT_FOUND');
    assert.ok(!fs.existsSync(path.join(env.root, 'fresh')));
    const d = api.tempdirSync({ parent: env.work, dataDir: `${fresh}//` });
    for (const p of [path.join(env.root, 'fresh'), path.join(env.root, 'fresh', 'a'), fresh]) {
      assert.equal(fs.statSync(p).mode & 0o777, 0o700, p);
    }
    assert.ok(await tracked({ dataDir: fresh }, d));
    d.removeSync();
  });
});

describe('the deletion guard of a dataDir call', () => {
  /** Tracks `dir` in `dataDir` as a hand-edited registry would: due now, its inode, a planted marker. */
  function track(dataDir: string, dir: string): void {
    const id = crypto.randomBytes(16).toString('hex');
    const st = fs.statSync(dir);
    fs.writeFileSync(path.join(dir, '.ephemdir'), `${id}\n`, { mode: 0o600 });
    using reg = Registry.open({ create: true, dataDir })!;
    const now = Date.now() / 1000;
    reg.create(
      buildEntry({
        id, path: dir, parent: path.dirname(dir), name: path.basename(dir), createdAt: now - 60, expiresAt: now - 30,
        removeOnRestart: false, tags: ['guard'], bootId: null, bootTime: null, dev: st.dev, ino: st.ino, mountId: null, uid: st.uid,
      }),
    );
  }

  it("protects both its own data folder and the user's: entries naming folders inside either are never removed", async () => {
    make(DEFAULT);
    make(OWN);
    const victims = {
      "inside the user's data folder": path.join(env.data, 'precious'),
      'inside dataDir': path.join(OWN.dataDir!, 'precious'),
      "the user's data folder": env.data,
    };
    for (const dir of Object.values(victims)) {
      fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
      track(OWN.dataDir!, dir);
    }
    const report = await api.sweep({ ...OWN, force: true, tags: ['guard'] });
    assert.deepEqual(report.removed, []);
    for (const [what, dir] of Object.entries(victims)) {
      assert.ok(fs.existsSync(dir), `${what} was deleted`);
      const item = report.deferred.find((i) => i.path === dir);
      assert.ok(item?.blockers.includes('protected-path'), `${what} held back by the guard: ${JSON.stringify(item)}`);
    }
  });
});
