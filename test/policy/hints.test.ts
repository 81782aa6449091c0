// The bounded sweep's hints come from the same due-ness rules as decide():
// which hints an entry gets, and a hint is due exactly when decide() says
// the entry is due for the reason the hint stands for.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decide, restartState, type ReasonCode } from '../../src/policy/decide';
import {
  BUCKET_SECONDS,
  SCHEDULE_LEVELS,
  bootGroup,
  bootGroupDue,
  bucketNames,
  hintsFor,
  scheduleFolderDue,
  scheduleHintDue,
  type FolderDue,
  scheduledAt,
  type HintClock,
} from '../../src/policy/hints';
import { REASONS } from '../../src/policy/reasons';
import type { Entry } from '../../src/model/entry';
import { BOOT, BOOT_TIME, CLAIM, NOW, OTHER_BOOT, STAGING, ctx, entry, probe } from './fixtures';

function clock(over: Partial<HintClock> = {}): HintClock {
  const { now, bootId, bootTime, platform } = ctx(over);
  return { now, bootId, bootTime, platform };
}

describe('hintsFor', () => {
  const rows: Array<{ name: string; e: Partial<Entry>; kinds: string[]; at?: number | null; boot?: string }> = [
    { name: 'active with expiry, not on restart', e: { removeOnRestart: false }, kinds: ['names', 'schedule'], at: NOW + 7_200 },
    { name: 'active with expiry, on restart', e: {}, kinds: ['names', 'schedule', 'boots'], at: NOW + 7_200, boot: `id-${BOOT}` },
    { name: 'no expiry, on restart', e: { expiresAt: null }, kinds: ['names', 'boots'], at: null, boot: `id-${BOOT}` },
    { name: 'no expiry, no restart', e: { expiresAt: null, removeOnRestart: false }, kinds: ['names'], at: null },
    { name: 'macOS: filed by boot time', e: { bootId: null, platform: 'darwin' }, kinds: ['names', 'schedule', 'boots'], boot: `time-${Math.round(BOOT_TIME)}` },
    { name: 'unknown boot: no boot hint', e: { bootId: null, bootTime: null }, kinds: ['names', 'schedule'] },
    { name: 'moving: always due to resume', e: { state: 'moving', claimId: CLAIM, stagingPath: STAGING }, kinds: ['names', 'schedule'], at: 0 },
    { name: 'deleting: always due to resume', e: { state: 'deleting', stagingPath: STAGING }, kinds: ['names', 'schedule'], at: 0 },
    { name: 'recovery: only recover acts on it', e: { state: 'recovery', stagingPath: STAGING }, kinds: ['names'], at: null },
  ];
  for (const row of rows) {
    it(row.name, () => {
      const e = entry(row.e);
      const hints = hintsFor(e);
      assert.deepEqual(hints.map((h) => h.kind), row.kinds);
      if (row.at !== undefined) {
        assert.equal(scheduledAt(e), row.at);
        const s = hints.find((h) => h.kind === 'schedule');
        if (row.at !== null) assert.deepEqual([s?.dirs, s?.mtime], [bucketNames(row.at), row.at]);
      }
      if (row.boot !== undefined) assert.equal(hints.find((h) => h.kind === 'boots')?.dirs[0], row.boot);
    });
  }
});

/** Whether a hint filed for `at` is found due at `c`: every folder on its way entered, then the hint judged in its own. */
function hintFoundDue(at: number, c: HintClock): boolean {
  let due: FolderDue = 'some';
  for (const [depth, name] of bucketNames(at).entries()) {
    if (due !== 'all') due = scheduleFolderDue(depth, name, c);
    if (due === 'none') return false;
  }
  return scheduleHintDue(due, () => at, c);
}

