import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BLOCKER_CODES, NOTE_CODES, REASON_CODES, decide } from '../../src/policy/decide';
import { BLOCKER_LABELS, NOTE_LABELS, REASON_LABELS, explainJson, explainModel } from '../../src/policy/explain';
import type { DecisionContext, Entry, Probe } from '../../src/model/entry';
import { unknownProbe } from '../../src/model/entry';
import { CLAIM, NOW, OTHER_BOOT, STAGING, ctx, entry, probe } from './fixtures';

function model(e: Partial<Entry> = {}, p: Partial<Probe> | Probe = {}, c: Partial<DecisionContext> = {}, claimLive?: boolean) {
  const en = entry(e);
  const pr = 'presence' in p && 'identity' in p && 'size' in p ? (p as Probe) : probe(p);
  const cx = ctx(c);
  const d = decide(en, pr, cx, { claimLive });
  return explainModel(en, pr, d, cx, { claimLive });
}

describe('labels', () => {
  const tables: Array<[string, readonly string[], Record<string, string>]> = [
    ['reasons', REASON_CODES, REASON_LABELS],
    ['blockers', BLOCKER_CODES, BLOCKER_LABELS],
    ['notes', NOTE_CODES, NOTE_LABELS],
  ];
  for (const [name, codes, labels] of tables) {
    it(`every ${name} code has a distinct, non-empty label`, () => {
      assert.deepEqual(Object.keys(labels).sort(), [...codes].sort());
      const values = Object.values(labels);
      assert.equal(new Set(values).size, values.length);
      for (const v of values) assert.ok(v.length > 10, v);
    });
  }
});

describe('explain verdicts', () => {
  const rows: Array<[string, Partial<Entry>, Partial<Probe> | Probe, Partial<DecisionContext>, string, string, boolean?]> = [
    ['due and allowed', { expiresAt: NOW - 60 }, {}, {}, 'will be removed on the next sweep', 'yellow'],
    ['forced', {}, {}, { mode: 'force' }, 'will be removed on the next sweep', 'yellow'],
    ['restart-due', {}, {}, { bootId: OTHER_BOOT }, 'will be removed on the next sweep', 'yellow'],
    [
      'due but in use, overdue',
      { expiresAt: NOW - 300, keepWhileInUse: true },
      { inUse: true },
      {},
      'due, but held back (overdue by 5m)',
      'red',
    ],
    ['due but locked, not expired', {}, { lockedByOther: true }, { bootId: OTHER_BOOT }, 'due, but held back', 'red'],
    ['kept for now', { expiresAt: NOW + 7_140 }, {}, {}, 'kept for now (1h 59m left)', 'green'],
    ['kept, no time limit', { expiresAt: null, removeOnRestart: false }, {}, {}, 'kept (no time limit)', 'green'],
    ['until restart', { expiresAt: null }, {}, {}, 'kept until the machine restarts', 'cyan'],
    ['until sweep in maintenance', { cleanup: 'next-sweep' }, {}, { mode: 'maintenance' }, 'kept until the next full sweep', 'cyan'],
    ['next-sweep under a full sweep', { cleanup: 'next-sweep' }, {}, {}, 'will be removed on the next sweep', 'yellow'],
    [
      'missing',
      { expiresAt: NOW - 60 },
      { presence: 'missing', identity: 'unknown' },
      {},
      'missing on disk; still tracked',
      'dim',
    ],
    ['replaced', { expiresAt: NOW - 60 }, { identity: 'foreign' }, {}, 'replaced by another directory; it will not be touched', 'yellow'],
    ['unavailable', {}, { presence: 'unavailable', identity: 'unknown' }, {}, 'temporarily inaccessible; still tracked', 'dim'],
    [
      'recovery',
      { state: 'recovery', stagingPath: STAGING },
      unknownProbe('missing'),
      {},
      'interrupted deletion: run `ephemdir recover bold-stoat-e38ea190bce505e7`',
      'red',
    ],
    [
      'deleting, resumable',
      { state: 'deleting', stagingPath: STAGING, lastError: 'EACCES' },
      unknownProbe('missing'),
      {},
      'interrupted deletion: the next sweep resumes it',
      'yellow',
    ],
    [
      'deleting, live claim',
      { state: 'deleting', claimId: CLAIM, stagingPath: STAGING },
      unknownProbe('missing'),
      {},
      'deletion in progress',
      'yellow',
      true,
    ],
    [
      'deleting, held back by the guard',
      { state: 'deleting', stagingPath: STAGING },
      probe({ presence: 'missing', guard: 'refusing /' }),
      {},
      'interrupted deletion, held back',
      'red',
    ],
  ];
  for (const [name, e, p, c, verdict, color, claimLive] of rows) {
    it(name, () => {
      const m = model(e, p, c, claimLive);
      assert.equal(m.verdict, verdict);
      assert.equal(m.verdictColor, color);
    });
  }
});

