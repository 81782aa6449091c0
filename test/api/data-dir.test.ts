// A registry of one's own: the `dataDir` option of tempdir() and of every
// function that reads or changes the registry. Two registries never see each
// other (table-driven over the functions, both ways round), and the handle
// acts on the registry it was made in. (Trust rules: data-dir-trust.test.ts;
// other users and a process without a home: data-dir-users.test.ts.)
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isolatedEnv } from '../helpers/api-env';
import { code, registries } from '../helpers/registries';
import * as api from '../../src/api/index';
import { withTempdir, withTempdirSync } from '../../src/api/scoped';
import { testTempdir } from '../../src/testing';
import { Registry } from '../../src/store/registry';
import type { RegistryOptions } from '../../src/api/types';

const env = isolatedEnv('data-dir');
after(() => env.cleanup());

const { OWN, DEFAULT, make, tracked, trackedSync } = registries(env);
const label = (r: RegistryOptions) => (r.dataDir === undefined ? 'the default registry' : 'dataDir');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * One row per function: `mine` is a directory tracked in registry `reg`,
 * `theirs` one tracked in `other`. Each row calls the function on `other`
 * and on `reg` and checks that only `reg`'s call sees or changes `mine`.
 */
interface Row {
  fn: string;
  check(reg: RegistryOptions, other: RegistryOptions): Promise<void>;
}

