// The status `ephemdir list` shows for an entry, its icon and its note.
// Pure: the decision and probe come in, strings come out.
import type { DecisionContext, Entry, Probe } from '../model/entry';
import { isJournalState } from '../model/entry';
import { formatRemaining } from '../core/humanize';
import { HARD_BLOCKERS, type BlockerCode, type Decision, type ReasonCode } from './codes';
import { REASONS } from './reasons';
import { assertNever } from '../core/never';
import { describeJournal, RECOVERY_LABEL, type JournalOptions } from './journal';
import { stagedNote } from './remedies';

/**
 * What only the I/O layer knows about an entry in a journal state: whether
 * its claim is live (see JournalOptions), and whether the state comes from a
 * batch journal that its entry file is behind (`stagedByBatch`: the file
 * still says active, as after a power cut; the reader shows the journal's).
 */
export interface JournalFacts extends Pick<JournalOptions, 'claimLive'> {
  stagedByBatch?: boolean;
}

export const STATUSES = [
  'active',
  'expiring',
  'expired',
  'until-restart',
  'until-sweep',
  'kept',
  'missing',
  'replaced',
  'deleting',
  'recovery',
  'unavailable',
  'blocked',
] as const;
export type Status = (typeof STATUSES)[number];

export type StatusColor = 'green' | 'yellow' | 'red' | 'cyan' | 'dim';

/** Below this many seconds left (strictly), a counting-down entry shows as `expiring`. */
export const EXPIRING_THRESHOLD_SECONDS = 15 * 60;

/** Every ASCII tag fits in this many columns; renderers pad to it so notes line up. */
export const ASCII_TAG_WIDTH = 6;

export const STATUS_STYLE: Record<Status, { emoji: string; ascii: string; color: StatusColor }> = {
  active: { emoji: '\u{1F7E2}', ascii: '[ok]', color: 'green' },
  expiring: { emoji: '\u{1F7E1}', ascii: '[soon]', color: 'yellow' },
  expired: { emoji: '\u{1F534}', ascii: '[due]', color: 'red' },
  'until-restart': { emoji: '\u{1F504}', ascii: '[boot]', color: 'cyan' },
  'until-sweep': { emoji: '\u{1F9F9}', ascii: '[swp]', color: 'cyan' },
  kept: { emoji: '\u{1F4CC}', ascii: '[pin]', color: 'green' },
  missing: { emoji: '\u{1F47B}', ascii: '[miss]', color: 'dim' },
  replaced: { emoji: '\u26A0\uFE0F', ascii: '[warn]', color: 'yellow' },
  deleting: { emoji: '\u{1F5D1}\uFE0F', ascii: '[del]', color: 'yellow' },
  recovery: { emoji: '\u{1F6A7}', ascii: '[rec]', color: 'red' },
  unavailable: { emoji: '\u2753', ascii: '[n/a]', color: 'dim' },
  blocked: { emoji: '\u26D4', ascii: '[blk]', color: 'red' },
};

/** One-phrase meaning of each status, for the legend under `list`. */
export const STATUS_LEGEND: Record<Status, string> = {
  active: 'counting down',
  expiring: 'less than 15 minutes left',
  expired: 'due on the next sweep',
  'until-restart': 'until restart',
  'until-sweep': 'until the next full sweep',
  kept: 'no auto-cleanup',
  missing: 'missing from disk but still tracked until explicit prune/keep',
  replaced: 'replaced by another directory (never touched, still tracked)',
  deleting: 'deletion under way or to be retried by sweeps',
  recovery: 'interrupted deletion requiring recover',
  unavailable: 'temporarily inaccessible but still tracked',
  blocked: 'held back from automatic deletion',
};

/** Whether a reason comes from the entry itself (its REASONS row has a list note), not from the sweep mode. */
function ownReason(code: ReasonCode): boolean {
  return REASONS[code].listNote !== null;
}

