// Kills a real sweeping process with SIGKILL at every step of the deletion
// protocol in turn, then sweeps again: nothing outside is touched, nothing
// is left untracked, and the tree is eventually gone (or parked for recover).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isolatedEnv } from '../helpers/api-env';
import { runNode, srcModule } from '../helpers/child';
import { batchJournals, batchOf as batchIn, batchPowerCut, countTree, entryFile, fill, killSweepAt, type Made } from '../helpers/power-cut';
import * as api from '../../src/api/index';

const env = isolatedEnv('crash');
// The test-only module that turns EPHEMDIR_CRASH_AT into a SIGKILL (the package has no such hook).
const CRASH_HOOK = path.join(__dirname, '..', 'helpers', `crash-hook${path.extname(__filename)}`);
after(() => env.cleanup());

const STEPS = [
  'after-intent',
  'after-staging-folder',
  'after-rename',
  'after-deleting',
  'mid-delete',
  'after-tree-removed',
  'after-staging-removed',
];

for (const step of STEPS) {
  test(`SIGKILL ${step}: the next sweep reconciles`, async () => {
    const sentinel = path.join(env.work, `sentinel-${step}`);
    fs.writeFileSync(sentinel, 'outside');
    const d = await api.tempdir({ parent: env.work, lifetime: 0, tags: [step] });
    const files = step === 'mid-delete' ? 16_000 : 2_000;
    fill(d.path, files);
    const r = runNode(`require(${JSON.stringify(CRASH_HOOK)}); require(${JSON.stringify(srcModule('api/index'))}).sweep({ tags: [${JSON.stringify(step)}] }).then(() => console.log('finished'))`, {
      env: { ...process.env, EPHEMDIR_CRASH_AT: step },
    });
    assert.equal(r.signal, 'SIGKILL', `the child must die at ${step}: ${r.stderr}`);

    const midway = (await api.registered()).find((e) => e.id === d.id);
    if (midway) assert.notEqual(midway.state, 'recovery', 'a crash is never ambiguous');
    if (step === 'mid-delete') {
      const staged = path.join(midway!.stagingPath!, midway!.name);
      const left = countTree(staged);
      assert.ok(left > 0 && left < files, `killed part-way: ${left} of ${files} entries left`);
      assert.equal(fs.existsSync(path.join(staged, '.ephemdir')), true, 'the marker goes last');
    }

    await api.sweep({ tags: [step] });
    if ((await api.registered()).some((e) => e.id === d.id)) await api.sweep({ tags: [step] });

    assert.equal((await api.registered()).some((e) => e.id === d.id), false, 'entry committed');
    assert.equal(fs.existsSync(d.path), false, 'tree gone');
    assert.deepEqual(
      fs.readdirSync(env.work).filter((n) => n.startsWith('.ephemdir-staging')),
      [],
      'no staging folder left behind',
    );
    assert.equal(fs.readFileSync(sentinel, 'utf8'), 'outside');
  });
}

test('without the test hook, EPHEMDIR_CRASH_AT does nothing', async () => {
  const d = await api.tempdir({ parent: env.work, lifetime: 0, tags: ['no-hook'] });
  fill(d.path, 400);
  for (const step of STEPS) {
    const r = runNode(`require(${JSON.stringify(srcModule('api/index'))}).sweep({ tags: ['no-hook'] }).then(() => console.log('finished'))`, {
      env: { ...process.env, EPHEMDIR_CRASH_AT: step },
    });
    assert.equal(r.signal, null, `${step}: ${r.stderr}`);
    assert.equal(r.stdout.trim(), 'finished');
  }
  assert.equal(fs.existsSync(d.path), false, 'swept normally');
});

