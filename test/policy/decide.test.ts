import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  BLOCKER_CODES,
  REASON_CODES,
  decide,
  decideJournal,
  describeJournal,
  remainingSeconds,
  restartState,
  type BlockerCode,
  type NoteCode,
  type ReasonCode,
} from '../../src/policy/decide';
import type { DecisionContext, Entry, Probe } from '../../src/model/entry';
import { unknownProbe } from '../../src/model/entry';
import { hasCode } from '../../src/errors';
import { BOOT, BOOT_TIME, CLAIM, NOW, OTHER_BOOT, STAGING, ctx, entry, probe } from './fixtures';

interface Row {
  name: string;
  e?: Partial<Entry>;
  p?: Partial<Probe>;
  c?: Partial<DecisionContext>;
  reasons?: ReasonCode[];
  blockers?: BlockerCode[];
  notes?: NoteCode[];
  status?: string;
  allowed?: boolean;
}

function run(rows: Row[]): void {
  for (const row of rows) {
    it(row.name, () => {
      const d = decide(entry(row.e), probe(row.p), ctx(row.c));
      if (row.reasons) assert.deepEqual(d.reasons, row.reasons, 'reasons');
      if (row.blockers) assert.deepEqual(d.blockers, row.blockers, 'blockers');
      if (row.notes) assert.deepEqual(d.notes, row.notes, 'notes');
      if (row.status) assert.equal(d.status, row.status, 'status');
      if (row.allowed !== undefined) assert.equal(d.destructiveAllowed, row.allowed, 'destructiveAllowed');
      assert.equal(d.due, d.reasons.length > 0);
      assert.equal(d.destructiveAllowed, d.due && d.blockers.length === 0);
    });
  }
}

describe('decide: reasons', () => {
  run([
    { name: 'fresh entry is active', reasons: [], blockers: [], status: 'active', allowed: false },
    { name: 'force mode adds forced', c: { mode: 'force' }, reasons: ['forced'], status: 'due', allowed: true },
    { name: 'expired exactly at expiresAt', e: { expiresAt: NOW }, reasons: ['expired'], status: 'due' },
    { name: 'not expired one ms before', e: { expiresAt: NOW + 0.001 }, reasons: [] },
    { name: 'restarted (linux boot ids differ)', c: { bootId: OTHER_BOOT }, reasons: ['restarted'] },
    { name: 'restart ignored without removeOnRestart', e: { removeOnRestart: false }, c: { bootId: OTHER_BOOT }, reasons: [] },
    { name: 'next-sweep in full mode', e: { cleanup: 'next-sweep' }, reasons: ['next-sweep'] },
    {
      name: 'oversize on a complete scan',
      e: { maxSize: 1000 },
      p: { size: { bytes: 1001, complete: true } },
      reasons: ['oversize'],
      notes: [],
    },
    {
      name: 'every reason at once, in order',
      e: { expiresAt: NOW - 1, cleanup: 'next-sweep', maxSize: 10 },
      p: { size: { bytes: 11, complete: true } },
      c: { mode: 'force', bootId: OTHER_BOOT },
      reasons: ['forced', 'expired', 'restarted', 'next-sweep', 'oversize'],
    },
  ]);
});

describe('decide: sweep modes', () => {
  run([
    { name: 'maintenance never removes next-sweep', e: { cleanup: 'next-sweep' }, c: { mode: 'maintenance' }, reasons: [] },
    { name: 'full removes next-sweep', e: { cleanup: 'next-sweep' }, c: { mode: 'full' }, reasons: ['next-sweep'] },
    {
      name: 'force adds forced and next-sweep',
      e: { cleanup: 'next-sweep' },
      c: { mode: 'force' },
      reasons: ['forced', 'next-sweep'],
    },
    { name: 'maintenance still removes expired', e: { expiresAt: NOW - 5 }, c: { mode: 'maintenance' }, reasons: ['expired'] },
    {
      name: 'force keeps blockers (in use)',
      e: { keepWhileInUse: true },
      p: { inUse: true },
      c: { mode: 'force' },
      reasons: ['forced'],
      blockers: ['in-use'],
      status: 'blocked',
      allowed: false,
    },
    {
      name: 'force keeps blockers (guard)',
      p: { guard: 'the home directory' },
      c: { mode: 'force' },
      blockers: ['protected-path'],
      allowed: false,
    },
    {
      name: 'force keeps blockers (identity)',
      p: { identity: 'foreign' },
      c: { mode: 'force' },
      blockers: ['identity-changed'],
      allowed: false,
    },
  ]);
});

