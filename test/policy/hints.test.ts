// The bounded sweep's hints come from the same due-ness rules as decide():
// which hints an entry gets, and a hint is due exactly when decide() says
// the entry is due for the reason the hint stands for.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decide, restartState, type ReasonCode } from '../../src/policy/decide';
import {
  BUCKET_SECONDS,
  bootGroup,
  bootGroupDue,
  bucketNames,
  dayMayBeDue,
  hintsFor,
  hourMayBeDue,
  scheduleHintDue,
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
        if (row.at !== null) assert.deepEqual([s?.outer, s?.inner, s?.mtime], [...bucketNames(row.at), row.at]);
      }
      if (row.boot !== undefined) assert.equal(hints.find((h) => h.kind === 'boots')?.outer, row.boot);
    });
  }
});

describe('schedule hints agree with the expiry rule', () => {
  // Around an expiry: the hint (found through its day, hour and exact mtime) is due iff decide() says expired.
  const expiresAt = NOW + 100.5;
  for (const offset of [-BUCKET_SECONDS - 1, -1, -0.001, 0, 0.001, 1, BUCKET_SECONDS, 86_400 * 2]) {
    it(`now = expiry ${offset >= 0 ? '+' : ''}${offset}s`, () => {
      const c = clock({ now: expiresAt + offset });
      const [day, hour] = bucketNames(expiresAt);
      const hinted = dayMayBeDue(day, c) && hourMayBeDue(hour, c) && scheduleHintDue(hour, () => expiresAt, c);
      const d = decide(entry({ expiresAt, removeOnRestart: false }), probe(), ctx({ now: c.now }));
      assert.equal(hinted, d.reasons.includes('expired'));
    });
  }
  it('a vanished hint in the current hour is not due', () => {
    const c = clock();
    assert.equal(scheduleHintDue(bucketNames(NOW)[1], () => null, c), false);
  });
  it('folder names that are not bucket numbers are never due', () => {
    assert.equal(dayMayBeDue('x', clock()), false);
    assert.equal(hourMayBeDue('', clock()), false);
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
