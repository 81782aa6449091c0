// Stable string codes produced by the policy engine. Scripts, JSON output and
// the dry-run line match on these: add codes, never rename them.

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
] as const;
export type BlockerCode = (typeof BLOCKER_CODES)[number];
export type Blocker = BlockerCode;

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

/** Sort codes into their canonical order (dedupes too). */
export function canonicalOrder<C extends string>(codes: Iterable<C>, order: readonly C[]): C[] {
  const set = new Set(codes);
  return order.filter((c) => set.has(c));
}
