// The batch journal of batched sweeps: the replay decision (a table), the
// journal on disk, and replay of a dead sweep's journal (its batch lock free)
// versus a live one (its batch lock held).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Registry } from '../../src/store/registry';
import { replayDecision } from '../../src/store/batch-journal';
import type { Entry } from '../../src/model/entry';
import { dataScratch, makeEntry, newId } from './_helpers';

const claimId = newId();
const before = makeEntry();
const moving: Entry = { ...before, state: 'moving', claimId, stagingPath: `${before.parent}/.ephemdir-staging-${newId()}` };
const deleting: Entry = { ...moving, state: 'deleting' };

test('replayDecision: writes a lost change, keeps what reached the file or was replaced', () => {
  const rows: [string, Entry | null, Entry, 'write' | 'keep'][] = [
    ['entry committed (gone)', null, moving, 'keep'],
    ['the file still holds before: the intent was lost', before, moving, 'write'],
    ['the file holds before, the journal says deleting', before, deleting, 'write'],
    ['the file reached moving', moving, moving, 'keep'],
    ['the file is moving, the journal deleting (same claim)', moving, deleting, 'write'],
    ['the file is already deleting', deleting, deleting, 'keep'],
    ['the file is further along than the journal', deleting, moving, 'keep'],
    ['another claim since', { ...moving, claimId: newId() }, deleting, 'keep'],
    ['the entry changed since (extended)', { ...before, expiresAt: before.expiresAt === null ? 1 : before.expiresAt + 60 }, moving, 'keep'],
    ['parked since', { ...moving, state: 'recovery', claimId: null }, deleting, 'keep'],
  ];
  for (const [why, current, after, want] of rows) assert.equal(replayDecision(current, { before, after }), want, why);
});

test('a dead batch is replayed and its journal dropped; a live batch (lock held) is left alone', () => {
  using s = dataScratch('batch-journal');
  const reg = Registry.open({ create: true, env: s.env })!;
  try {
    reg.create(before);
    const dead = newId();
    reg.journalBatch(dead, [{ before, after: moving }]);
    const dir = path.join(s.data, 'registry.d', 'batches');
    assert.deepEqual(fs.readdirSync(dir), [`${dead}.json`]);
    assert.equal(fs.statSync(path.join(dir, `${dead}.json`)).mode & 0o777, 0o600);

    // Live: its batch lock is held, so nothing is replayed.
    const live = reg.lockBatch(dead);
    assert.deepEqual(reg.replayBatchJournals().replayed, []);
    assert.equal(reg.get(before.id)!.state, 'active');
    live.release();

    const r = reg.replayBatchJournals();
    assert.deepEqual(r.replayed, [before.id]);
    assert.deepEqual(reg.get(before.id), moving);
    assert.deepEqual(fs.readdirSync(dir), [], 'dropped once settled');

    // journaledState: what reconcile reads for an entry left "moving".
    reg.journalBatch(dead, [{ before, after: deleting }]);
    assert.deepEqual(reg.journaledState(moving), deleting);
    assert.equal(reg.journaledState({ ...moving, claimId: newId() }), null, 'another claim');
  } finally {
    reg.close();
  }
});

test('a journal that does not decode is never applied, and is reported', () => {
  using s = dataScratch('batch-journal-bad');
  const reg = Registry.open({ create: true, env: s.env })!;
  try {
    reg.create(before);
    const id = newId();
    reg.journalBatch(id, [{ before, after: moving }]);
    const file = path.join(s.data, 'registry.d', 'batches', `${id}.json`);
    fs.writeFileSync(file, '{"schema":1,"items":[{"before":"{}","after":"{}"}]}');
    const r = reg.replayBatchJournals();
    assert.deepEqual(r.replayed, []);
    assert.equal(r.problems.length, 1);
    assert.match(r.problems[0]!.message, /not a valid batch journal/);
    assert.equal(reg.get(before.id)!.state, 'active');
    assert.ok(fs.existsSync(file), 'kept for a person to look at');
  } finally {
    reg.close();
  }
});