describe('schedule hints agree with the expiry rule', () => {
  // Around an expiry: the hint (found through its day, hour, minute and second folders and its exact mtime) is due iff decide() says expired.
  for (const expiresAt of [NOW + 100.5, NOW + 100, 86_400 * 20_000 - 0.001, 0]) {
    for (const offset of [-86_401, -3601, -61, -1, -0.5, -0.001, 0, 0.001, 0.5, 1, 59, 61, 3601, 86_400 * 2]) {
      it(`expiry ${expiresAt}, now = expiry ${offset >= 0 ? '+' : ''}${offset}s`, () => {
        const c = clock({ now: Math.max(0, expiresAt + offset) });
        const d = decide(entry({ expiresAt, removeOnRestart: false }), probe(), ctx({ now: c.now }));
        assert.equal(hintFoundDue(expiresAt, c), d.reasons.includes('expired'));
      });
    }
  }
  it('folder names: one per level, each the moment counted in that level\'s width', () => {
    assert.equal(BUCKET_SECONDS, 1);
    assert.deepEqual(SCHEDULE_LEVELS, [86_400, 3600, 60, 1]);
    assert.deepEqual(bucketNames(1_800_001_861.5), ['0000020833', '0000500000', '0030000031', '1800001861']);
    assert.deepEqual(bucketNames(-5), ['0000000000', '0000000000', '0000000000', '0000000000']);
  });
  // now = 1_800_001_861.5: day 20833, hour 500000 (from 1_800_000_000), minute 30000031 (from 1_800_001_860), second 1800001861.
  const rows: Array<{ name: string; depth: number; folder: string; due: FolderDue }> = [
    { name: 'a past day', depth: 0, folder: '0000020832', due: 'all' },
    { name: 'today', depth: 0, folder: '0000020833', due: 'some' },
    { name: 'tomorrow', depth: 0, folder: '0000020834', due: 'none' },
    { name: 'the past hour', depth: 1, folder: '0000499999', due: 'all' },
    { name: 'this hour', depth: 1, folder: '0000500000', due: 'some' },
    { name: 'a later hour today', depth: 1, folder: '0000500001', due: 'none' },
    { name: 'the past minute', depth: 2, folder: '0030000030', due: 'all' },
    { name: 'this minute', depth: 2, folder: '0030000031', due: 'some' },
    { name: 'a later minute this hour (not opened at all)', depth: 2, folder: '0030000032', due: 'none' },
    { name: 'the past second', depth: 3, folder: '1800001860', due: 'all' },
    { name: 'this second: by each hint\'s mtime', depth: 3, folder: '1800001861', due: 'some' },
    { name: 'the next second', depth: 3, folder: '1800001862', due: 'none' },
    { name: 'all zeros (mid-deletion): always due', depth: 3, folder: '0000000000', due: 'all' },
    { name: 'not a number', depth: 2, folder: 'x', due: 'none' },
    { name: 'empty', depth: 1, folder: '', due: 'none' },
    { name: 'an id-like name (old-layout hint) is no folder', depth: 2, folder: 'ab'.repeat(16), due: 'none' },
    { name: 'below the last level', depth: 4, folder: '0000000000', due: 'none' },
  ];
  for (const row of rows) {
    it(`scheduleFolderDue: ${row.name}`, () => {
      assert.equal(scheduleFolderDue(row.depth, row.folder, clock({ now: 1_800_001_861.5 })), row.due);
    });
  }
  it('a hint is judged by its mtime only in a folder due in part, and a vanished one is not due', () => {
    const c = clock();
    let read = 0;
    const mtime = (v: number | null) => () => (read++, v);
    assert.equal(scheduleHintDue('all', mtime(null), c), true);
    assert.equal(scheduleHintDue('none', mtime(NOW - 1), c), false);
    assert.equal(read, 0, 'no mtime read outside a folder due in part');
    assert.equal(scheduleHintDue('some', mtime(NOW - 1), c), true);
    assert.equal(scheduleHintDue('some', mtime(NOW + 0.5), c), false);
    assert.equal(scheduleHintDue('some', mtime(null), c), false);
    assert.equal(read, 3);
  });
});

describe('boot hints agree with the restart rule', () => {
  const rows: Array<{ name: string; e: Partial<Entry>; c: Partial<HintClock> }> = [
    { name: 'linux, same boot', e: {}, c: {} },
    { name: 'linux, other boot', e: {}, c: { bootId: OTHER_BOOT } },
    { name: 'linux, current boot unknown', e: {}, c: { bootId: null } },
    { name: 'linux, entry filed by boot time only (unknown: never due)', e: { bootId: null }, c: { bootTime: BOOT_TIME + 9_999 } },
    { name: 'macOS, 119 s apart (same boot)', e: { bootId: null, platform: 'darwin' }, c: { platform: 'darwin', bootId: null, bootTime: BOOT_TIME + 119 } },
    { name: 'macOS, 120 s apart (same boot)', e: { bootId: null, platform: 'darwin' }, c: { platform: 'darwin', bootId: null, bootTime: BOOT_TIME - 120 } },
    { name: 'macOS, 121 s apart (restarted)', e: { bootId: null, platform: 'darwin' }, c: { platform: 'darwin', bootId: null, bootTime: BOOT_TIME + 121 } },
    { name: 'macOS, current boot time unknown', e: { bootId: null, platform: 'darwin' }, c: { platform: 'darwin', bootId: null, bootTime: null } },
  ];
  for (const row of rows) {
    it(row.name, () => {
      const e = entry({ expiresAt: null, ...row.e });
      const c = clock(row.c);
      const group = bootGroup(e);
      assert.notEqual(group, null);
      const restarted = restartState(e, ctx(row.c)) === 'restarted';
      assert.equal(bootGroupDue(group!, c), restarted);
      assert.equal(decide(e, probe(), ctx(row.c)).reasons.includes('restarted'), restarted);
    });
  }
  it('a folder name bootGroup never makes is not due', () => {
    assert.equal(bootGroupDue('time-abc', clock()), false);
    assert.equal(bootGroupDue('zzz', clock({ bootId: OTHER_BOOT })), false);
  });
});

describe('REASONS', () => {
  it('decide() reports exactly the reasons whose rule holds, in REASON_CODES order', () => {
    const e = entry({ expiresAt: NOW - 1, cleanup: 'next-sweep', maxSize: 10 });
    const d = decide(e, probe({ size: { bytes: 11, complete: true } }), ctx({ mode: 'force', bootId: OTHER_BOOT }));
    assert.deepEqual(d.reasons, ['forced', 'expired', 'restarted', 'next-sweep', 'oversize'] satisfies ReasonCode[]);
  });
  it('every reason the bounded sweep cannot find says why', () => {
    for (const [code, rule] of Object.entries(REASONS)) {
      if (rule.find.by === 'none') assert.ok(rule.find.why.length > 0, code);
    }
  });
});
