// Root.cleanup's pieces (see tempman.ts): what the report says, and how a
// sub-directory's age is decided -- by its own timestamps, or (ageBy
// 'tree') by the newest modification time anywhere inside it, found with
// the engine's bounded, mount-aware scanner.
import { EphemdirError, ErrorCodes, hasCode } from '../errors';
import { entryKind, isDir, isSymlink, joinDisplay, type DirHandle, type Stat } from '../fs/dir-handle';
import type { RemoveTreeResult } from '../fs/remove-tree';
import type { ScanTreeOptions, ScanTreeResult } from '../fs/scan-tree';
import { isOtherMount, ownedByMe } from '../core/trust';

/** How a sub-directory's age is measured (RootOptions.ageBy). */
export type AgeBy = 'self' | 'tree';

/**
 * Bounds of the ageBy 'tree' scan of one sub-directory. A tree the scan
 * cannot finish within them is left (reason 'age-unknown'), never removed
 * on a guess.
 */
export const TREE_AGE_SCAN: Readonly<ScanTreeOptions> = { maxEntries: 1_000_000, timeoutMs: 10_000 };

/** Why {@link Root.cleanup} left an old subdirectory in place. */
export type SkipReason =
  /** A symlink: never followed, never removed. */
  | 'symlink'
  /** Owned by another user. */
  | 'foreign-owner'
  /** A mount point (or on another mount than the root). */
  | 'mount'
  /** A process holds a flock on it (or on a subdirectory: see `locked`). */
  | 'locked'
  /** It changed between inspection and removal (another process replaced it). */
  | 'replaced'
  /** Removal started but left entries behind; see `error.failures`. */
  | 'incomplete'
  /**
   * ageBy 'tree': the scan for the newest timestamp inside could not finish
   * (too many entries, too slow, something unreadable), so its age is not
   * known and it is left (fail closed); see `error`.
   */
  | 'age-unknown'
  /** Any other failure; see `error`. */
  | 'error';

/** A subdirectory {@link Root.cleanup} was old enough to remove but left, and why. */
export interface SkippedEntry {
  path: string;
  reason: SkipReason;
  /** The error behind `incomplete`, `error` and some `locked` / `replaced` entries. */
  error?: unknown;
  /** For `locked` found inside: the subdirectories held (the rest was removed). */
  locked?: string[];
}

/** What {@link Root.cleanup} removed and what it left alone. */
export interface CleanupReport {
  /** Paths of the subdirectories removed. */
  removed: string[];
  /** Old enough to remove, but left alone, with the reason. */
  skipped: SkippedEntry[];
}

export type Candidate = { name: Buffer; path: string; expect: { dev: number; ino: number } };

/** The age a sub-directory has by its own timestamps: now minus the later of mtime and atime. */
export function ownAgeMs(st: Stat, now: number): number {
  return now - Math.max(st.mtimeMs, st.atimeMs);
}

/**
 * ageBy 'tree': true when nothing inside the candidate was modified within
 * the timeout. `scan` is the outcome of scanning it with TREE_AGE_SCAN; an
 * incomplete scan (or its error) leaves the candidate, reported.
 */
export function treeIsOld(report: CleanupReport, c: Candidate, scan: ScanTreeResult | { error: unknown }, now: number, timeoutMs: number): boolean {
  if ('error' in scan) {
    if (hasCode(scan.error, 'ENOENT')) return false; // gone meanwhile
    report.skipped.push({ path: c.path, reason: 'age-unknown', error: scan.error });
    return false;
  }
  if (!scan.complete) {
    const error = new EphemdirError(ErrorCodes.INVALID_STATE, `${c.path}: the scan for its newest timestamp stopped early (over ${TREE_AGE_SCAN.maxEntries} entries, over ${TREE_AGE_SCAN.timeoutMs} ms, or something unreadable); left alone`, { path: c.path });
    report.skipped.push({ path: c.path, reason: 'age-unknown', error });
    return false;
  }
  return now - scan.newestMtimeMs > timeoutMs;
}

