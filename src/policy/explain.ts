// `ephemdir explain`: one plain object that both the human renderer and
// `--json` use. Pure: everything comes in as data.
import type { DecisionContext, Entry, LifecycleState, Probe } from '../model/entry';
import { isJournalState } from '../model/entry';
import { formatRemaining } from '../core/humanize';
import { REASON_CODES, type BlockerCode, type Decision, type DecisionStatus, type NoteCode, type ReasonCode } from './codes';
import { REASONS } from './reasons';
import { describeJournal } from './journal';
import { displayStatus, type JournalFacts, type Status, type StatusColor } from './status';
import { RECOVER_COMMAND, recoveryChoices, remedyCommand, remedyText } from './remedies';

/** The label of each reason (its row in REASONS). */
export const REASON_LABELS = Object.fromEntries(
  REASON_CODES.map((code) => [code, REASONS[code].label]),
) as Readonly<Record<ReasonCode, string>>;

export const BLOCKER_LABELS: Record<BlockerCode, string> = {
  'foreign-platform': 'it was created on a different operating system',
  'recovery-required': `an interrupted deletion needs a decision: ${RECOVER_COMMAND}`,
  'in-progress': 'another process may be deleting it right now',
  'path-missing': 'nothing exists at its path any more',
  unavailable: 'its path cannot be inspected right now',
  'protected-path': 'the deletion guard protects this path',
  'unsafe-parent': 'another user could tamper with its parent directory',
  'identity-changed': 'a different directory now sits at its path',
  'ownership-unverified': 'ephemdir could not confirm that it created this directory',
  'mount-inside': 'a filesystem is mounted inside it',
  'in-use': 'a process still has files open inside it',
  'in-use-unknown': 'could not check whether files are open inside it',
  locked: 'another process holds a lock on it',
  'lock-unknown': 'could not check whether another process holds a lock on it',
  'size-unknown': 'its size could not be measured, so the size limit cannot be judged',
  gone: 'it is no longer tracked (kept or removed by another process meanwhile)',
  changed: 'its entry changed meanwhile (kept, extended or claimed by another process)',
  'rename-failed': 'it could not be moved aside for deletion; nothing was moved',
  busy: 'another ephemdir process is working on it right now',
};

export const NOTE_LABELS: Record<NoteCode, string> = {
  'size-incomplete': 'the size scan stopped early; the size shown is a lower bound',
  'size-unmeasured': 'its size was not measured (not needed: it is due anyway)',
  'restart-unknown': 'cannot tell whether the machine has restarted',
  'last-error': 'the last deletion attempt failed',
};

export interface Labeled<C extends string> {
  code: C;
  label: string;
  /** Specifics for this entry (the guard's reason, mount points, the last error...). */
  detail?: string;
}

export type VerdictColor = StatusColor;

/** What {@link explain} returns: the decision for one directory with every reason, blocker and note, labelled for people. */
export interface ExplainModel {
  path: string;
  name: string;
  /** Engine status: active | due | blocked | missing | deleting | recovery. */
  status: DecisionStatus;
  /** The status `list` shows (with its icon in `STATUS_STYLE`). */
  listStatus: Status;
  lifecycleState: LifecycleState;
  due: boolean;
  destructiveAllowed: boolean;
  remainingSeconds: number | null;
  sizeBytes: number | null;
  sizeComplete: boolean | null;
  maxSizeBytes: number | null;
  reasons: Labeled<ReasonCode>[];
  blockers: Labeled<BlockerCode>[];
  notes: Labeled<NoteCode>[];
  verdict: string;
  verdictColor: VerdictColor;
  /** A command that resolves the entry when a person must act, else null. */
  hint: string | null;
  stagingPath: string | null;
  tags: string[];
  description: string | null;
}

function blockerDetail(code: BlockerCode, entry: Entry, probe: Probe, ctx: DecisionContext): string | undefined {
  switch (code) {
    case 'protected-path':
      return probe.guard ?? undefined;
    case 'mount-inside':
      return probe.mountsInside?.join(', ');
    case 'in-use':
    case 'in-use-unknown':
      return probe.inUseDetail;
    case 'foreign-platform':
      return `created on ${entry.platform}, running on ${ctx.platform}`;
    case 'path-missing':
      return entry.path;
    case 'recovery-required':
      return recoveryChoices(entry.name);
    default:
      return undefined;
  }
}

/** One blocker for people: its label, then its specifics for this entry when there are any. */
export function blockerText(code: BlockerCode, detail: string | undefined): string {
  return detail === undefined || detail === '' ? BLOCKER_LABELS[code] : `${BLOCKER_LABELS[code]}: ${detail}`;
}

/**
 * Why a removal was refused, for its error message: every blocker of the
 * decision with its specifics, in canonical order.
 */
export function describeBlockers(decision: Pick<Decision, 'blockers'>, entry: Entry, probe: Probe, ctx: DecisionContext): string {
  return decision.blockers.map((code) => blockerText(code, blockerDetail(code, entry, probe, ctx))).join('; ');
}

function noteDetail(code: NoteCode, entry: Entry, probe: Probe): string | undefined {
  switch (code) {
    case 'size-incomplete':
      return probe.size ? `at least ${probe.size.bytes} bytes` : undefined;
    case 'last-error':
      return entry.lastError ?? undefined;
    default:
      return undefined;
  }
}

function withDetail<C extends string>(code: C, label: string, detail: string | undefined): Labeled<C> {
  return detail === undefined ? { code, label } : { code, label, detail };
}

