// The public shapes of the managed-directory API (issue: tempdir, registry,
// journaled sweep). The CLI is written against these.
import type { Entry, SweepMode } from '../model/entry';
import type { BlockerCode, SweepReasonCode } from '../policy/codes';
import type { Status } from '../policy/status';

/**
 * Which registry a call uses. Every function that reads or changes the
 * registry takes it; the handle {@link tempdir} returns remembers it.
 */
export interface RegistryOptions {
  /**
   * The data directory of a registry of your own (an absolute path), instead
   * of the user's (`EPHEMDIR_DATA_DIR`, else `~/.local/share/ephemdir` or
   * `~/Library/Application Support/ephemdir`). Directories tracked in it are
   * neither listed nor swept by the user's registry, and it works where there
   * is no writable home. It must be yours and writable by nobody else, on a
   * path no other user can redirect; missing folders are created 0700.
   */
  dataDir?: string;
}

/** Options of {@link tempdir} and {@link tempdirSync}; any left out come from `config.toml`, then the defaults. */
export interface TempdirOptions extends RegistryOptions {
  /** Seconds, a duration string ("30m", "1h30m", "7d"), or null for no time limit. */
  lifetime?: number | string | null;
  /** Due after the next reboot (default true). */
  removeOnRestart?: boolean;
  /** Defer deletion while a process has files open or its cwd inside. */
  keepWhileInUse?: boolean;
  /** "next-sweep": kept until an explicit full sweep. */
  cleanup?: 'auto' | 'next-sweep';
  /** Bytes or a size string ("2GiB"); due when the tree grows past it. */
  maxSize?: number | string | null;
  nameStyle?: 'secure' | 'clean' | 'auto';
  /** Where to create it (default: the current directory). */
  parent?: string | URL | Buffer;
  prefix?: string;
  words?: number;
  tags?: string[];
  description?: string | null;
  /** Remove at process exit (normal exit and SIGINT/SIGTERM/SIGHUP). */
  removeOnExit?: boolean;
}

/** A directory as listed: the entry plus what a probe found now. */
export interface TrackedDirectory {
  entry: Entry;
  /** Display status, one of `STATUSES`: active, expiring, expired, until-restart, until-sweep, kept, missing, replaced, deleting, recovery, unavailable, blocked. */
  status: Status;
  /** Human note: "1h 59m left", "expired 5m ago", ... */
  note: string;
  remainingSeconds: number | null;
  exists: boolean | null;
}

/**
 * A registry entry file that could not be used (corrupt, too large, not a
 * regular file, not yours, writable by others). It is left in place, never
 * acted on, and reported: in `list()` results (`quarantined`), in sweep
 * reports, and by `resolve()` as an `EPHEMDIR_QUARANTINED` process warning.
 */
export interface QuarantinedEntry {
  /** The entry id the file is named after, or null for a file not named like an entry. */
  id: string | null;
  /** The entry file (display path; for a name lookup, the entry id). */
  file: string;
  /** What is wrong with it. */
  reason: string;
}

/** What `list()` returns: the tracked directories, plus the entry files set aside. */
export interface TrackedList extends Array<TrackedDirectory> {
  /** Entry files that could not be used (not enumerable: the array's items are the directories). */
  readonly quarantined: QuarantinedEntry[];
}

/** Options of {@link sweep}. */
export interface SweepOptions extends RegistryOptions {
  /** Report what would be removed; remove nothing. */
  dryRun?: boolean;
  /** Treat every directory as due (blockers such as in-use still apply). */
  force?: boolean;
  /** Only entries carrying every one of these tags. */
  tags?: string[];
  /** Internal: the bounded sweep tempdir() runs first. */
  mode?: SweepMode;
  /** Called as the sweep goes, with the entries removed and directories finished so far. */
  onProgress?: (p: { entriesRemoved: number; directoriesDone: number }) => void;
  /**
   * Stops the sweep: already aborted, nothing is touched; aborted mid-way,
   * the removal under way stops at its next entry and stays mid-deletion
   * (the next sweep resumes it), and the sweep rejects with an AbortError
   * whose `report` says what was done.
   */
  signal?: AbortSignal;
}

/**
 * One directory in a {@link SweepReport}: which, why it was due (`reasons`)
 * and what held it back (`blockers`). Both hold only the documented codes
 * (`SWEEP_REASON_CODES`, `BLOCKER_CODES`; see docs/cli.md, "Codes").
 */
export interface SweepItem {
  path: string;
  name: string;
  reasons: SweepReasonCode[];
  blockers: BlockerCode[];
  /** For failures: the error code and message. */
  error?: { code: string; message: string };
}

/** What {@link sweep} did (or, with `dryRun`, would do), directory by directory. */
export interface SweepReport {
  dryRun: boolean;
  /** Removed (or, with dryRun, would be removed). */
  removed: SweepItem[];
  /** Due but held back (in use, locked, missing, ...): not a failure. */
  deferred: SweepItem[];
  /** Due and allowed, but removal failed. */
  failed: SweepItem[];
  /** Interrupted deletions finished or reactivated by the recovery pass. */
  recovered: SweepItem[];
  /** Left for a later sweep because this one was bounded (tempdir's maintenance). */
  postponed: number;
  /** Entry files that could not be used and were left alone (set by every sweep()). */
  quarantined?: QuarantinedEntry[];
}

/** What {@link remove} removed: the directory and how many entries it held (itself included). */
export interface RemoveResult {
  path: string;
  name: string;
  entriesRemoved: number;
}

/** The registry counters {@link stats} returns; `currentlyTracked` is counted now. */
export interface Stats {
  created: number;
  swept: number;
  kept: number;
  removed: number;
  currentlyTracked: number;
}

/** Options of {@link list}. */
export interface ListOptions extends RegistryOptions {
  /** Only entries carrying every one of these tags. */
  tags?: string[];
}

/** Options of {@link extend}. */
export interface ExtendOptions extends RegistryOptions {
  /** Add to the current expiry instead of counting from now (as a leading "+" does). */
  relative?: boolean;
}

/** Options of {@link recover}. */
export interface RecoverOptions extends RegistryOptions {
  /** Drop the registry entry only; never deletes files. */
  forget?: boolean;
}