function hardBlocker(probe: Probe, decision: Decision): BlockerCode | null {
  for (const code of decision.blockers) if (HARD_BLOCKERS.has(code)) return code;
  if (probe.presence === 'present' && probe.identity === 'unverified') return 'ownership-unverified';
  return null;
}

/**
 * The list status. Precedence: journal state, foreign platform, presence,
 * identity, hard blockers, then due-ness and time left. The sweep mode never
 * changes the status: `forced` and `next-sweep` reasons are ignored here, so a
 * `next-sweep` entry shows as `until-sweep` whatever mode the decision used.
 * Passing conditions such as in-use do not change it either; `explain` shows them.
 */
export function displayStatus(entry: Entry, probe: Probe, decision: Decision, ctx: DecisionContext): Status {
  if (isJournalState(entry.state)) return entry.state === 'recovery' ? 'recovery' : 'deleting';
  if (entry.platform !== ctx.platform) return 'blocked';
  if (probe.presence === 'missing') return 'missing';
  if (probe.presence === 'unavailable') return 'unavailable';
  if (probe.identity === 'foreign') return 'replaced';
  if (hardBlocker(probe, decision) !== null) return 'blocked';
  if (decision.reasons.some(ownReason)) return 'expired';
  if (entry.cleanup === 'next-sweep') return 'until-sweep';
  if (entry.expiresAt !== null) {
    return entry.expiresAt - ctx.now < EXPIRING_THRESHOLD_SECONDS ? 'expiring' : 'active';
  }
  if (entry.removeOnRestart) return 'until-restart';
  return 'kept';
}

const BLOCKED_NOTES: Partial<Record<BlockerCode, string>> = {
  'protected-path': 'protected path; will not be touched',
  'unsafe-parent': 'unsafe parent directory; will not be touched',
  'mount-inside': 'a filesystem is mounted inside; held back',
  'ownership-unverified': 'ownership unverified; will not be touched',
};

/**
 * The note column for a status. `decision` refines `expired` (restart or size)
 * and `blocked` (which blocker); without it the note is the generic one.
 */
export function statusNote(
  status: Status,
  entry: Entry,
  ctx: DecisionContext,
  decision?: Decision,
  journal: JournalFacts = {},
): string {
  switch (status) {
    case 'active':
    case 'expiring': {
      if (entry.expiresAt === null) return 'no time limit';
      return `${formatRemaining(Math.max(0, Math.floor(entry.expiresAt - ctx.now)))} left`;
    }
    case 'expired': {
      if (entry.expiresAt !== null && ctx.now >= entry.expiresAt) {
        return `expired ${formatRemaining(Math.floor(ctx.now - entry.expiresAt))} ago`;
      }
      // The first reason of the entry's own that is not the expiry itself says why.
      for (const code of decision?.reasons ?? []) {
        if (code !== 'expired' && ownReason(code)) return REASONS[code].listNote!;
      }
      return 'due now';
    }
    case 'until-restart':
      return 'until restart';
    case 'until-sweep':
      return 'until next full sweep';
    case 'kept':
      return entry.maxSize !== null ? 'no time limit; removed only if over its size limit' : 'no auto-cleanup';
    case 'missing':
      return 'missing; still tracked';
    case 'replaced':
      return 'replaced by another directory; will not be touched';
    case 'unavailable':
      return 'temporarily inaccessible; still tracked';
    case 'deleting':
    case 'recovery':
      if (journal.stagedByBatch === true && isJournalState(entry.state) && entry.state !== 'recovery') return stagedNote(entry.name);
      return isJournalState(entry.state)
        ? describeJournal(entry, journal).label
        : status === 'recovery'
          ? RECOVERY_LABEL
          : 'partially deleted; sweeps will retry';
    case 'blocked': {
      if (entry.platform !== ctx.platform) return `created on ${entry.platform}; will not be touched here`;
      for (const code of decision?.blockers ?? []) {
        const note = BLOCKED_NOTES[code];
        if (note !== undefined) return note;
      }
      return 'blocked; will not be touched';
    }
    default:
      return assertNever(status, 'status');
  }
}
