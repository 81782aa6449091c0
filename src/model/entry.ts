// The registry entry model and the plain-data inputs of the policy engine.
// Nothing here does I/O: the store persists `Entry`, the I/O layer gathers a
// `Probe` per entry, and `src/policy/*` turns both into decisions.
import type { Platform } from '../core/platform';

/**
 * Persistent lifecycle state (the deletion journal).
 * - `active`: a normal tracked directory at its original path.
 * - `moving`: the claim is journaled; the rename to the staging path may or may not have happened.
 * - `deleting`: the tree sits at its staging path; a live `claimId` means a deletion is running,
 *   a null `claimId` plus `lastError` means a retryable partial failure.
 * - `recovery`: ambiguous; never touched automatically, needs `ephemdir recover`.
 */
export type LifecycleState = 'active' | 'moving' | 'deleting' | 'recovery';
export type CleanupPolicy = 'auto' | 'next-sweep';
export type NameStyle = 'secure' | 'clean';
/** The platform an entry was created on (its restart rule depends on it). */
export type { Platform };

/**
 * A tracked directory as the registry stores it: where it is, its identity
 * (device, inode, mount id, marker id), its lifetime rules, tags and state.
 */
export interface Entry {
  /** Marker id: 32 lowercase hex characters; the registry key. */
  id: string;
  /** Absolute path at creation. */
  path: string;
  /** Absolute parent path. */
  parent: string;
  /** Final path component. */
  name: string;
  /** Epoch seconds (float). */
  createdAt: number;
  /** Epoch seconds; null = no time limit. */
  expiresAt: number | null;
  removeOnRestart: boolean;
  keepWhileInUse: boolean;
  cleanup: CleanupPolicy;
  /** Size limit in bytes; null = none. */
  maxSize: number | null;
  nameStyle: NameStyle;
  tags: string[];
  description: string | null;
  /** Linux boot id at creation. */
  bootId: string | null;
  /** Epoch seconds of the boot at creation (macOS restart detection). */
  bootTime: number | null;
  dev: number;
  ino: number;
  mountId: number | null;
  mountIdUnique: boolean;
  uid: number;
  state: LifecycleState;
  claimId: string | null;
  stagingPath: string | null;
  lastError: string | null;
  platform: Platform;
}

/**
 * - `maintenance`: the lazy sweep inside `tempdir()`; never removes `next-sweep` entries.
 * - `full`: `ephemdir sweep`, `watch`, the service, the API default.
 * - `force`: `sweep --force`; every entry gets the `forced` reason, blockers still apply.
 */
export type SweepMode = 'maintenance' | 'full' | 'force';

/**
 * Facts the I/O layer gathered about one entry. Every field can be "unknown":
 * the policy fails closed wherever an unknown could hide a reason not to delete.
 */
export interface Probe {
  /** Whether something exists at `entry.path` (`unavailable`: lstat failed other than ENOENT/ENOTDIR). */
  presence: 'present' | 'missing' | 'unavailable';
  /** Marker id + inode check. `unverified`: could not read the proof; `unknown`: not checked. */
  identity: 'ours' | 'foreign' | 'unverified' | 'unknown';
  /** The deletion guard's refusal reason, or null when the guard lets the path through. */
  guard: string | null;
  /** Trusted parent chain; null = not checked (it is re-checked at claim time). */
  parentSafe: boolean | null;
  /** Files open inside; null = could not tell. Only consulted when `keepWhileInUse`. */
  inUse: boolean | null;
  /** Which process uses it, or why that could not be told (explain shows it). */
  inUseDetail?: string;
  /** Another process holds flock on the directory (systemd-tmpfiles convention); null = could not tell. */
  lockedByOther: boolean | null;
  /** Measured size; null = not measured or could not measure. `complete: false` = lower bound. */
  size: { bytes: number; complete: boolean } | null;
  /** Mount points found inside the tree; null = not checked (the deletion engine still refuses to cross mounts). */
  mountsInside: string[] | null;
}

/** The machine and sweep the decision is made for. `now` is epoch seconds. */
export interface DecisionContext {
  now: number;
  bootId: string | null;
  bootTime: number | null;
  platform: Platform;
  mode: SweepMode;
}

/** The journal states: an entry in one of these is mid-deletion or parked. */
export type JournalState = Exclude<LifecycleState, 'active'>;

export function isJournalState(state: LifecycleState): state is JournalState {
  return state !== 'active';
}

/** A probe that knows nothing beyond presence; handy for callers that probe lazily. */
export function unknownProbe(presence: Probe['presence'] = 'present'): Probe {
  return {
    presence,
    identity: 'unknown',
    guard: null,
    parentSafe: null,
    inUse: null,
    lockedByOther: null,
    size: null,
    mountsInside: null,
  };
}
