// Journal entries (`moving`, `deleting`, `recovery`) are mid-deletion or
// parked. Their original path is gone by design, so the active-entry rules
// (lifetime, restart, presence, identity) say nothing useful about them:
// they get their own decision and their own description.
import type { DecisionContext, Entry, JournalState, Probe } from '../model/entry';
import { isJournalState } from '../model/entry';
import { EphemdirError, ErrorCodes } from '../errors';
import type { BlockerCode, Decision, NoteCode } from './codes';
import { RECOVER_COMMAND, remedyCommand } from './remedies';

export interface JournalOptions {
  /**
   * Whether the process named by `entry.claimId` still holds the deletion lock.
   * Only the I/O layer can tell (by trying the lock); unknown counts as live,
   * so a claim is never resumed on a guess.
   */
  claimLive?: boolean | null;
  /** Probe of the staging tree, if the caller has one: `guard` and `mountsInside` are consulted. */
  probe?: Probe | null;
}

function requireJournal(entry: Entry): JournalState {
  if (!isJournalState(entry.state)) {
    throw new EphemdirError(ErrorCodes.INVALID_STATE, `${entry.name} is an active entry, not a journal entry`, {
      path: entry.path,
    });
  }
  return entry.state;
}

function claimInFlight(entry: Entry, opts: JournalOptions): boolean {
  return entry.claimId !== null && opts.claimLive !== false;
}

/**
 * Decide a journal entry.
 * - `recovery`: not due; blocked by `recovery-required` (only `ephemdir recover` acts on it).
 * - `moving`/`deleting`: due with `resume-deletion`; blocked by `in-progress` while a claim
 *   may still be live, and by the guard, mounts inside or a foreign platform.
 * `remainingSeconds` is null: a lifetime means nothing once deletion started.
 */
export function decideJournal(entry: Entry, ctx: DecisionContext, opts: JournalOptions = {}): Decision {
  const state = requireJournal(entry);
  const probe = opts.probe ?? null;
  const notes: NoteCode[] = entry.lastError !== null ? ['last-error'] : [];
  const blockers: BlockerCode[] = [];
  if (entry.platform !== ctx.platform) blockers.push('foreign-platform');

  if (state === 'recovery') {
    blockers.push('recovery-required');
    return {
      due: false,
      reasons: [],
      blockers,
      destructiveAllowed: false,
      remainingSeconds: null,
      status: 'recovery',
      notes,
    };
  }

  if (claimInFlight(entry, opts)) blockers.push('in-progress');
  if (probe !== null && probe.guard !== null) blockers.push('protected-path');
  if (probe !== null && probe.mountsInside !== null && probe.mountsInside.length > 0) blockers.push('mount-inside');
  return {
    due: true,
    reasons: ['resume-deletion'],
    blockers,
    destructiveAllowed: blockers.length === 0,
    remainingSeconds: null,
    status: 'deleting',
    notes,
  };
}

/** The list note of an entry parked for `recover`. */
export const RECOVERY_LABEL = `interrupted deletion; use ${RECOVER_COMMAND}`;

export interface JournalDescription {
  status: 'deleting' | 'recovery';
  /** The list note / one-line human description. */
  label: string;
  /** The command that resolves it, when a person has to act; null when sweeps handle it. */
  hint: string | null;
  stagingPath: string | null;
  lastError: string | null;
}

/** Describe a journal entry for `list` and `explain`. Throws `EPHEMDIR_INVALID_STATE` for an active entry. */
export function describeJournal(entry: Entry, opts: Pick<JournalOptions, 'claimLive'> = {}): JournalDescription {
  const state = requireJournal(entry);
  const base = { stagingPath: entry.stagingPath, lastError: entry.lastError };
  if (state === 'recovery') {
    return {
      status: 'recovery',
      label: RECOVERY_LABEL,
      hint: remedyCommand('recovery', entry.name),
      ...base,
    };
  }
  let label: string;
  if (entry.claimId === null || opts.claimLive === false) {
    label = state === 'moving' ? 'interrupted while moving aside; sweeps will retry' : 'partially deleted; sweeps will retry';
  } else if (opts.claimLive === true) {
    label = 'deletion in progress';
  } else {
    label = 'being deleted or interrupted; sweeps will retry';
  }
  return { status: 'deleting', label, hint: null, ...base };
}