export function settleRemoval(report: CleanupReport, path: string, r: RemoveTreeResult): void {
  // Subdirectories another process holds a flock on are left, and so is the
  // directory around them.
  if (r.locked.length > 0) report.skipped.push({ path, reason: 'locked', locked: r.locked });
  else report.removed.push(path);
}

export function recordFailure(report: CleanupReport, path: string, err: unknown): void {
  if (hasCode(err, 'ENOENT')) return; // removed by someone else meanwhile
  if (hasCode(err, ErrorCodes.BUSY, ErrorCodes.IN_USE)) report.skipped.push({ path, reason: 'locked', error: err });
  else if (hasCode(err, ErrorCodes.NOT_OURS)) report.skipped.push({ path, reason: 'replaced', error: err });
  else if (hasCode(err, ErrorCodes.CROSSES_MOUNT)) report.skipped.push({ path, reason: 'mount', error: err });
  else if (hasCode(err, ErrorCodes.INCOMPLETE)) report.skipped.push({ path, reason: 'incomplete', error: err });
  else report.skipped.push({ path, reason: 'error', error: err });
}

/** Subdirectories old by their own timestamps that pass the symlink, owner and mount rules. */
export function candidates(dir: DirHandle, timeoutMs: number, report: CleanupReport): Candidate[] {
  const rootStat = dir.stat();
  const now = Date.now();
  const out: Candidate[] = [];
  const names: Buffer[] = [];
  for (const ent of dir.entries()) {
    const kind = entryKind(ent);
    if (kind === 'directory' || kind === 'unknown' || kind === 'symlink') names.push(ent.name);
  }
  for (const name of names) {
    const path = joinDisplay(dir.path, name);
    let st: Stat | null;
    try {
      st = dir.tryStat(name);
    } catch (err) {
      report.skipped.push({ path, reason: 'error', error: err });
      continue;
    }
    if (st === null) continue; // vanished meanwhile
    if (isSymlink(st)) {
      report.skipped.push({ path, reason: 'symlink' });
      continue;
    }
    if (!isDir(st)) continue;
    if (ownAgeMs(st, now) <= timeoutMs) continue;
    if (!ownedByMe(st)) {
      report.skipped.push({ path, reason: 'foreign-owner' });
      continue;
    }
    if (isOtherMount(rootStat, st)) {
      report.skipped.push({ path, reason: 'mount' });
      continue;
    }
    out.push({ name, path, expect: { dev: st.dev, ino: st.ino } });
  }
  return out;
}

/**
 * Opens the candidate (never across a mount), checks it is still the
 * directory inspected, and tries its flock: a holder means "in use".
 */
export function ready(dir: DirHandle, cand: Candidate, report: CleanupReport): boolean {
  let sub: DirHandle;
  try {
    sub = dir.openDir(cand.name, { noXdev: true });
  } catch (err) {
    if (hasCode(err, 'ENOENT')) return false;
    if (hasCode(err, 'EXDEV')) report.skipped.push({ path: cand.path, reason: 'mount' });
    else if (hasCode(err, 'ENOTDIR')) report.skipped.push({ path: cand.path, reason: 'replaced' });
    else report.skipped.push({ path: cand.path, reason: 'error', error: err });
    return false;
  }
  try {
    const st = sub.stat();
    if (st.dev !== cand.expect.dev || st.ino !== cand.expect.ino) {
      report.skipped.push({ path: cand.path, reason: 'replaced' });
      return false;
    }
    if (!sub.lock('exclusive')) {
      report.skipped.push({ path: cand.path, reason: 'locked' });
      return false;
    }
    // Released at close, before the engine takes its own lock.
    return true;
  } catch (err) {
    report.skipped.push({ path: cand.path, reason: 'error', error: err });
    return false;
  } finally {
    sub.close();
  }
}