const ROWS: Row[] = [
  {
    fn: 'list',
    async check(reg, other) {
      const mine = make(reg);
      const theirs = make(other);
      const ids = async (r: api.ListOptions) => (await api.list(r)).map((t) => t.entry.id);
      assert.ok((await ids(reg)).includes(mine.id));
      assert.ok(!(await ids(reg)).includes(theirs.id));
      assert.ok(!(await ids(other)).includes(mine.id));
      assert.ok((await ids({ ...reg, tags: [] })).includes(mine.id), 'with other options too');
    },
  },
  {
    fn: 'registered',
    async check(reg, other) {
      const mine = make(reg);
      const theirs = make(other);
      assert.ok(await tracked(reg, mine));
      assert.ok(!(await tracked(reg, theirs)));
      assert.ok(!(await tracked(other, mine)));
    },
  },
  {
    fn: 'stats',
    async check(reg, other) {
      const before = await api.stats(reg);
      const otherBefore = await api.stats(other);
      make(reg);
      const now = await api.stats(reg);
      assert.equal(now.created, before.created + 1);
      assert.equal(now.currentlyTracked, before.currentlyTracked + 1);
      assert.deepEqual(await api.stats(other), otherBefore);
    },
  },
  {
    fn: 'last',
    async check(reg, other) {
      const mine = make(reg);
      await sleep(5);
      const theirs = make(other); // newer: a shared registry would answer with it
      assert.equal((await api.last(reg))?.id, mine.id);
      assert.equal((await api.last(other))?.id, theirs.id);
    },
  },
  {
    fn: 'resolve',
    async check(reg, other) {
      const mine = make(reg);
      assert.equal(await code(api.resolve(mine.name, other)), 'EPHEMDIR_NOT_FOUND');
      assert.equal(await api.resolve(mine.name, reg), mine.path);
    },
  },
  {
    fn: 'match',
    async check(reg, other) {
      const mine = make(reg);
      assert.deepEqual(await api.match(mine.name, other), []);
      assert.deepEqual((await api.match(mine.name, reg)).map((e) => e.id), [mine.id]);
    },
  },
  {
    fn: 'keep',
    async check(reg, other) {
      const mine = make(reg);
      assert.equal(await code(api.keep(mine.name, other)), 'EPHEMDIR_NOT_FOUND');
      assert.ok(await tracked(reg, mine));
      assert.equal(await api.keep(mine.name, reg), mine.path);
      assert.ok(!(await tracked(reg, mine)));
      assert.ok(fs.existsSync(mine.path));
      fs.rmSync(mine.path, { recursive: true });
    },
  },
  {
    fn: 'extend',
    async check(reg, other) {
      const mine = make(reg);
      const expires = (await api.registered(reg)).find((e) => e.id === mine.id)!.expiresAt!;
      assert.equal(await code(api.extend(mine.name, '+1h', other)), 'EPHEMDIR_NOT_FOUND');
      assert.equal(await code(api.extend(mine.name, 3600, { relative: true, ...other })), 'EPHEMDIR_NOT_FOUND');
      assert.equal((await api.registered(reg)).find((e) => e.id === mine.id)!.expiresAt, expires);
      const e = await api.extend(mine.name, 3600, { relative: true, ...reg });
      assert.ok(Math.abs(e.expiresAt! - (expires + 3600)) < 1);
    },
  },
  {
    fn: 'remove',
    async check(reg, other) {
      const mine = make(reg);
      assert.equal(await code(api.remove(mine.name, other)), 'EPHEMDIR_NOT_FOUND');
      assert.equal(await code(api.remove(mine.path, other)), 'EPHEMDIR_NOT_FOUND');
      assert.ok(fs.existsSync(mine.path));
      assert.equal((await api.remove(mine.name, reg)).path, mine.path);
      assert.ok(!fs.existsSync(mine.path));
      assert.ok(!(await tracked(reg, mine)));
    },
  },
  {
    fn: 'explain',
    async check(reg, other) {
      const mine = make(reg);
      assert.equal(await code(api.explain(mine.name, other)), 'EPHEMDIR_NOT_FOUND');
      assert.equal((await api.explain(mine.name, reg)).path, mine.path);
    },
  },
  {
    fn: 'recover',
    async check(reg, other) {
      const mine = make(reg);
      // Parked mid-deletion (as a failed removal leaves it): only its own registry can forget it.
      using registry = Registry.open({ create: false, ...(reg.dataDir ? { dataDir: reg.dataDir } : {}) })!;
      registry.update(mine.id, (cur) => ({ entry: { ...cur!, state: 'recovery', lastError: 'parked by the test' }, result: undefined }));
      assert.equal(await code(api.recover(mine.name, { forget: true, ...other })), 'EPHEMDIR_NOT_FOUND');
      assert.ok(await tracked(reg, mine));
      assert.deepEqual(await api.recover(mine.name, { forget: true, ...reg }), { path: mine.path, action: 'forgotten' });
      assert.ok(!(await tracked(reg, mine)));
      fs.rmSync(mine.path, { recursive: true });
    },
  },
  {
    fn: 'prune',
    async check(reg, other) {
      const mine = make(reg);
      const theirs = make(other);
      fs.rmSync(mine.path, { recursive: true });
      fs.rmSync(theirs.path, { recursive: true });
      assert.deepEqual(await api.prune(other), [theirs.path]);
      assert.ok(await tracked(reg, mine), 'a missing directory of another registry is not forgotten');
      assert.deepEqual(await api.prune(reg), [mine.path]);
    },
  },
  {
    fn: 'sweep',
    async check(reg, other) {
      const mine = make(reg, 1);
      const theirs = make(other, 1);
      await sleep(1_100);
      const swept = await api.sweep({ ...other, tags: [] });
      assert.ok(swept.removed.some((i) => i.path === theirs.path));
      assert.ok(!swept.removed.some((i) => i.path === mine.path) && fs.existsSync(mine.path), 'not swept by another registry');
      assert.ok(!(await api.sweep({ ...reg, force: true, dryRun: true })).removed.some((i) => i.path === theirs.path));
      assert.ok((await api.sweep(reg)).removed.some((i) => i.path === mine.path));
      assert.ok(!fs.existsSync(mine.path));
    },
  },
  {
    fn: 'tempdir (its bounded sweep)',
    async check(reg, other) {
      const mine = make(reg, 1);
      await sleep(1_100);
      const made = await api.tempdir({ parent: env.work, lifetime: '1h', ...other });
      assert.ok(fs.existsSync(mine.path), "another registry's tempdir() does not sweep it");
      assert.ok(await tracked(other, made));
      assert.ok(!(await tracked(reg, made)));
      const again = await api.tempdir({ parent: env.work, lifetime: '1h', ...reg });
      assert.ok(!fs.existsSync(mine.path), "its own registry's tempdir() claims it");
      const third = await api.tempdir({ parent: env.work, lifetime: '1h', ...reg });
      assert.ok(third.sweep!.removed.some((i) => i.path === mine.path), 'and the next one removes it');
      assert.ok(again.sweep!.postponed >= 1);
    },
  },
  {
    fn: 'currentTarget',
    async check(reg, other) {
      const mine = make(reg);
      const inside = path.join(mine.path, 'sub');
      fs.mkdirSync(inside);
      assert.equal(await code(api.currentTarget(inside, other)), 'EPHEMDIR_NOT_OURS');
      assert.equal((await api.currentTarget(inside, reg)).id, mine.id);
      assert.equal((await api.currentTarget(undefined, reg).catch(() => null)), null, 'undefined cwd is the current directory');
    },
  },
];