describe('restartState', () => {
  const linux: Array<[string, string | null, string | null, string]> = [
    ['same boot id', BOOT, BOOT, 'same-boot'],
    ['different boot id', BOOT, OTHER_BOOT, 'restarted'],
    ['entry has no boot id', null, OTHER_BOOT, 'unknown'],
    ['machine boot id unreadable', BOOT, null, 'unknown'],
    ['empty boot id counts as unknown', '', OTHER_BOOT, 'unknown'],
  ];
  for (const [name, then, now, want] of linux) {
    it(`linux: ${name}`, () => {
      const c = ctx({ bootId: now, bootTime: BOOT_TIME + 10_000 });
      assert.equal(restartState(entry({ bootId: then }), c), want);
    });
  }
  it('linux ignores boot time entirely', () => {
    assert.equal(restartState(entry(), ctx({ bootTime: BOOT_TIME + 99_999 })), 'same-boot');
  });

  const darwin: Array<[string, number | null, number | null, string]> = [
    ['identical boot time', BOOT_TIME, BOOT_TIME, 'same-boot'],
    ['+120 s is the same boot', BOOT_TIME, BOOT_TIME + 120, 'same-boot'],
    ['-120 s is the same boot', BOOT_TIME, BOOT_TIME - 120, 'same-boot'],
    ['+120.5 s is a restart', BOOT_TIME, BOOT_TIME + 120.5, 'restarted'],
    ['+121 s is a restart', BOOT_TIME, BOOT_TIME + 121, 'restarted'],
    ['-121 s is a restart', BOOT_TIME, BOOT_TIME - 121, 'restarted'],
    ['entry boot time unknown', null, BOOT_TIME + 5_000, 'unknown'],
    ['machine boot time unknown', BOOT_TIME, null, 'unknown'],
  ];
  for (const [name, then, now, want] of darwin) {
    it(`darwin: ${name}`, () => {
      const e = entry({ platform: 'darwin', bootId: null, bootTime: then });
      assert.equal(restartState(e, ctx({ platform: 'darwin', bootId: OTHER_BOOT, bootTime: now })), want);
    });
  }

  it('unknown restart is not a reason but a note', () => {
    const d = decide(entry({ bootId: null }), probe(), ctx());
    assert.deepEqual(d.reasons, []);
    assert.deepEqual(d.notes, ['restart-unknown']);
    assert.deepEqual(decide(entry({ bootId: null, removeOnRestart: false }), probe(), ctx()).notes, []);
  });
  it('darwin restart makes the entry due', () => {
    const e = entry({ platform: 'darwin', bootTime: BOOT_TIME });
    const d = decide(e, probe(), ctx({ platform: 'darwin', bootTime: BOOT_TIME + 3_600 }));
    assert.deepEqual(d.reasons, ['restarted']);
    assert.equal(d.destructiveAllowed, true);
  });
});

describe('decide: size limit (gap 11.2 #6)', () => {
  const limit = { maxSize: 1000 };
  run([
    { name: 'no limit: size ignored', p: { size: null }, reasons: [], blockers: [], notes: [] },
    { name: 'complete scan at the limit is not over', e: limit, p: { size: { bytes: 1000, complete: true } }, reasons: [], blockers: [] },
    {
      name: 'partial scan already over the limit counts',
      e: limit,
      p: { size: { bytes: 1001, complete: false } },
      reasons: ['oversize'],
      blockers: [],
      notes: ['size-incomplete'],
      allowed: true,
    },
    {
      name: 'partial scan under the limit, nothing else due: not due, not blocked',
      e: limit,
      p: { size: { bytes: 500, complete: false } },
      reasons: [],
      blockers: [],
      notes: ['size-incomplete'],
      status: 'active',
    },
    {
      name: 'partial scan under the limit but expired: swept',
      e: { ...limit, expiresAt: NOW - 60 },
      p: { size: { bytes: 500, complete: false } },
      reasons: ['expired'],
      blockers: [],
      notes: ['size-incomplete'],
      allowed: true,
    },
    {
      name: 'partial scan under the limit with --force: swept',
      e: limit,
      p: { size: { bytes: 500, complete: false } },
      c: { mode: 'force' },
      reasons: ['forced'],
      blockers: [],
      allowed: true,
    },
    {
      name: 'unmeasurable, oversize the sole possible reason: size-unknown',
      e: limit,
      p: { size: null },
      reasons: [],
      blockers: ['size-unknown'],
      notes: [],
      status: 'active',
    },
    {
      name: 'unmeasurable but restarted: swept, note only',
      e: limit,
      p: { size: null },
      c: { bootId: OTHER_BOOT },
      reasons: ['restarted'],
      blockers: [],
      notes: ['size-unmeasured'],
      allowed: true,
    },
    {
      name: 'unmeasurable under --force: swept',
      e: limit,
      p: { size: null },
      c: { mode: 'force' },
      blockers: [],
      notes: ['size-unmeasured'],
      allowed: true,
    },
    {
      name: 'size of a missing path is not judged',
      e: { ...limit, expiresAt: NOW - 1 },
      p: { presence: 'missing', identity: 'unknown', size: null },
      blockers: ['path-missing'],
      notes: [],
    },
  ]);
});