describe('explain: an entry a batch journal claims while its file was set back (stagedByBatch)', () => {
  const NAME = 'bold-stoat-e38ea190bce505e7';
  const staged = `staged for deletion by an interrupted batched sweep (its journal is ahead of the entry file, as after a power cut): \`ephemdir recover ${NAME}\` settles it now, as the next \`ephemdir sweep\` does (the deletion is finished, or a directory never moved is put back)`;
  const rows: Array<[string, Partial<Entry>, Probe, string, string | null]> = [
    ['moving, its tree in staging', { state: 'moving', claimId: CLAIM, stagingPath: STAGING }, unknownProbe('missing'), staged, `ephemdir recover ${NAME}`],
    ['moving, never moved', { state: 'moving', claimId: CLAIM, stagingPath: STAGING }, probe(), staged, `ephemdir recover ${NAME}`],
    ['deleting', { state: 'deleting', claimId: CLAIM, stagingPath: STAGING }, unknownProbe('missing'), staged, `ephemdir recover ${NAME}`],
    // Parked: recover's own verdict, whatever the journals say.
    ['recovery', { state: 'recovery', stagingPath: STAGING }, unknownProbe('missing'), `interrupted deletion: run \`ephemdir recover ${NAME}\``, `ephemdir recover ${NAME}`],
  ];
  for (const [why, e, p, verdict, hint] of rows) {
    it(why, () => {
      const en = entry(e);
      const c = ctx();
      const m = explainModel(en, p, decide(en, p, c), c, { stagedByBatch: true });
      assert.equal(m.verdict, verdict);
      assert.equal(m.hint, hint);
      assert.equal(m.listStatus, e.state === 'recovery' ? 'recovery' : 'deleting');
    });
  }
  it('without stagedByBatch the same entry keeps the journal verdict', () => {
    const en = entry({ state: 'moving', claimId: CLAIM, stagingPath: STAGING });
    const c = ctx();
    const m = explainModel(en, unknownProbe('missing'), decide(en, unknownProbe('missing'), c), c);
    assert.doesNotMatch(m.verdict, /interrupted batched sweep/);
    assert.equal(m.hint, null);
  });
});

