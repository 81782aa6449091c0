// Which hinted entries the bounded sweep inside tempdir() takes, in what
// order, and which step of the protocol a call runs on it: pure decisions
// over the entries the schedule hints named. The caller's latency is what is
// bounded, so a call does one step on one directory at most: it claims a due
// directory (moved into staging, "deleting" journaled), or it removes and
// commits one claimed earlier, finishing a deletion under way before it
// starts another (at most one tree is ever left claimed by these calls).
import type { Entry } from '../model/entry';

/** How many due directories one tempdir() call removes at most. */
export const MAINTENANCE_LIMIT = 1;
/** How many hinted entries one tempdir() call reads and checks at most to find them. */
export const MAINTENANCE_LOOKS = 4;
/**
 * How many entries (files, directories) one tempdir() call removes at most.
 * An unlink costs about what a creation's own mkdir does on a journaling
 * disk (0.1-0.7 ms on a VM's ext4), so a step of 16 stays within about one
 * creation's time there; a larger tree takes more calls, or the next sweep.
 */
export const MAINTENANCE_BUDGET = 16;

/**
 * The protocol step one call runs on an entry it took: `claim` for an
 * active due directory (the claim is durable, so the next call or sweep
 * finishes it), `finish` for a deletion under way (reconcile, remove the
 * tree within MAINTENANCE_BUDGET, commit). Each step alone costs a few
 * durable writes; the whole protocol in one call cost about five times a
 * creation (issue 14's p99 row).
 */
export function maintenanceStep(entry: Pick<Entry, 'state'>): 'claim' | 'finish' {
  return entry.state === 'active' ? 'claim' : 'finish';
}

/** What the order needs to know of an entry. */
export type MaintenanceFacts = Pick<Entry, 'state' | 'keepWhileInUse' | 'lastError'>;

/** Why a hinted entry is never taken here (null: it may be, once probed). */
export function maintenanceSkip(entry: MaintenanceFacts): 'recovery' | 'in-use-scan' | null {
  // Parked entries wait for `recover`; an in-use scan is too slow for the caller's path.
  if (entry.state === 'recovery') return 'recovery';
  if (entry.state === 'active' && entry.keepWhileInUse) return 'in-use-scan';
  return null;
}

/**
 * The entries worth probing, in the order to try them: deletions under way
 * (moving, deleting) first, then active ones, then deletions under way that
 * failed before (`lastError`: they must not block the rest), each group in
 * the hints' (random) order; entries never taken here are left out.
 */
export function maintenanceOrder<T extends MaintenanceFacts>(entries: readonly T[]): T[] {
  const eligible = entries.filter((e) => maintenanceSkip(e) === null);
  const resuming = eligible.filter((e) => e.state !== 'active');
  return [
    ...resuming.filter((e) => e.lastError === null),
    ...eligible.filter((e) => e.state === 'active'),
    ...resuming.filter((e) => e.lastError !== null),
  ];
}