describe('decide: blockers', () => {
  const due = { expiresAt: NOW - 1 };
  const rows: Array<[BlockerCode, Partial<Entry>, Partial<Probe>, Partial<DecisionContext>?]> = [
    ['foreign-platform', { ...due, platform: 'darwin' }, {}],
    ['path-missing', due, { presence: 'missing', identity: 'unknown' }],
    ['unavailable', due, { presence: 'unavailable', identity: 'unknown' }],
    ['protected-path', due, { guard: 'refusing the home directory' }],
    ['unsafe-parent', due, { parentSafe: false }],
    ['identity-changed', due, { identity: 'foreign' }],
    ['ownership-unverified', due, { identity: 'unverified' }],
    ['mount-inside', due, { mountsInside: ['/home/alice/work/x/mnt'] }],
    ['in-use', { ...due, keepWhileInUse: true }, { inUse: true }],
    ['in-use-unknown', { ...due, keepWhileInUse: true }, { inUse: null }],
    ['locked', due, { lockedByOther: true }],
    ['lock-unknown', due, { lockedByOther: null }],
    ['size-unknown', { maxSize: 1 }, { size: null }],
  ];
  for (const [code, e, p, c] of rows) {
    it(`${code} alone`, () => {
      const d = decide(entry(e), probe(p), ctx(c));
      assert.deepEqual(d.blockers, [code]);
      assert.equal(d.destructiveAllowed, false);
    });
  }
  run([
    { name: 'unknown identity fails closed', e: due, p: { identity: 'unknown' }, blockers: ['ownership-unverified'] },
    { name: 'inUse not consulted without keepWhileInUse', e: due, p: { inUse: null }, blockers: [], allowed: true },
    { name: 'keepWhileInUse and not in use', e: { ...due, keepWhileInUse: true }, p: { inUse: false }, blockers: [] },
    { name: 'parentSafe unchecked adds nothing', e: due, p: { parentSafe: null }, blockers: [] },
    { name: 'mountsInside unchecked adds nothing', e: due, p: { mountsInside: null }, blockers: [] },
    {
      name: 'missing path: presence-dependent checks skipped',
      e: { ...due, keepWhileInUse: true },
      p: { presence: 'missing', identity: 'unknown', inUse: null, lockedByOther: null, mountsInside: null },
      blockers: ['path-missing'],
      status: 'missing',
      allowed: false,
    },
    {
      name: 'missing but not due is still status missing',
      p: { presence: 'missing', identity: 'unknown' },
      status: 'missing',
    },
    {
      name: 'unavailable keeps guard and parent checks',
      e: due,
      p: { presence: 'unavailable', identity: 'unknown', guard: 'x', parentSafe: false },
      blockers: ['unavailable', 'protected-path', 'unsafe-parent'],
      status: 'blocked',
    },
    {
      name: 'blockers come in canonical order',
      e: { ...due, keepWhileInUse: true, platform: 'darwin' },
      p: { guard: 'g', parentSafe: false, identity: 'unverified', mountsInside: ['/m'], inUse: null, lockedByOther: true },
      blockers: [
        'foreign-platform',
        'protected-path',
        'unsafe-parent',
        'ownership-unverified',
        'mount-inside',
        'in-use-unknown',
        'locked',
      ],
    },
  ]);
  it('canonical order matches BLOCKER_CODES', () => {
    const d = decide(
      entry({ ...due, keepWhileInUse: true, platform: 'darwin' }),
      probe({ guard: 'g', parentSafe: false, identity: 'foreign', mountsInside: ['/m'], inUse: true, lockedByOther: null }),
      ctx(),
    );
    const order = d.blockers.map((b) => BLOCKER_CODES.indexOf(b));
    assert.deepEqual(order, [...order].sort((a, b) => a - b));
  });
  it('every reason code is reachable and listed', () => {
    assert.deepEqual([...REASON_CODES].sort(), ['expired', 'forced', 'next-sweep', 'oversize', 'restarted', 'resume-deletion']);
  });
});

