// Stable string codes produced by the policy engine and the deletion
// protocol. Scripts, JSON output and the dry-run line match on these: add
// codes, never rename them. Every list is documented in docs/cli.md ("Codes");
// every table keyed by a code is a `Record`, so a new code makes the compiler
// name each place that must say something about it.
import { ErrorCodes, type ErrorCode } from '../errors';

/** Why an entry is due. Listed in the order decisions report them. */
export const REASON_CODES = [
  /** Mode `force`. */
  'forced',
  /** `expiresAt` is set and `now >= expiresAt`. */
  'expired',
  /** `removeOnRestart` and the machine restarted since creation. */
  'restarted',
  /** `cleanup: 'next-sweep'` and mode `full` or `force` (never `maintenance`). */
  'next-sweep',
  /** `maxSize` set and the measured size (even a partial one) exceeds it. */
  'oversize',
  /** Journal entry (`moving`/`deleting`): an interrupted deletion to resume. */
  'resume-deletion',
] as const;
export type ReasonCode = (typeof REASON_CODES)[number];
export type Reason = ReasonCode;

/** Why a due entry must not be deleted now. Listed in the order decisions report them. */
export const BLOCKER_CODES = [
  'foreign-platform',
  'recovery-required',
  'in-progress',
  'path-missing',
  'unavailable',
  'protected-path',
  'unsafe-parent',
  'identity-changed',
  'ownership-unverified',
  'mount-inside',
  'in-use',
  'in-use-unknown',
  'locked',
  'lock-unknown',
  'size-unknown',
  // The protocol's own refusals, met when it re-checks under the entry lock:
  /** The entry was dropped meanwhile (kept or removed by another process). */
  'gone',
  /** The entry changed meanwhile (kept, extended, claimed by another sweep). */
  'changed',
  /** The rename into the private staging folder failed; nothing was moved. */
  'rename-failed',
  /** Another ephemdir process holds the entry's lock right now. */
  'busy',
] as const;
export type BlockerCode = (typeof BLOCKER_CODES)[number];
export type Blocker = BlockerCode;

/**
 * The `reasons` a sweep report may carry besides {@link REASON_CODES}: the
 * recovery pass says what it did, and two places report without a decision.
 */
export const SWEEP_REASON_EXTRAS = [
  /** tempdir()'s bounded sweep: due by its schedule or boot hint. */
  'due',
  /** `sweep({ dryRun: true })`: an interrupted deletion the sweep would resume. */
  'deleting',
  /** Recovery pass: the rename had never happened; the directory is active again. */
  'reactivated',
  /** Recovery pass: the interrupted deletion had finished; the entry was dropped. */
  'completed',
] as const;
export const SWEEP_REASON_CODES = [...REASON_CODES, ...SWEEP_REASON_EXTRAS] as const;
export type SweepReasonCode = (typeof SWEEP_REASON_CODES)[number];

/** What the recovery pass made of an interrupted deletion (see `reconcile`). */
export type RecoveredCode = Extract<SweepReasonCode, 'reactivated' | 'completed'>;

/** Informational facts that neither make an entry due nor hold it back. */
export const NOTE_CODES = [
  /** The size scan stopped early; the size is a lower bound. */
  'size-incomplete',
  /** A size limit is set but the size is unknown; irrelevant because another reason holds. */
  'size-unmeasured',
  /** `removeOnRestart` but the boot identity of the entry or the machine is unknown. */
  'restart-unknown',
  /** A journal entry carries the error of its last deletion attempt. */
  'last-error',
] as const;
export type NoteCode = (typeof NOTE_CODES)[number];

/**
 * Engine-level status.
 * - `active`: not due; `due`: due and nothing holds it back; `blocked`: due but held back;
 * - `missing`: nothing at the path (never destructive);
 * - `deleting`/`recovery`: journal entries (see `decideJournal`).
 */
export type DecisionStatus = 'active' | 'due' | 'blocked' | 'missing' | 'deleting' | 'recovery';

export interface Decision {
  due: boolean;
  reasons: ReasonCode[];
  blockers: BlockerCode[];
  /** `due` and no blockers: the sweep may claim and delete. */
  destructiveAllowed: boolean;
  /** Whole seconds until `expiresAt` (truncated, negative once expired); null without expiry or for journal entries. */
  remainingSeconds: number | null;
  status: DecisionStatus;
  notes: NoteCode[];
}

/** Blockers that describe the directory itself rather than a passing condition; `list` shows them as ⛔. */
export const HARD_BLOCKERS: ReadonlySet<BlockerCode> = new Set<BlockerCode>([
  'foreign-platform',
  'protected-path',
  'unsafe-parent',
  'mount-inside',
]);

/**
 * The error a refused removal (`remove()`, `recover()`) throws, by the first
 * blocker in canonical order.
 */
export const BLOCKER_ERRORS: Record<BlockerCode, ErrorCode> = {
  'foreign-platform': ErrorCodes.INVALID_STATE,
  'recovery-required': ErrorCodes.INVALID_STATE,
  'in-progress': ErrorCodes.INVALID_STATE,
  'path-missing': ErrorCodes.INVALID_STATE,
  unavailable: ErrorCodes.INVALID_STATE,
  'protected-path': ErrorCodes.INVALID_STATE,
  'unsafe-parent': ErrorCodes.INVALID_STATE,
  'identity-changed': ErrorCodes.NOT_OURS,
  'ownership-unverified': ErrorCodes.NOT_OURS,
  'mount-inside': ErrorCodes.INVALID_STATE,
  'in-use': ErrorCodes.IN_USE,
  'in-use-unknown': ErrorCodes.INVALID_STATE,
  locked: ErrorCodes.IN_USE,
  'lock-unknown': ErrorCodes.INVALID_STATE,
  'size-unknown': ErrorCodes.INVALID_STATE,
  gone: ErrorCodes.INVALID_STATE,
  changed: ErrorCodes.INVALID_STATE,
  'rename-failed': ErrorCodes.INVALID_STATE,
  busy: ErrorCodes.BUSY,
};

/** Sort codes into their canonical order (dedupes too). */
export function canonicalOrder<C extends string>(codes: Iterable<C>, order: readonly C[]): C[] {
  const set = new Set(codes);
  return order.filter((c) => set.has(c));
}

