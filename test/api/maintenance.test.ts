// tempdir()'s bounded sweep: one protocol step on one directory per call (a
// claim, or the removal of a directory claimed before), a deletion under way
// before a new one, and creation alone still cleans everything that is due.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isolatedEnv } from '../helpers/api-env';
import * as api from '../../src/api/index';
import { MAINTENANCE_BUDGET } from '../../src/api/maintenance';

const env = isolatedEnv('maintenance');
after(() => env.cleanup());

/** A tracked directory of `files` empty files that is due one second from now. */
async function dueSoon(tag: string, files: number): Promise<string> {
  const d = await api.tempdir({ parent: env.work, lifetime: '1s', tags: [tag] });
  for (let j = 0; j < files; j++) fs.closeSync(fs.openSync(path.join(d.path, `f${j}`), 'w'));
  return d.id;
}

const settle = () => new Promise((r) => setTimeout(r, 1100));

async function tracked(ids: string[]): Promise<string[]> {
  const all = new Set((await api.registered()).map((e) => e.id));
  return ids.filter((id) => all.has(id));
}

test('a due directory is claimed by one tempdir() and removed by the next ones', async () => {
  const id = await dueSoon('split', MAINTENANCE_BUDGET + 4);
  await settle();
  const entry = (await api.registered()).find((e) => e.id === id)!;
  const first = await api.tempdir({ parent: env.work });
  assert.deepEqual(first.sweep!.removed, [], 'the claim only: nothing removed yet');
  assert.deepEqual(first.sweep!.failed, []);
  assert.ok(first.sweep!.postponed >= 1, 'the claimed directory is left for the next step');
  const claimed = (await api.registered()).find((e) => e.id === id)!;
  assert.equal(claimed.state, 'deleting', 'the claim is journaled');
  assert.equal(fs.existsSync(entry.path), false, 'moved out of its path by the claim');
  assert.ok(claimed.stagingPath !== null);
  const staged = path.join(claimed.stagingPath!, entry.name);
  assert.equal(fs.readdirSync(staged).length, MAINTENANCE_BUDGET + 5, 'the whole tree waits in staging (its files and the marker)');
  // The next call removes MAINTENANCE_BUDGET entries of it; the one after finishes and commits it.
  const second = await api.tempdir({ parent: env.work });
  assert.deepEqual(second.sweep!.removed, []);
  assert.equal(fs.readdirSync(staged).length, 5, 'one budget of entries removed');
  const third = await api.tempdir({ parent: env.work });
  assert.deepEqual(
    third.sweep!.removed.map((i) => i.path),
    [entry.path],
  );
  assert.deepEqual(await tracked([id]), [], 'committed');
  assert.equal(fs.existsSync(claimed.stagingPath!), false, 'the staging folder is gone too');
  // The synchronous flavour takes the same two steps.
  const syncId = await dueSoon('split-sync', 3);
  await settle();
  const a = api.tempdirSync({ parent: env.work });
  assert.equal((await api.registered()).find((e) => e.id === syncId)!.state, 'deleting');
  const b = api.tempdirSync({ parent: env.work });
  assert.equal(b.sweep!.removed.length, 1);
  assert.deepEqual(await tracked([syncId]), []);
  for (const d of [first, second, third]) await d.remove();
  for (const d of [a, b]) d.removeSync();
});

test('each tempdir() removes one due directory at most, and calls alone clean them all', async () => {
  const ids: string[] = [];
  for (let i = 0; i < 5; i++) ids.push(await dueSoon('one-each', MAINTENANCE_BUDGET * 2));
  await settle();
  // The creations above may already have taken some (each runs the bounded sweep too).
  const due = (await tracked(ids)).length;
  let calls = 0;
  while ((await tracked(ids)).length > 0 && calls < 40) {
    const before = (await tracked(ids)).length;
    const d = await api.tempdir({ parent: env.work });
    calls++;
    assert.ok(d.sweep!.removed.length <= 1, `call ${calls} removed ${d.sweep!.removed.length}`);
    assert.ok(before - (await tracked(ids)).length <= 1, 'one directory per call');
    assert.deepEqual(d.sweep!.failed, []);
    await d.remove();
  }
  assert.deepEqual(await tracked(ids), [], `all cleaned by creation alone (${calls} calls)`);
  assert.ok(due >= 2 && calls >= due, `${calls} calls for ${due} due directories`);
});

test('a deletion under way is finished before another due directory is started', async () => {
  // Big enough to outlast the calls below: one claims it, each later one removes MAINTENANCE_BUDGET entries of it.
  const big = await dueSoon('under-way', MAINTENANCE_BUDGET * 8);
  await settle();
  await (await api.tempdir({ parent: env.work })).remove();
  await (await api.tempdir({ parent: env.work })).remove();
  const entry = (await api.registered()).find((e) => e.id === big)!;
  assert.equal(entry.state, 'deleting', 'left mid-deletion');
  const small: string[] = [];
  for (let i = 0; i < 3; i++) small.push(await dueSoon('under-way-small', 5));
  await settle();
  let calls = 0;
  while ((await tracked([big])).length > 0 && calls++ < 12) {
    assert.deepEqual(await tracked(small), small, 'no new one started while a tree is under way');
    await (await api.tempdir({ parent: env.work })).remove();
  }
  assert.deepEqual(await tracked([big]), [], `the tree under way finished (${calls} calls)`);
  assert.equal(fs.existsSync(entry.stagingPath!), false);
  calls = 0;
  while ((await tracked(small)).length > 0 && calls++ < 10) await (await api.tempdir({ parent: env.work })).remove();
  assert.deepEqual(await tracked(small), []);
});