describe('remainingSeconds', () => {
  const rows: Array<[number | null, number | null]> = [
    [null, null],
    [NOW + 7_200, 7_200],
    [NOW + 59.9, 59],
    [NOW + 0.4, 0],
    [NOW - 0.4, 0],
    [NOW - 300.7, -300],
  ];
  for (const [expiresAt, want] of rows) {
    it(`expiresAt ${expiresAt === null ? 'null' : expiresAt - NOW} -> ${want}`, () => {
      const got = remainingSeconds(entry({ expiresAt }), NOW);
      assert.ok(Object.is(got, want), `got ${got}`);
      assert.ok(Object.is(decide(entry({ expiresAt }), probe(), ctx()).remainingSeconds, want));
    });
  }
});

describe('journal entries', () => {
  const moving = { state: 'moving' as const, claimId: CLAIM, stagingPath: STAGING };
  const deleting = { state: 'deleting' as const, claimId: CLAIM, stagingPath: STAGING };
  const stale = { state: 'deleting' as const, claimId: null, stagingPath: STAGING, lastError: 'EXDEV: cross-device link' };
  const recovery = { state: 'recovery' as const, claimId: null, stagingPath: STAGING };

  const rows: Array<[string, Partial<Entry>, boolean | null | undefined, ReasonCode[], BlockerCode[], string, boolean]> = [
    ['moving, claim liveness unknown: held', moving, undefined, ['resume-deletion'], ['in-progress'], 'deleting', false],
    ['moving, claim live', moving, true, ['resume-deletion'], ['in-progress'], 'deleting', false],
    ['moving, claim dead: resumable', moving, false, ['resume-deletion'], [], 'deleting', true],
    ['deleting, claim live', deleting, true, ['resume-deletion'], ['in-progress'], 'deleting', false],
    ['deleting, no claim (partial failure): resumable', stale, null, ['resume-deletion'], [], 'deleting', true],
    ['recovery: never automatic', recovery, false, [], ['recovery-required'], 'recovery', false],
  ];
  for (const [name, e, claimLive, reasons, blockers, status, allowed] of rows) {
    it(name, () => {
      const d = decideJournal(entry(e), ctx(), { claimLive });
      assert.deepEqual(d.reasons, reasons);
      assert.deepEqual(d.blockers, blockers);
      assert.equal(d.status, status);
      assert.equal(d.destructiveAllowed, allowed);
      assert.equal(d.remainingSeconds, null);
    });
  }
  it('decide delegates: a missing original path is not path-missing, lifetime is ignored', () => {
    const d = decide(entry({ ...stale, expiresAt: NOW + 3_559 }), unknownProbe('missing'), ctx({ mode: 'force' }));
    assert.deepEqual(d.reasons, ['resume-deletion']);
    assert.deepEqual(d.blockers, []);
    assert.deepEqual(d.notes, ['last-error']);
    assert.equal(d.remainingSeconds, null);
  });
  it('decide passes claim liveness through', () => {
    assert.deepEqual(decide(entry(deleting), unknownProbe('missing'), ctx(), { claimLive: false }).blockers, []);
  });
  it('guard, mounts and platform still hold a resumable deletion back', () => {
    const d = decideJournal(entry({ ...stale, platform: 'darwin' }), ctx(), {
      probe: probe({ guard: 'the data directory', mountsInside: ['/x'] }),
    });
    assert.deepEqual(d.blockers, ['foreign-platform', 'protected-path', 'mount-inside']);
    assert.equal(d.destructiveAllowed, false);
  });
  it('active entries are refused', () => {
    assert.throws(() => decideJournal(entry(), ctx()), (err) => hasCode(err, 'EPHEMDIR_INVALID_STATE'));
    assert.throws(() => describeJournal(entry()), (err) => hasCode(err, 'EPHEMDIR_INVALID_STATE'));
  });

  const labels: Array<[string, Partial<Entry>, boolean | null | undefined, string, string]> = [
    ['moving, unknown claim', moving, undefined, 'deleting', 'being deleted or interrupted; sweeps will retry'],
    ['deleting, live claim', deleting, true, 'deleting', 'deletion in progress'],
    ['deleting, dead claim', deleting, false, 'deleting', 'partially deleted; sweeps will retry'],
    ['moving, dead claim', moving, false, 'deleting', 'interrupted while moving aside; sweeps will retry'],
    ['deleting, no claim', stale, undefined, 'deleting', 'partially deleted; sweeps will retry'],
    ['recovery', recovery, undefined, 'recovery', 'interrupted deletion; use ephemdir recover'],
  ];
  for (const [name, e, claimLive, status, label] of labels) {
    it(`describeJournal: ${name}`, () => {
      const j = describeJournal(entry(e), { claimLive });
      assert.equal(j.status, status);
      assert.equal(j.label, label);
      assert.equal(j.stagingPath, STAGING);
      assert.equal(j.hint, status === 'recovery' ? 'ephemdir recover bold-stoat-e38ea190bce505e7' : null);
    });
  }
});