// A sweep of many due directories runs them as one batch (src/api/sweep-batch.ts):
// one journal write for the intents of all, renames, trees removed several at
// once, one group commit. Killed at each point of a batch, with several entries
// in it, the next sweeps leave nothing untracked, nothing half-deleted outside
// staging, and every entry is removed or still tracked intact.
const BATCH_STEPS = [
  'batch-mid-verify',
  'batch-journaled',
  'after-intent',
  'after-staging-folder',
  'batch-mid-rename',
  'after-rename',
  'after-deleting',
  'mid-delete',
  'batch-mid-removal',
  'batch-before-commit',
  'after-staging-removed',
];
const BATCH_ENTRIES = 5;
const BATCH_FILES = 200;

function stagingFolders(): string[] {
  return fs.readdirSync(env.work).filter((n) => n.startsWith('.ephemdir-staging'));
}

function journals(): string[] {
  return batchJournals(env.data);
}

// Due only for a full sweep: the bounded sweep of the next tempdir() leaves them alone.
function batchOf(tag: string, files: number): Promise<Made[]> {
  return batchIn(env.work, tag, BATCH_ENTRIES, files);
}

/**
 * Right after the kill: each entry is tracked with its tree whole at its path,
 * or tracked with its tree in its staging folder (partial only there, marker
 * last), or gone with its entry. Returns where each one was.
 */
async function checkMidway(made: Made[]): Promise<string[]> {
  const tracked = new Map((await api.registered()).map((e) => [e.id, e]));
  const where: string[] = [];
  for (const d of made) {
    const e = tracked.get(d.id);
    const atPath = fs.existsSync(d.path);
    if (e) assert.notEqual(e.state, 'recovery', 'a crash is never ambiguous');
    if (atPath) {
      assert.ok(e, `${d.name} is at its path: it must be tracked`);
      assert.equal(countTree(d.path), d.count, `${d.name} at its path is whole`);
      where.push('original');
      continue;
    }
    const staged = stagingFolders().map((f) => path.join(env.work, f, d.name)).find((p) => fs.existsSync(p));
    if (staged) {
      assert.ok(e && e.stagingPath !== null && path.join(e.stagingPath, d.name) === staged, `${d.name} in staging is tracked with that staging path`);
      if (fs.readdirSync(staged).length > 0) assert.equal(fs.existsSync(path.join(staged, '.ephemdir')), true, 'the marker goes last');
      where.push('staging');
      continue;
    }
    where.push(e ? 'tracked-gone' : 'removed');
  }
  return where;
}

async function sweepUntilSettled(made: { id: string; path: string }[], tag: string): Promise<void> {
  // At least one sweep: it also drops the journals of dead batches.
  for (let i = 0; i < 3; i++) {
    await api.sweep({ tags: [tag] });
    const ids = new Set((await api.registered()).map((e) => e.id));
    if (!made.some((d) => ids.has(d.id))) break;
  }
  const ids = new Set((await api.registered()).map((e) => e.id));
  for (const d of made) {
    assert.equal(ids.has(d.id), false, `${d.path}: entry committed`);
    assert.equal(fs.existsSync(d.path), false, `${d.path}: tree gone`);
  }
  assert.deepEqual(stagingFolders(), [], 'no staging folder left behind');
  assert.deepEqual(journals().filter((n) => n.endsWith('.json')), [], 'no batch journal left behind');
}

for (const step of BATCH_STEPS) {
  test(`SIGKILL a batch of ${BATCH_ENTRIES} at ${step}: every entry ends removed or tracked intact`, async () => {
    const tag = `batch-${step}`;
    const sentinel = path.join(env.work, `sentinel-${tag}`);
    fs.writeFileSync(sentinel, 'outside');
    const files = step === 'mid-delete' ? 16_000 : BATCH_FILES;
    const made = await batchOf(tag, files);
    killSweepAt(step, tag);
    const where = await checkMidway(made);
    if (step === 'batch-mid-verify' || step === 'batch-journaled' || step === 'after-intent' || step === 'after-staging-folder') {
      assert.deepEqual(where, made.map(() => 'original'), 'nothing moved yet');
    }
    if (step === 'batch-mid-rename') {
      assert.ok(where.includes('original') && where.includes('staging'), `killed between renames: ${where.join(', ')}`);
    }
    if (step === 'after-rename' || step === 'after-deleting' || step === 'mid-delete') {
      assert.deepEqual(where, made.map(() => 'staging'), 'all moved, none removed');
    }
    if (step === 'batch-mid-removal') {
      assert.ok(where.includes('tracked-gone') && where.includes('staging'), `killed between removals: ${where.join(', ')}`);
    }
    if (step === 'batch-before-commit' || step === 'after-staging-removed') {
      assert.deepEqual(where, made.map(() => 'tracked-gone'), 'all trees gone, entries not yet committed');
    }
    await sweepUntilSettled(made, tag);
    assert.equal(fs.readFileSync(sentinel, 'utf8'), 'outside');
  });
}