describe('explain model', () => {
  it('a journal entry (deleting) is explained as a deletion to resume, never with an active entry\'s verdict or blockers', () => {
    const m = model(
      { state: 'deleting', claimId: null, stagingPath: STAGING, expiresAt: NOW + 3_558, lastError: 'EXDEV' },
      unknownProbe('missing'),
    );
    assert.equal(m.status, 'deleting');
    assert.equal(m.listStatus, 'deleting');
    assert.equal(m.lifecycleState, 'deleting');
    assert.doesNotMatch(m.verdict, /kept for now/);
    assert.deepEqual(m.blockers, []);
    assert.deepEqual(m.reasons.map((r) => r.code), ['resume-deletion']);
    assert.deepEqual(m.notes, [{ code: 'last-error', label: NOTE_LABELS['last-error'], detail: 'EXDEV' }]);
    assert.equal(m.remainingSeconds, null);
    assert.equal(m.stagingPath, STAGING);
    assert.equal(m.sizeBytes, null);
  });
  it('recovery carries the recover hint and its blocker detail', () => {
    const m = model({ state: 'recovery', stagingPath: STAGING }, unknownProbe('missing'));
    assert.equal(m.hint, 'ephemdir recover bold-stoat-e38ea190bce505e7');
    assert.deepEqual(m.blockers.map((b) => b.code), ['recovery-required']);
    assert.match(m.blockers[0]!.detail!, /--forget/);
  });
  it('labels reasons, blockers (with details) and notes', () => {
    const m = model(
      { expiresAt: NOW - 1, maxSize: 100, tags: ['rust'], description: 'cargo bench' },
      { size: { bytes: 50, complete: false }, guard: 'the home directory', mountsInside: ['/a', '/b'] },
    );
    assert.deepEqual(m.reasons, [{ code: 'expired', label: REASON_LABELS.expired }]);
    assert.deepEqual(m.blockers, [
      { code: 'protected-path', label: BLOCKER_LABELS['protected-path'], detail: 'the home directory' },
      { code: 'mount-inside', label: BLOCKER_LABELS['mount-inside'], detail: '/a, /b' },
    ]);
    assert.deepEqual(m.notes, [
      { code: 'size-incomplete', label: NOTE_LABELS['size-incomplete'], detail: 'at least 50 bytes' },
    ]);
    assert.equal(m.sizeBytes, 50);
    assert.equal(m.sizeComplete, false);
    assert.equal(m.maxSizeBytes, 100);
    assert.deepEqual(m.tags, ['rust']);
    assert.equal(m.description, 'cargo bench');
    assert.equal(m.status, 'blocked');
    assert.equal(m.listStatus, 'blocked');
    assert.equal(m.due, true);
    assert.equal(m.destructiveAllowed, false);
  });
  it('in-use blockers carry who uses it, or why it cannot be told', () => {
    const used = model({ expiresAt: NOW - 1, keepWhileInUse: true }, { inUse: true, inUseDetail: 'process 42 (cwd)' });
    assert.deepEqual(used.blockers, [{ code: 'in-use', label: BLOCKER_LABELS['in-use'], detail: 'process 42 (cwd)' }]);
    const why = 'process 7 (uid 1001) cannot be inspected: permission denied';
    const unknown = model({ expiresAt: NOW - 1, keepWhileInUse: true }, { inUse: null, inUseDetail: why });
    assert.deepEqual(unknown.blockers, [{ code: 'in-use-unknown', label: BLOCKER_LABELS['in-use-unknown'], detail: why }]);
  });
  it('missing entry hints at prune', () => {
    const m = model({}, { presence: 'missing', identity: 'unknown' });
    assert.equal(m.hint, 'ephemdir prune');
    assert.deepEqual(m.blockers, [
      { code: 'path-missing', label: BLOCKER_LABELS['path-missing'], detail: entry().path },
    ]);
  });
  it('the model does not share the entry tag array', () => {
    const en = entry({ tags: ['a'] });
    const cx = ctx();
    const m = explainModel(en, probe(), decide(en, probe(), cx), cx);
    m.tags.push('b');
    assert.deepEqual(en.tags, ['a']);
  });
});

describe('explainJson', () => {
  it('has the reference snake_case keys and lists only failing checks', () => {
    const m = model({ expiresAt: NOW - 10, keepWhileInUse: true }, { inUse: true, guard: 'refusing /' });
    const j = explainJson(m);
    assert.deepEqual(
      Object.keys(j).slice(0, 14),
      [
        'path',
        'name',
        'status',
        'due',
        'destructive_allowed',
        'remaining_seconds',
        'size_bytes',
        'max_size_bytes',
        'reasons',
        'blocked_by',
        'decision',
        'tags',
        'description',
        'list_status',
      ],
    );
    assert.equal(j.status, 'blocked');
    assert.equal(j.remaining_seconds, -10);
    assert.deepEqual(j.reasons, ['expired']);
    assert.deepEqual(j.blocked_by, ['protected-path', 'in-use']);
    assert.deepEqual(j.decision, [
      { check: 'expired', ok: false, detail: REASON_LABELS.expired },
      { check: 'protected-path', ok: false, detail: `${BLOCKER_LABELS['protected-path']}: refusing /` },
      { check: 'in-use', ok: false, detail: BLOCKER_LABELS['in-use'] },
    ]);
    assert.doesNotThrow(() => JSON.stringify(j));
  });
  it('an active, fine entry has an empty decision list', () => {
    const j = explainJson(model());
    assert.deepEqual(j.decision, []);
    assert.equal(j.verdict, 'kept for now (2h left)');
    assert.equal(j.remaining_seconds, 7_200);
  });
});