function verdictFor(
  entry: Entry,
  decision: Decision,
  listStatus: Status,
  ctx: DecisionContext,
  journal: JournalFacts,
): { verdict: string; color: VerdictColor; hint: string | null } {
  if (isJournalState(entry.state)) {
    const j = describeJournal(entry, journal);
    if (j.status === 'deleting' && journal.stagedByBatch === true) {
      return {
        verdict: `staged for deletion by an interrupted batched sweep (its journal is ahead of the entry file, as after a power cut): ${remedyText('staged', entry.name)}`,
        color: 'yellow',
        hint: remedyCommand('staged', entry.name),
      };
    }
    if (j.status === 'recovery') {
      return { verdict: `interrupted deletion: run \`${remedyCommand('recovery', entry.name)}\``, color: 'red', hint: j.hint };
    }
    if (decision.blockers.includes('in-progress')) return { verdict: j.label, color: 'yellow', hint: null };
    if (decision.destructiveAllowed) {
      return { verdict: 'interrupted deletion: the next sweep resumes it', color: 'yellow', hint: null };
    }
    return { verdict: 'interrupted deletion, held back', color: 'red', hint: null };
  }
  switch (listStatus) {
    case 'missing':
      return { verdict: 'missing on disk; still tracked', color: 'dim', hint: remedyCommand('missing', entry.name) };
    case 'replaced':
      return { verdict: 'replaced by another directory; it will not be touched', color: 'yellow', hint: remedyCommand('replaced', entry.name) };
    case 'unavailable':
      return { verdict: 'temporarily inaccessible; still tracked', color: 'dim', hint: null };
    default:
      break;
  }
  if (decision.due && decision.destructiveAllowed) {
    return { verdict: 'will be removed on the next sweep', color: 'yellow', hint: null };
  }
  if (decision.due) {
    const overdueBy = entry.expiresAt !== null && ctx.now >= entry.expiresAt ? ctx.now - entry.expiresAt : null;
    const verdict =
      overdueBy === null ? 'due, but held back' : `due, but held back (overdue by ${formatRemaining(Math.floor(overdueBy))})`;
    return { verdict, color: 'red', hint: null };
  }
  if (entry.cleanup === 'next-sweep') return { verdict: 'kept until the next full sweep', color: 'cyan', hint: null };
  if (entry.expiresAt !== null) {
    const left = formatRemaining(Math.max(0, Math.floor(entry.expiresAt - ctx.now)));
    return { verdict: `kept for now (${left} left)`, color: 'green', hint: null };
  }
  if (entry.removeOnRestart) return { verdict: 'kept until the machine restarts', color: 'cyan', hint: null };
  return { verdict: 'kept (no time limit)', color: 'green', hint: null };
}

/** Build the explain model for one entry (active or journal). */
export function explainModel(
  entry: Entry,
  probe: Probe,
  decision: Decision,
  ctx: DecisionContext,
  journal: JournalFacts = {},
): ExplainModel {
  const listStatus = displayStatus(entry, probe, decision, ctx);
  const { verdict, color, hint } = verdictFor(entry, decision, listStatus, ctx, journal);
  const measured = !isJournalState(entry.state) && probe.presence === 'present' ? probe.size : null;
  return {
    path: entry.path,
    name: entry.name,
    status: decision.status,
    listStatus,
    lifecycleState: entry.state,
    due: decision.due,
    destructiveAllowed: decision.destructiveAllowed,
    remainingSeconds: decision.remainingSeconds,
    sizeBytes: measured?.bytes ?? null,
    sizeComplete: measured?.complete ?? null,
    maxSizeBytes: entry.maxSize,
    reasons: decision.reasons.map((code) => ({ code, label: REASON_LABELS[code] })),
    blockers: decision.blockers.map((code) =>
      withDetail(code, BLOCKER_LABELS[code], blockerDetail(code, entry, probe, ctx)),
    ),
    notes: decision.notes.map((code) => withDetail(code, NOTE_LABELS[code], noteDetail(code, entry, probe))),
    verdict,
    verdictColor: color,
    hint,
    stagingPath: entry.stagingPath,
    tags: [...entry.tags],
    description: entry.description,
  };
}

/** One failing check of `explain --json`'s `decision` array (passing checks are not listed). */
export interface ExplainCheck {
  check: string;
  ok: false;
  detail: string;
}

/**
 * The `explain --json` document: the snake_case keys of the reference tool
 * (`destructive_allowed`, `remaining_seconds`, `size_bytes`, `max_size_bytes`,
 * `reasons`, `blocked_by`, `decision`), plus the keys this implementation adds.
 */
export function explainJson(model: ExplainModel): Record<string, unknown> {
  const decision: ExplainCheck[] = [
    ...model.reasons.map((r) => ({ check: r.code, ok: false as const, detail: r.label })),
    ...model.blockers.map((b) => ({
      check: b.code,
      ok: false as const,
      detail: b.detail === undefined ? b.label : `${b.label}: ${b.detail}`,
    })),
  ];
  return {
    path: model.path,
    name: model.name,
    status: model.status,
    due: model.due,
    destructive_allowed: model.destructiveAllowed,
    remaining_seconds: model.remainingSeconds,
    size_bytes: model.sizeBytes,
    max_size_bytes: model.maxSizeBytes,
    reasons: model.reasons.map((r) => r.code),
    blocked_by: model.blockers.map((b) => b.code),
    decision,
    tags: model.tags,
    description: model.description,
    list_status: model.listStatus,
    lifecycle_state: model.lifecycleState,
    size_complete: model.sizeComplete ?? false,
    notes: model.notes.map((n) => n.code),
    verdict: model.verdict,
    hint: model.hint,
    staging_path: model.stagingPath,
  };
}