test('a power cut that lost the entry files of a batch: the journal brings the intents back', async () => {
  const tag = 'batch-power-cut';
  // The renames were made durable; the entry files were group commits, which a
  // power cut may lose: batchPowerCut puts back the bytes they had before the sweep.
  const { made } = await batchPowerCut(env, 'after-rename', tag, BATCH_ENTRIES, BATCH_FILES);
  assert.ok(journals().some((n) => n.endsWith('.json')), 'the batch journal is on disk');
  for (const d of made) assert.equal(fs.existsSync(d.path), false, 'moved into staging');
  await sweepUntilSettled(made, tag);
});

// The same power cut, but with the calls that act on an entry's state run
// before any sweep: each must see the journaled state (the tree is in staging),
// never the stale "active" entry file (prune forgetting it, keep dropping it,
// remove finding it missing). The disk state after the cut (journal + entry
// files set back) is put back before each call.
test('a power cut that lost the entry files of a batch: prune, keep, extend, remove and recover before any sweep act on the journaled state', async () => {
  const tag = 'batch-power-cut-calls';
  const { made, apply: powerCut } = await batchPowerCut(env, 'after-rename', tag, BATCH_ENTRIES, BATCH_FILES);
  // The entry files themselves (registered() would show the journaled state even before any replay).
  const stillClaimed = async (after: string) => {
    for (const d of made) {
      const file = entryFile(env.data, d.id);
      assert.ok(fs.existsSync(file), `after ${after}: ${d.path} (its tree in staging) is still tracked`);
      const e = JSON.parse(fs.readFileSync(file, 'utf8')) as { state: string };
      assert.notEqual(e.state, 'active', `after ${after}: ${d.path} carries its journaled state in its entry file`);
      assert.equal(fs.existsSync(d.path), false, `after ${after}: nothing came back at its path`);
    }
  };
  powerCut();
  assert.deepEqual(await api.prune(), [], 'prune forgets none of them');
  await stillClaimed('prune');
  powerCut();
  await assert.rejects(api.keep(made[0]!.path), 'keep refuses an entry being deleted');
  await stillClaimed('keep');
  powerCut();
  await assert.rejects(api.extend(made[1]!.path, '1h'), 'extend refuses an entry being deleted');
  await stillClaimed('extend');
  powerCut();
  await assert.rejects(api.remove(made[2]!.path), 'remove refuses an entry already being deleted');
  await stillClaimed('remove');
  powerCut();
  const r = await api.recover(made[3]!.path);
  assert.ok(r.action === 'completed' || r.action === 'removed', `recover finishes the deletion: ${r.action}`);
  assert.equal((await api.registered()).some((e) => e.id === made[3]!.id), false, 'recovered: committed');
  await sweepUntilSettled(made, tag);
});

test('a batch killed before its commit: recover() (no sweep first) completes from the batch journal', async () => {
  const tag = 'batch-recover';
  const made = await batchOf(tag, BATCH_FILES);
  killSweepAt('batch-before-commit', tag);
  for (const d of made) {
    const e = (await api.registered()).find((x) => x.id === d.id);
    assert.ok(e, 'still tracked');
    const r = await api.recover(d.path);
    assert.equal(r.action, 'completed', `${d.path}: the journal says its tree was being deleted`);
  }
  await sweepUntilSettled(made, tag);
});
