// The calls that only report (list, registered, stats, explain, resolve,
// trackedEntry, match, last, currentTarget, hold, diagnose, sweep --dry-run,
// and the commands built on them) after a real batched sweep died and a power
// cut set its entry files back behind the batch journal: each must report the
// state the journal records (the next writing call replays it), never the
// stale "active" file, and none may write (the entry files and the journal
// keep their bytes: nothing is replayed by a reader).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { isolatedEnv } from '../helpers/api-env';
import { MAIN } from '../helpers/cli';
import { batchJournals, batchPowerCut, type PowerCut } from '../helpers/power-cut';
import * as api from '../../src/api/index';
import { diagnose } from '../../src/api/diagnostics';
import { match, trackedEntry } from '../../src/api/query';
import { remedyCommand } from '../../src/policy/remedies';
import type { EphemdirError } from '../../src/errors';

const env = isolatedEnv('power-cut-reads');
after(() => env.cleanup());

const COUNT = 3;
const FILES = 200;

/** The built CLI on the same registry (EPHEMDIR_DATA_DIR and EPHEMDIR_CONFIG_DIR of isolatedEnv). */
function cli(args: string[], cwd = env.work): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [MAIN, ...args], { cwd, env: { ...process.env, NO_COLOR: '1' }, encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Runs a reading call and checks that it wrote neither an entry file nor the journal. */
async function reads<T>(cut: PowerCut, what: string, fn: () => T | Promise<T>): Promise<T> {
  const before = cut.snapshot();
  const out = await fn();
  assert.deepEqual(cut.snapshot(), before, `${what} wrote nothing (no replay by a reader)`);
  return out;
}

async function settle(cut: PowerCut, tag: string): Promise<void> {
  for (let i = 0; i < 3 && (await api.registered()).some((e) => cut.made.some((d) => d.id === e.id)); i++) await api.sweep({ tags: [tag] });
  const ids = new Set((await api.registered()).map((e) => e.id));
  for (const d of cut.made) {
    assert.equal(ids.has(d.id), false, `${d.path}: settled by the sweep`);
    assert.equal(fs.existsSync(d.path), false, `${d.path}: gone`);
  }
  assert.deepEqual(batchJournals(env.data), [], 'no journal left');
}

// Every tree is in staging; every entry file says "active" (the cut lost the
// group commits); the journal says "moving". Before the fix the readers showed
// each one as active and missing, with `ephemdir prune` as the remedy.
test('after a power cut mid-batch (trees in staging, entry files set back): every read reports the journaled state', async (t) => {
  const tag = 'cut-staged';
  const cut = await batchPowerCut(env, 'after-rename', tag, COUNT, FILES);
  for (const d of cut.made) assert.equal(fs.existsSync(d.path), false, 'moved into staging');
  for (const d of cut.made) {
    assert.equal((JSON.parse(fs.readFileSync(path.join(env.data, 'registry.d', 'entries', d.id[0]!, `${d.id}.json`), 'utf8')) as { state: string }).state, 'active', 'the entry file was set back');
  }
  const ids = new Set(cut.made.map((d) => d.id));

  await t.test('list()', async () => {
    const listed = await reads(cut, 'list', () => api.list({ tags: [tag] }));
    assert.equal(listed.length, COUNT);
    for (const item of listed) {
      assert.equal(item.status, 'deleting', `${item.entry.path}: ${item.status} (${item.note})`);
      assert.notEqual(item.entry.state, 'active');
      assert.equal(item.exists, false);
      assert.ok(item.note.includes('interrupted batch') && item.note.includes(remedyCommand('staged', item.entry.name)), item.note);
    }
  });

  await t.test('registered() and match()', async () => {
    for (const e of (await reads(cut, 'registered', () => api.registered())).filter((x) => ids.has(x.id))) {
      assert.equal(e.state, 'moving', `${e.path}: the journal's state`);
      assert.notEqual(e.stagingPath, null);
    }
    for (const d of cut.made) {
      const found = await reads(cut, 'match', () => match(d.name));
      assert.deepEqual(found.map((e) => [e.id, e.state]), [[d.id, 'moving']]);
    }
  });

  await t.test('stats() and diagnose() count none of them as tracked', async () => {
    assert.equal((await reads(cut, 'stats', () => api.stats())).currentlyTracked, 0);
    const registry = (await reads(cut, 'diagnose', () => diagnose())).find((c) => c.name === 'registry')!;
    assert.match(registry.message, /; 0 tracked/);
  });

  await t.test('explain() says staged by an interrupted batch, and names sweep and recover', async () => {
    for (const d of cut.made) {
      const m = await reads(cut, 'explain', () => api.explain(d.name));
      assert.equal(m.lifecycleState, 'moving');
      assert.equal(m.listStatus, 'deleting');
      assert.match(m.verdict, /staged for deletion by an interrupted batched sweep/);
      assert.ok(m.verdict.includes('ephemdir sweep') && m.verdict.includes(remedyCommand('staged', d.name)), m.verdict);
      assert.equal(m.hint, remedyCommand('staged', d.name));
    }
  });

  await t.test('resolve() and trackedEntry() do not offer an entry being deleted (nor prune for it)', async () => {
    const d = cut.made[0]!;
    for (const [what, fn] of [['resolve', () => api.resolve(d.name)], ['trackedEntry', () => trackedEntry(d.path)]] as const) {
      await reads(cut, what, () =>
        assert.rejects(fn(), (err: EphemdirError) => {
          assert.equal(err.code, 'EPHEMDIR_NOT_FOUND', `${what}: ${err.message}`);
          assert.doesNotMatch(err.message, /prune|missing/, `${what}: ${err.message}`);
          return true;
        }),
      );
    }
  });

  await t.test('sweep({ dryRun: true }) would resume them, not hold them back as missing', async () => {
    const r = await reads(cut, 'sweep --dry-run', () => api.sweep({ dryRun: true, tags: [tag] }));
    assert.deepEqual(r.removed.map((i) => i.path).sort(), cut.made.map((d) => d.path).sort());
    for (const i of r.removed) assert.deepEqual(i.reasons, ['deleting']);
    assert.deepEqual(r.deferred, []);
  });

  // Each command on its own, so that each one fails by itself without the fix.
  const d = cut.made[1]!;
  const cliChecks: Array<[string, () => void]> = [
    ['ephemdir list --json', () => {
      const list = cli(['list', '--json', '--tag', tag]);
      assert.equal(list.code, 0, list.stderr);
      for (const item of JSON.parse(list.stdout) as Array<{ status: string; lifecycle_state: string; note: string }>) {
        assert.equal(item.status, 'deleting');
        assert.equal(item.lifecycle_state, 'moving');
        assert.match(item.note, /interrupted batch/);
      }
    }],
    ['ephemdir list --plain', () => {
      const list = cli(['list', '--plain', '--tag', tag]);
      assert.equal(list.code, 0, list.stderr);
      for (const x of cut.made) {
        const line = list.stdout.split('\n').find((l) => l.includes(x.name));
        assert.match(line ?? '', /^\[del\]/, `${x.name}: ${line}`);
      }
    }],
    ['ephemdir tree --json', () => {
      const tree = cli(['tree', '--json', '--tag', tag]);
      assert.equal(tree.code, 0, tree.stderr);
      const items = JSON.parse(tree.stdout) as Array<{ status: string }>;
      assert.equal(items.length, COUNT);
      for (const item of items) assert.equal(item.status, 'deleting');
    }],
    ['ephemdir explain --json', () => {
      const explained = cli(['explain', d.name, '--json']);
      assert.equal(explained.code, 0, explained.stderr);
      const j = JSON.parse(explained.stdout) as { list_status: string; lifecycle_state: string; hint: string; verdict: string };
      assert.equal(j.list_status, 'deleting');
      assert.equal(j.hint, remedyCommand('staged', d.name));
    }],
    ['ephemdir explain', () => {
      const human = cli(['explain', d.name, '--plain']);
      assert.equal(human.code, 0, human.stderr);
      assert.match(human.stdout, /interrupted batched sweep/);
      assert.ok(human.stdout.includes(`next step: ${remedyCommand('staged', d.name)}`), human.stdout);
    }],
    ['ephemdir path NAME', () => {
      const p = cli(['path', d.name]);
      assert.notEqual(p.code, 0, 'path finds no active directory of that name');
      assert.equal(p.stdout, '');
      assert.doesNotMatch(p.stderr, /prune/);
    }],
    ['ephemdir stats --json', () => {
      const stats = cli(['stats', '--json']);
      assert.equal((JSON.parse(stats.stdout) as { currently_tracked: number }).currently_tracked, 0);
    }],
    ['ephemdir doctor --json', () => {
      const doctor = cli(['doctor', '--json']);
      const reg = (JSON.parse(doctor.stdout) as Array<{ name: string; message: string }>).find((c) => c.name === 'registry')!;
      assert.match(reg.message, /; 0 tracked/);
    }],
    ['ephemdir rm --dry-run NAME', () => {
      const rm = cli(['rm', '--dry-run', d.name]);
      assert.notEqual(rm.code, 0, `rm --dry-run would not remove an entry being deleted: ${rm.stdout}`);
    }],
    ['ephemdir sweep --dry-run --json', () => {
      const sweep = cli(['sweep', '--dry-run', '--json', '--tag', tag]);
      const planned = JSON.parse(sweep.stdout) as { removed: Array<{ path: string }>; deferred: unknown[] };
      assert.deepEqual(planned.removed.map((i) => i.path).sort(), cut.made.map((x) => x.path).sort());
      assert.deepEqual(planned.deferred, []);
    }],
    ['ephemdir __complete names', () => {
      const complete = cli(['__complete', 'names', d.name.slice(0, 3)]);
      assert.equal(complete.code, 0, complete.stderr);
      assert.ok(!complete.stdout.split('\n').includes(d.name), `not offered for completion: ${complete.stdout}`);
    }],
  ];
  for (const [what, check] of cliChecks) await t.test(what, () => reads(cut, what, check));

  await settle(cut, tag);
});

// Killed right after the journal write: every tree is still at its path and
// every entry file says "active" (never written), while the journal claims
// them all. The readers that look for an active directory on disk (last,
// currentTarget, hold) must not hand one out.
test('a batch that died right after journaling (trees at their paths, files never written): last, currentTarget and hold see the claim', async (t) => {
  const tag = 'cut-journaled';
  const cut = await batchPowerCut(env, 'batch-journaled', tag, COUNT, FILES);
  for (const d of cut.made) assert.equal(fs.existsSync(d.path), true, 'not moved yet');

  await t.test('last() does not return a claimed directory', async () => {
    const newest = await reads(cut, 'last', () => api.last());
    assert.ok(newest === null || !cut.made.some((d) => d.id === newest.id), `last() returned ${newest?.path}`);
  });

  await t.test('currentTarget() refuses a claimed directory', async () => {
    const d = cut.made[0]!;
    await reads(cut, 'currentTarget', () => assert.rejects(api.currentTarget(d.path), { code: 'EPHEMDIR_NOT_OURS' }));
  });

  await t.test('hold() (sync) refuses a claimed directory', async () => {
    const d = cut.made[1]!;
    const entry = (await api.registered()).find((e) => e.id === d.id)!;
    const handle = new api.EphemeralDirectory(entry, env.data);
    await reads(cut, 'hold', () => {
      let held: { release(): void } | null = null;
      try {
        assert.throws(() => (held = handle.hold()), { code: 'EPHEMDIR_INVALID_STATE' });
      } finally {
        (held as { release(): void } | null)?.release();
      }
    });
  });

  await t.test('list() and explain() show the claim', async () => {
    for (const item of await reads(cut, 'list', () => api.list({ tags: [tag] }))) {
      assert.equal(item.status, 'deleting', `${item.entry.path}: ${item.status}`);
      assert.match(item.note, /interrupted batch/);
    }
    const m = await reads(cut, 'explain', () => api.explain(cut.made[2]!.name));
    assert.match(m.verdict, /interrupted batched sweep/);
  });

  await t.test('ephemdir last', () =>
    reads(cut, 'ephemdir last', () => {
      const last = cli(['last']);
      for (const d of cut.made) assert.ok(!last.stdout.includes(d.path), `last printed a claimed directory: ${last.stdout}`);
    }),
  );
  await t.test('ephemdir path (from inside the directory)', () =>
    reads(cut, 'ephemdir path (cwd inside)', () => {
      const here = cli(['path'], cut.made[0]!.path);
      assert.notEqual(here.code, 0, `path from inside a claimed directory: ${here.stdout}`);
    }),
  );

  await settle(cut, tag);
});
