import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decide } from '../../src/policy/decide';
import {
  ASCII_TAG_WIDTH,
  STATUSES,
  STATUS_LEGEND,
  STATUS_STYLE,
  displayStatus,
  statusNote,
  type Status,
} from '../../src/policy/status';
import type { DecisionContext, Entry, Probe } from '../../src/model/entry';
import { unknownProbe } from '../../src/model/entry';
import { BOOT_TIME, CLAIM, NOW, OTHER_BOOT, STAGING, ctx, entry, probe } from './fixtures';
import { stagedNote } from '../../src/policy/remedies';

const NAME = 'bold-stoat-e38ea190bce505e7';

interface Row {
  name: string;
  e?: Partial<Entry>;
  p?: Partial<Probe>;
  c?: Partial<DecisionContext>;
  status: Status;
  note: string;
}

function show(row: Omit<Row, 'name' | 'status' | 'note'>): { status: Status; note: string } {
  const e = entry(row.e);
  const p = probe(row.p);
  const c = ctx(row.c);
  const d = decide(e, p, c);
  const status = displayStatus(e, p, d, c);
  return { status, note: statusNote(status, e, c, d) };
}

const rows: Row[] = [
  { name: 'active: counting down', status: 'active', note: '2h left' },
  { name: 'active: 1h 59m', e: { expiresAt: NOW + 7_199 }, status: 'active', note: '1h 59m left' },
  { name: 'active: exactly 15 min left', e: { expiresAt: NOW + 900 }, status: 'active', note: '15m left' },
  { name: 'expiring: just under 15 min', e: { expiresAt: NOW + 899.5 }, status: 'expiring', note: '14m 59s left' },
  { name: 'expiring: 4m 59s', e: { expiresAt: NOW + 299 }, status: 'expiring', note: '4m 59s left' },
  { name: 'expiring: under a second', e: { expiresAt: NOW + 0.5 }, status: 'expiring', note: '0s left' },
  { name: 'expired: at expiresAt', e: { expiresAt: NOW }, status: 'expired', note: 'expired 0s ago' },
  { name: 'expired 5m ago', e: { expiresAt: NOW - 300 }, status: 'expired', note: 'expired 5m ago' },
  {
    name: 'expired: restart-due',
    e: { expiresAt: null },
    c: { bootId: OTHER_BOOT },
    status: 'expired',
    note: 'due now (machine restarted)',
  },
  {
    name: 'expired: restart-due on darwin',
    e: { expiresAt: NOW + 3_600, platform: 'darwin' },
    c: { platform: 'darwin', bootTime: BOOT_TIME + 500 },
    status: 'expired',
    note: 'due now (machine restarted)',
  },
  {
    name: 'expired: over its size limit',
    e: { maxSize: 10 },
    p: { size: { bytes: 11, complete: false } },
    status: 'expired',
    note: 'due now (over its size limit)',
  },
  {
    name: 'expired even while in use (transient blockers do not change the list)',
    e: { expiresAt: NOW - 60, keepWhileInUse: true },
    p: { inUse: true },
    status: 'expired',
    note: 'expired 1m ago',
  },
  { name: 'until-restart', e: { expiresAt: null }, status: 'until-restart', note: 'until restart' },
  {
    name: 'until-sweep (full mode decision)',
    e: { expiresAt: null, cleanup: 'next-sweep' },
    status: 'until-sweep',
    note: 'until next full sweep',
  },
  {
    name: 'until-sweep (maintenance mode decision)',
    e: { cleanup: 'next-sweep', removeOnRestart: false },
    c: { mode: 'maintenance' },
    status: 'until-sweep',
    note: 'until next full sweep',
  },
  {
    name: 'force mode does not make everything look expired',
    c: { mode: 'force' },
    status: 'active',
    note: '2h left',
  },
  { name: 'kept', e: { expiresAt: null, removeOnRestart: false }, status: 'kept', note: 'no auto-cleanup' },
  {
    name: 'kept with a size limit',
    e: { expiresAt: null, removeOnRestart: false, maxSize: 1 << 30 },
    p: { size: { bytes: 5, complete: true } },
    status: 'kept',
    note: 'no time limit; removed only if over its size limit',
  },
  {
    name: 'missing',
    e: { expiresAt: NOW - 60 },
    p: { presence: 'missing', identity: 'unknown' },
    status: 'missing',
    note: 'missing; still tracked',
  },
  {
    name: 'replaced',
    p: { identity: 'foreign' },
    status: 'replaced',
    note: 'replaced by another directory; will not be touched',
  },
  {
    name: 'unavailable',
    p: { presence: 'unavailable', identity: 'unknown' },
    status: 'unavailable',
    note: 'temporarily inaccessible; still tracked',
  },
  {
    name: 'blocked: foreign platform',
    e: { platform: 'darwin' },
    status: 'blocked',
    note: 'created on darwin; will not be touched here',
  },
  {
    name: 'blocked: protected path, even before it is due',
    p: { guard: 'refusing the home directory' },
    status: 'blocked',
    note: 'protected path; will not be touched',
  },
  { name: 'blocked: unsafe parent', p: { parentSafe: false }, status: 'blocked', note: 'unsafe parent directory; will not be touched' },
  {
    name: 'blocked: mount inside',
    e: { expiresAt: NOW - 1 },
    p: { mountsInside: ['/m'] },
    status: 'blocked',
    note: 'a filesystem is mounted inside; held back',
  },
  {
    name: 'blocked: ownership unverified',
    p: { identity: 'unverified' },
    status: 'blocked',
    note: 'ownership unverified; will not be touched',
  },
  { name: 'identity not checked is not blocked', p: { identity: 'unknown' }, status: 'active', note: '2h left' },
  {
    name: 'deleting (journal), lifetime ignored',
    e: { state: 'deleting', claimId: null, stagingPath: STAGING, expiresAt: NOW + 3_558 },
    p: { presence: 'missing', identity: 'unknown' },
    status: 'deleting',
    note: 'partially deleted; sweeps will retry',
  },
  {
    name: 'moving (journal) shows as deleting',
    e: { state: 'moving', claimId: CLAIM, stagingPath: STAGING },
    status: 'deleting',
    note: 'being deleted or interrupted; sweeps will retry',
  },
  {
    name: 'recovery (journal)',
    e: { state: 'recovery', stagingPath: STAGING },
    p: { presence: 'missing', identity: 'unknown' },
    status: 'recovery',
    note: 'interrupted deletion; use ephemdir recover',
  },
];

