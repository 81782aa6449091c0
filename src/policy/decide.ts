// The pure decision engine: is an entry due, and may it be deleted now?
// Inputs are plain data (entry, probe, context with `now`); no I/O.
import type { DecisionContext, Entry, Probe } from '../model/entry';
import { isJournalState } from '../model/entry';
import { REASON_CODES, type BlockerCode, type Decision, type NoteCode } from './codes';
import { decideJournal, type JournalOptions } from './journal';
import { REASONS, restartState, type DueFacts, type SizeVerdict } from './reasons';

export * from './codes';
export { decideJournal, describeJournal } from './journal';
export type { JournalDescription, JournalOptions } from './journal';
export { RESTART_TOLERANCE_SECONDS, REASONS, reached, restartBetween, restartState } from './reasons';
export type { BootFacts, RestartState, SizeVerdict } from './reasons';

/** Whole seconds left (truncated toward zero, negative once expired); null without expiry. */
export function remainingSeconds(entry: Entry, now: number): number | null {
  if (entry.expiresAt === null) return null;
  return Math.trunc(entry.expiresAt - now) + 0; // `+ 0` turns -0 into 0
}

export function sizeVerdict(entry: Entry, size: Probe['size']): SizeVerdict {
  if (entry.maxSize === null) return 'no-limit';
  if (size === null || !Number.isFinite(size.bytes)) return 'unknown';
  if (size.bytes > entry.maxSize) return 'over';
  return size.complete ? 'within' : 'partial-within';
}

/**
 * Decide one entry. Journal entries (`moving`, `deleting`, `recovery`) are
 * handed to {@link decideJournal}; active-entry rules never apply to them.
 *
 * Rules worth knowing:
 * - `force` adds the `forced` reason but never removes a blocker.
 * - `size-unknown` blocks only when oversize is the sole possible reason; an entry
 *   due for another reason is swept without a size (note `size-unmeasured`).
 * - An incomplete scan at or under the limit is neither due for oversize nor a
 *   blocker (note `size-incomplete`), so a tree too large to measure is still
 *   swept once it expires.
 * - Unknown in-use/lock state fails closed (`in-use-unknown`, `lock-unknown`);
 *   unchecked `parentSafe`/`mountsInside` (null) add nothing, because the claim
 *   and the deletion engine check them again.
 */
export function decide(entry: Entry, probe: Probe, ctx: DecisionContext, journal: JournalOptions = {}): Decision {
  if (isJournalState(entry.state)) return decideJournal(entry, ctx, { probe, ...journal });

  const present = probe.presence === 'present';
  const notes: NoteCode[] = [];
  const facts: DueFacts = {
    entry,
    ctx,
    size: present ? sizeVerdict(entry, probe.size) : 'no-limit',
    restart: entry.removeOnRestart ? restartState(entry, ctx) : 'unknown',
  };
  const reasons = REASON_CODES.filter((code) => REASONS[code].due(facts));
  const size = facts.size;

  if (entry.removeOnRestart && facts.restart === 'unknown') notes.push('restart-unknown');
  if ((size === 'over' || size === 'partial-within') && probe.size?.complete === false) notes.push('size-incomplete');
  if (size === 'unknown' && reasons.length > 0) notes.push('size-unmeasured');

  const blockers: BlockerCode[] = [];
  if (entry.platform !== ctx.platform) blockers.push('foreign-platform');
  if (probe.presence === 'missing') blockers.push('path-missing');
  if (probe.presence === 'unavailable') blockers.push('unavailable');
  if (probe.guard !== null) blockers.push('protected-path');
  if (probe.parentSafe === false) blockers.push('unsafe-parent');
  if (present) {
    if (probe.identity === 'foreign') blockers.push('identity-changed');
    else if (probe.identity !== 'ours') blockers.push('ownership-unverified');
    if (probe.mountsInside !== null && probe.mountsInside.length > 0) blockers.push('mount-inside');
    if (entry.keepWhileInUse) {
      if (probe.inUse === true) blockers.push('in-use');
      else if (probe.inUse === null) blockers.push('in-use-unknown');
    }
    if (probe.lockedByOther === true) blockers.push('locked');
    else if (probe.lockedByOther === null) blockers.push('lock-unknown');
    if (size === 'unknown' && reasons.length === 0) blockers.push('size-unknown');
  }

  const due = reasons.length > 0;
  const destructiveAllowed = due && blockers.length === 0;
  let status: Decision['status'];
  if (probe.presence === 'missing') status = 'missing';
  else if (!due) status = 'active';
  else status = destructiveAllowed ? 'due' : 'blocked';

  return {
    due,
    reasons,
    blockers,
    destructiveAllowed,
    remainingSeconds: remainingSeconds(entry, ctx.now),
    status,
    notes,
  };
}
