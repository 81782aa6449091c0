// The batch journal of batched sweeps: the replay decision (a table), the
// journal on disk, and replay of a dead sweep's journal (its batch lock free)
// versus a live one (its batch lock held).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Registry } from '../../src/store/registry';
import { journaledEntry, replayDecision } from '../../src/store/batch-journal';
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

test('journaledEntry: the entry as replay would leave it, journal after journal', () => {
  const other = makeEntry();
  const extended: Entry = { ...before, expiresAt: before.expiresAt === null ? 1 : before.expiresAt + 60 };
  const rows: [string, Entry, { before: Entry; after: Entry }[], Entry][] = [
    ['no journal names it', before, [], before],
    ['a journal of another entry', before, [{ before: other, after: { ...other, state: 'moving', claimId } }], before],
    ['the file was set back to before: the journal\'s claim', before, [{ before, after: moving }], moving],
    ['set back, the journal says deleting', before, [{ before, after: deleting }], deleting],
    ['the file reached moving, the journal deleting', moving, [{ before, after: deleting }], deleting],
    ['the file is further along', deleting, [{ before, after: moving }], deleting],
    ['changed since (extended): the journal is stale', extended, [{ before, after: moving }], extended],
    ['two journals in turn (moving, then deleting of the same claim)', before, [{ before, after: moving }, { before: moving, after: deleting }], deleting],
  ];
  for (const [why, current, changes, want] of rows) assert.deepEqual(journaledEntry(current, changes), want, why);
});

test('readJournals: a reader sees the journal\'s state without replaying or writing anything', () => {
  using s = dataScratch('batch-journal-view');
  const reg = Registry.open({ create: true, env: s.env })!;
  try {
    assert.equal(reg.readJournals().settle(before), before, 'no batches folder: the entry as its file says');
    reg.create(before);
    const file = path.join(s.data, 'registry.d', 'entries', before.id[0]!, `${before.id}.json`);
    const good = newId();
    const bad = newId();
    reg.journalBatch(good, [{ before, after: moving }]);
    const other = makeEntry();
    reg.create(other);
    reg.journalBatch(bad, [{ before: other, after: { ...other, state: 'moving', claimId, stagingPath: moving.stagingPath } }]);
    const badFile = path.join(s.data, 'registry.d', 'batches', `${bad}.json`);
    fs.writeFileSync(badFile, '{"schema":1,"items":[{"before":"{}","after":"{}"}]}');
    const bytes = () => [file, badFile, path.join(s.data, 'registry.d', 'batches', `${good}.json`)].map((f) => fs.readFileSync(f, 'base64'));
    const was = bytes();
    const view = reg.readJournals();
    assert.deepEqual(view.settle(before), moving);
    assert.deepEqual(view.settle(other), other, 'a journal that does not decode is never applied');
    assert.equal(view.problems.length, 1);
    assert.match(view.problems[0]!.message, /not a valid batch journal/);
    assert.deepEqual(bytes(), was, 'nothing written');
    assert.equal(reg.get(before.id)!.state, 'active', 'the file itself still says active');
  } finally {
    reg.close();
  }
});