describe('displayStatus and statusNote', () => {
  for (const row of rows) {
    it(row.name, () => {
      assert.deepEqual(show(row), { status: row.status, note: row.note });
    });
  }
  it('every status is covered by the table', () => {
    const seen = new Set(rows.map((r) => r.status));
    assert.deepEqual(STATUSES.filter((s) => !seen.has(s)), []);
  });
  it('journal label honours claim liveness', () => {
    const e = entry({ state: 'deleting', claimId: CLAIM, stagingPath: STAGING });
    const c = ctx();
    const d = decide(e, unknownProbe('missing'), c);
    assert.equal(statusNote('deleting', e, c, d, { claimLive: true }), 'deletion in progress');
  });
  it('an entry a batch journal claims while its file was set back (stagedByBatch): the interrupted batch and its remedy', () => {
    const c = ctx();
    const rows: Array<[string, Partial<Entry>, Status, string]> = [
      ['moving', { state: 'moving', claimId: CLAIM, stagingPath: STAGING }, 'deleting', stagedNote(NAME)],
      ['deleting', { state: 'deleting', claimId: CLAIM, stagingPath: STAGING }, 'deleting', stagedNote(NAME)],
      // A parked entry is recover's whatever the journals say.
      ['recovery', { state: 'recovery', stagingPath: STAGING }, 'recovery', 'interrupted deletion; use ephemdir recover'],
    ];
    for (const [why, over, status, note] of rows) {
      const e = entry(over);
      const d = decide(e, unknownProbe('missing'), c);
      assert.equal(displayStatus(e, unknownProbe('missing'), d, c), status, why);
      assert.equal(statusNote(status, e, c, d, { stagedByBatch: true }), note, why);
    }
    assert.match(stagedNote(NAME), /interrupted batch; the next sweep or `ephemdir recover bold-stoat-e38ea190bce505e7` settles it/);
  });
  it('notes without a decision fall back to generic wording', () => {
    const c = ctx({ bootId: OTHER_BOOT });
    assert.equal(statusNote('expired', entry({ expiresAt: null }), c), 'due now');
    assert.equal(statusNote('blocked', entry(), c), 'blocked; will not be touched');
    assert.equal(statusNote('recovery', entry(), c), 'interrupted deletion; use ephemdir recover');
    assert.equal(statusNote('deleting', entry(), c), 'partially deleted; sweeps will retry');
    assert.equal(statusNote('active', entry({ expiresAt: null }), c), 'no time limit');
    assert.equal(statusNote('expiring', entry({ expiresAt: NOW - 5 }), c), '0s left');
  });
});

describe('STATUS_STYLE', () => {
  it('has a style and a legend for every status, and nothing else', () => {
    assert.deepEqual(Object.keys(STATUS_STYLE).sort(), [...STATUSES].sort());
    assert.deepEqual(Object.keys(STATUS_LEGEND).sort(), [...STATUSES].sort());
  });
  it('ASCII tags are bracketed, unique and fit the column', () => {
    const tags = STATUSES.map((s) => STATUS_STYLE[s].ascii);
    assert.equal(new Set(tags).size, tags.length);
    for (const t of tags) {
      assert.match(t, /^\[[a-z/]+\]$/);
      assert.ok(t.length <= ASCII_TAG_WIDTH, t);
    }
  });
  it('emojis are unique and non-ASCII', () => {
    const emojis = STATUSES.map((s) => STATUS_STYLE[s].emoji);
    assert.equal(new Set(emojis).size, emojis.length);
    for (const e of emojis) assert.match(e, /[^\x00-\x7f]/);
  });
  const expected: Array<[Status, string, string, string]> = [
    ['active', '🟢', '[ok]', 'green'],
    ['expiring', '🟡', '[soon]', 'yellow'],
    ['expired', '🔴', '[due]', 'red'],
    ['until-restart', '🔄', '[boot]', 'cyan'],
    ['until-sweep', '🧹', '[swp]', 'cyan'],
    ['kept', '📌', '[pin]', 'green'],
    ['missing', '👻', '[miss]', 'dim'],
    ['replaced', '⚠️', '[warn]', 'yellow'],
    ['deleting', '🗑️', '[del]', 'yellow'],
    ['recovery', '🚧', '[rec]', 'red'],
    ['unavailable', '❓', '[n/a]', 'dim'],
    ['blocked', '⛔', '[blk]', 'red'],
  ];
  for (const [status, emoji, ascii, color] of expected) {
    it(`${status} is ${emoji} ${ascii} ${color}`, () => {
      assert.deepEqual(STATUS_STYLE[status], { emoji, ascii, color });
    });
  }
});
