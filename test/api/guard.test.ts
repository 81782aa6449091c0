// The deletion guard against hand-edited registry entries: entries that name
// ephemdir's own folders (the registry, a shard, the config directory,
// something inside them, the data directory's parent) or a staging folder of
// the protocol, each with a planted marker and the right inode, are never
// removed by a sweep, a forced sweep, remove() or `ephemdir rm`.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { isolatedEnv } from '../helpers/api-env';
import { buildEntry } from '../helpers/entry';
import { MAIN } from '../helpers/cli';
import { isRoot, isLinux } from '../helpers/scratch';
import { Registry } from '../../src/store/registry';
import * as api from '../../src/api/index';

const env = isolatedEnv('guard');
after(() => env.cleanup());

/** Tracks `dir` as if the registry had been edited by hand: due now, its inode, a planted marker. */
function track(dir: string, tag: string): string {
  const id = crypto.randomBytes(16).toString('hex');
  const st = fs.statSync(dir);
  fs.writeFileSync(path.join(dir, '.ephemdir'), `${id}\n`, { mode: 0o600 });
  using reg = Registry.open({ create: true })!;
  reg.create(
    buildEntry({
      id,
      path: dir,
      parent: path.dirname(dir),
      name: path.basename(dir),
      createdAt: Date.now() / 1000 - 60,
      expiresAt: Date.now() / 1000 - 30,
      removeOnRestart: false,
      tags: [tag],
      bootId: null,
      bootTime: null,
      dev: st.dev,
      ino: st.ino,
      mountId: null,
      uid: st.uid,
    }),
  );
  return id;
}

function targets(): Record<string, string> {
  const anchor = api.tempdirSync({ parent: env.work, lifetime: '1h' });
  const shard = path.join(env.data, 'registry.d', 'entries', anchor.id[0]!);
  fs.mkdirSync(path.join(env.config, 'sub'), { recursive: true, mode: 0o700 });
  fs.writeFileSync(path.join(env.config, 'config.toml'), '', { mode: 0o600 });
  const staging = path.join(env.work, `.ephemdir-staging-${crypto.randomBytes(16).toString('hex')}`);
  fs.mkdirSync(path.join(staging, 'tree'), { recursive: true, mode: 0o700 });
  return {
    registry: path.join(env.data, 'registry.d'),
    shard,
    names: path.join(env.data, 'registry.d', 'names'),
    config: env.config,
    'inside config': path.join(env.config, 'sub'),
    'data dir': env.data,
    "data dir's parent": env.root,
    'staging folder': staging,
    'inside a staging folder': path.join(staging, 'tree'),
  };
}

test("entries naming ephemdir's own folders or a staging folder are never removed", async () => {
  const all = targets();
  for (const dir of Object.values(all)) track(dir, 'guard');
  const exists = () => {
    for (const [what, dir] of Object.entries(all)) assert.equal(fs.existsSync(dir), true, `${what} (${dir}) was deleted`);
  };
  const dry = await api.sweep({ force: true, dryRun: true, tags: ['guard'] });
  assert.deepEqual(dry.removed.map((i) => i.path), [], 'not even offered by a dry run');
  const report = await api.sweep({ force: true, tags: ['guard'] });
  exists();
  assert.deepEqual(report.removed, []);
  for (const [what, dir] of Object.entries(all)) {
    const item = report.deferred.find((i) => i.path === dir);
    assert.ok(item?.blockers.includes('protected-path'), `${what} held back by the guard: ${JSON.stringify(item)}`);
  }
  for (const [what, dir] of Object.entries(all)) {
    await assert.rejects(api.remove(dir), (err: { code: string; message: string }) => {
      assert.match(err.message, /refusing/, what);
      return true;
    });
  }
  exists();
  const cli = spawnSync(process.execPath, [MAIN, 'sweep', '--force', '--json', '--tag', 'guard'], { encoding: 'utf8', env: process.env });
  assert.equal(JSON.parse(cli.stdout).removed.length, 0, cli.stderr);
  for (const dir of Object.values(all)) spawnSync(process.execPath, [MAIN, 'rm', dir], { encoding: 'utf8', env: process.env });
  exists();
  // A plain directory beside them is still removed: the guard is not a blanket refusal.
  const plain = api.tempdirSync({ parent: env.work, lifetime: 0, tags: ['guard'] });
  assert.deepEqual((await api.sweep({ tags: ['guard'] })).removed.map((i) => i.path), [plain.path]);
});

test('the data directory reached through a bind mount is recognised by identity', { skip: !(isRoot && isLinux) && 'needs root on Linux to bind-mount' }, async () => {
  const alias = path.join(env.work, 'alias');
  fs.mkdirSync(alias, { mode: 0o700 });
  spawnSync('mount', ['--bind', env.data, alias]);
  try {
    const target = path.join(alias, 'registry.d', 'names');
    track(target, 'bind');
    const report = await api.sweep({ force: true, tags: ['bind'] });
    assert.deepEqual(report.removed, []);
    assert.equal(fs.existsSync(path.join(env.data, 'registry.d', 'names')), true);
  } finally {
    spawnSync('umount', [alias]);
  }
});