describe('two registries never see each other', () => {
  for (const row of ROWS) {
    for (const [reg, other] of [
      [OWN, DEFAULT],
      [DEFAULT, OWN],
    ] as const) {
      it(`${row.fn}: a directory of ${label(reg)} is seen and changed only through ${label(reg)}`, () => row.check(reg, other));
    }
  }
});

describe('the handle remembers its registry', () => {
  it('extend, keep, remove, removeSync, hold and dispose act on the registry it was made in', async () => {
    // The environment moves on to another registry after creation: the handles still act on theirs.
    const saved = process.env.EPHEMDIR_DATA_DIR;
    const mine = [make(OWN), make(OWN), make(OWN), make(OWN), make(OWN)];
    const usual = make(DEFAULT);
    process.env.EPHEMDIR_DATA_DIR = path.join(env.root, 'elsewhere');
    try {
      const [a, b, c, d, e] = mine as [api.EphemeralDirectory, api.EphemeralDirectory, api.EphemeralDirectory, api.EphemeralDirectory, api.EphemeralDirectory];
      a.extend('3h');
      const entry = (await api.registered(OWN)).find((x) => x.id === a.id)!;
      assert.ok(entry.expiresAt! - Date.now() / 1000 > 2.9 * 3600);
      const held = a.hold();
      held.release();
      a.keep();
      assert.ok(!(await tracked(OWN, a)) && fs.existsSync(a.path));
      await b.remove();
      c.removeSync();
      {
        using _d = d;
      }
      {
        await using _e = e;
      }
      for (const x of [b, c, d, e]) {
        assert.ok(!fs.existsSync(x.path), `${x.name} removed`);
        assert.ok(!(await tracked(OWN, x)));
      }
      // The default registry's handle also remembers where it was made.
      await usual.remove();
      assert.ok(!fs.existsSync(usual.path));
      assert.ok(!fs.existsSync(path.join(env.root, 'elsewhere')), 'the registry named later was never opened or created');
      fs.rmSync(a.path, { recursive: true });
    } finally {
      process.env.EPHEMDIR_DATA_DIR = saved;
    }
    assert.ok(!(await tracked(DEFAULT, usual)));
  });

  it('withTempdir, withTempdirSync and testTempdir track their directory in dataDir only, and remove it there', async () => {
    const seen: Array<[string, boolean, boolean]> = [];
    const during = async (d: api.EphemeralDirectory) => {
      seen.push([d.path, await tracked(OWN, d), await tracked(DEFAULT, d)]);
    };
    await withTempdir(during, { parent: env.work, ...OWN });
    let syncDir: api.EphemeralDirectory | undefined;
    withTempdirSync((d) => {
      syncDir = d;
      seen.push([d.path, trackedSync(OWN, d), trackedSync(DEFAULT, d)]);
    }, { parent: env.work, ...OWN });
    assert.ok(!(await tracked(OWN, syncDir!)));
    const hooks: Array<() => unknown> = [];
    const t = { name: 'data-dir fixture', after: (fn: () => unknown) => void hooks.push(fn) };
    const fixture = testTempdir(t, { parent: env.work, ...OWN });
    await during(fixture);
    for (const h of hooks) await h();
    for (const [p, inOwn, inDefault] of seen) {
      assert.equal(inOwn, true, `${p} tracked in dataDir`);
      assert.equal(inDefault, false, `${p} not tracked in the default registry`);
      assert.ok(!fs.existsSync(p), `${p} removed`);
    }
    assert.ok(!(await tracked(OWN, fixture)));
  });
});
