// Recursive removal through directory fds (the engine is native/remove_*.cc and
// runs off the main thread for the async variants).
//
// The path is resolved once, component by component without following a
// symlink; from then on the engine only uses fds: it never follows a
// symlink at any depth, never crosses a mount (bind mounts included), keeps
// a bounded number of fds however deep the tree, and repairs permissions
// only on directories the caller owns. It resolves when the tree is gone
// (or emptied, with keepRoot), or with `complete: false` when a maxEntries
// budget stopped it; anything it could not remove makes it reject with
// EPHEMDIR_INCOMPLETE listing each failure, and a name swapped under it
// (a directory replaced by a symlink) with EPHEMDIR_CONCURRENT_MODIFICATION.
import * as os from 'node:os';
import * as path from 'node:path';
import { EphemdirError, ErrorCodes, describeErrno, hasCode, invalidArgument, systemError } from '../errors';
import type { Name } from '../native/binding';
import { treeNative, type NativeRemoveOptions, type NativeRemoveResult } from '../native/tree-binding';
import { Cancellation, abortError, checkSignal, withCounts } from './abort';
import { DirHandle, joinDisplay } from './dir-handle';
import { openParent } from './walk';

export interface RemoveTreeProgress {
  /** Entries removed so far (directories included). */
  entriesRemoved: number;
}

export interface RemoveTreeOptions {
  /** More paths (besides `/` and the home directory) that may be neither removed nor have an ancestor removed. Compared by identity. */
  protect?: string[];
  /** chmod 0700 directories the caller owns but cannot read/search/write (default true). Files are never chmodded. */
  repairPermissions?: boolean;
  /** Passes over a directory a concurrent writer keeps refilling before giving up with EPHEMDIR_CONCURRENT_MODIFICATION (default 8). */
  maxRescans?: number;
  /** Skip subdirectories another process holds a flock on (systemd-tmpfiles' convention), listing them in `locked`; a locked root is refused with EPHEMDIR_BUSY. */
  skipLocked?: boolean;
  /** A name in the root removed last, just before the root (an ownership marker that survives a partial delete). */
  removeLast?: Name;
  /** Empty the directory but keep it. */
  keepRoot?: boolean;
  /** The root must have this identity, else EPHEMDIR_NOT_OURS and nothing is touched. */
  expect?: { dev: number; ino: number };
  /**
   * Called with the running count, at most every ~100 ms or 10,000 entries,
   * and once at the end. If it throws, the removal stops at its next entry
   * (both forms) and fails with that error, given the counts so far.
   */
  onProgress?: (p: RemoveTreeProgress) => void;
  /**
   * Stops the removal: already aborted, nothing is touched; aborted while it
   * runs, it stops at its next entry and rejects with an AbortError (code
   * ABORT_ERR, `cause` the signal's reason) carrying the counts so far.
   * The sync form only checks it before starting.
   */
  signal?: AbortSignal;
  /** Threads removing the root's subdirectories in parallel (default 1, at most 64). */
  parallel?: number;
  /** Open directory fds per thread (default: from RLIMIT_NOFILE, at most 32). For tests and tight fd budgets. */
  maxOpenDirs?: number;
  /**
   * A work budget: once this many entries are removed, stop at the next safe
   * point and resolve with `complete: false`. The root (and the `removeLast`
   * marker) stay, so a later call picks up where this one stopped.
   */
  maxEntries?: number;
}

export interface RemoveTreeResult {
  /** Every entry removed, directories (and the root) included. */
  entriesRemoved: number;
  directoriesRemoved: number;
  /** True when the tree is gone (or emptied, with keepRoot); false when `maxEntries` stopped the removal first (or on an error). */
  complete: boolean;
  /** Mount points found inside (always empty on success: a mount makes the removal incomplete). */
  mounts: string[];
  /** Subtrees skipped because another process held a lock on them (skipLocked). */
  locked: string[];
}

export interface RemoveTreeFailure {
  /** Display path (invalid UTF-8 bytes written as \xNN). */
  path: string;
  /** Node's code for the errno: EPERM, EACCES, EXDEV (a mount point), ... */
  code: string;
  /** Negative, like Node's system errors. */
  errno: number;
  syscall: string;
}

/**
 * Fields an EPHEMDIR_INCOMPLETE (or concurrent-modification, or abort) error
 * carries besides `code`, `message` and `path`. What is kept of the
 * failures is bounded (the first 100, at most 64 KiB of paths, each path cut
 * to its last 4 KiB with a leading "..."); every failure is counted.
 */
export interface RemoveTreeIncomplete extends RemoveTreeResult {
  failures: RemoveTreeFailure[];
  /** Every failure, kept or not. */
  failureCount: number;
  /** failureCount minus the failures kept. */
  failuresOmitted: number;
}

function checkInt(value: unknown, name: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalidArgument(`${name} must be an integer from ${min} to ${max}, got ${String(value)}`);
  }
  return value;
}

function isComponent(name: Name): boolean {
  const s = typeof name === 'string' ? name : name.toString('latin1');
  return s.length > 0 && s !== '.' && s !== '..' && !s.includes('/') && !s.includes('\0');
}

function homeDir(): string | undefined {
  try {
    return os.homedir();
  } catch {
    return undefined;
  }
}

function toNative(options: RemoveTreeOptions): NativeRemoveOptions {
  if (typeof options !== 'object' || options === null) throw invalidArgument('options must be an object');
  const protect = ['/'];
  const home = homeDir();
  if (home) protect.push(home);
  if (options.protect !== undefined) {
    if (!Array.isArray(options.protect) || options.protect.some((p) => typeof p !== 'string' || p.length === 0 || p.includes('\0'))) {
      throw invalidArgument('protect must be an array of non-empty paths');
    }
    for (const p of options.protect) protect.push(path.resolve(p));
  }
  if (options.removeLast !== undefined && !isComponent(options.removeLast)) {
    throw invalidArgument(`removeLast must be a single name in the root, got ${String(options.removeLast)}`);
  }
  if (options.onProgress !== undefined && typeof options.onProgress !== 'function') {
    throw invalidArgument('onProgress must be a function');
  }
  checkSignal(options.signal);
  const out: NativeRemoveOptions = {
    protect,
    keepRoot: options.keepRoot === true,
    skipLocked: options.skipLocked === true,
    repairPermissions: options.repairPermissions !== false,
    maxRescans: checkInt(options.maxRescans, 'maxRescans', 0, 1_000_000) ?? 8,
    parallel: checkInt(options.parallel, 'parallel', 1, 64) ?? 1,
    maxOpenDirs: checkInt(options.maxOpenDirs, 'maxOpenDirs', 2, 4096) ?? 0,
  };
  const budget = checkInt(options.maxEntries, 'maxEntries', 1, Number.MAX_SAFE_INTEGER);
  if (budget !== undefined) out.maxEntries = budget;
  if (options.removeLast !== undefined) out.removeLast = options.removeLast;
  if (options.expect !== undefined) {
    const { dev, ino } = options.expect ?? ({} as { dev?: unknown; ino?: unknown });
    if (typeof dev !== 'number' || typeof ino !== 'number') throw invalidArgument('expect must be { dev: number, ino: number }');
    out.expectDev = dev;
    out.expectIno = ino;
  }
  return out;
}

function emptyResult(): RemoveTreeResult {
  return { entriesRemoved: 0, directoriesRemoved: 0, complete: true, mounts: [], locked: [] };
}

function countsOf(r: NativeRemoveResult): RemoveTreeResult {
  return {
    entriesRemoved: r.entriesRemoved,
    directoriesRemoved: r.directoriesRemoved,
    // An error never completed, whatever the engine's flag says.
    complete: r.status === 'ok' ? r.complete !== false : false,
    mounts: r.mounts,
    locked: r.locked,
  };
}

/** The counts and the (bounded) failures an error carries. */
function errorFields(r: NativeRemoveResult): RemoveTreeIncomplete {
  const failures: RemoveTreeFailure[] = r.failures.map((f) => ({
    path: f.path,
    code: describeErrno(f.errno)[0],
    errno: f.errno,
    syscall: f.syscall,
  }));
  const failureCount = Math.max(r.failureCount, failures.length);
  return { ...countsOf(r), complete: false, failures, failureCount, failuresOmitted: failureCount - failures.length };
}

/** Turns the engine's answer into the resolved value, or throws the matching error. */
function settle(r: NativeRemoveResult, display: string): RemoveTreeResult {
  if (r.status === 'ok') return countsOf(r);
  const fields = errorFields(r);
  const { failures, failureCount } = fields;
  switch (r.status) {
    case 'incomplete': {
      const first = failures[0];
      const more = failureCount > 1 ? ` and ${failureCount - 1} more` : '';
      const what = first ? `: ${first.code} on ${first.syscall} '${first.path}'${more}` : '';
      throw new EphemdirError(ErrorCodes.INCOMPLETE, `could not remove all of ${display}${what}`, {
        ...fields,
        path: display,
      });
    }
    case 'concurrent':
      throw new EphemdirError(ErrorCodes.CONCURRENT_MODIFICATION, r.message || `${r.path} changed while it was being removed`, {
        ...fields,
        path: r.path || display,
      });
    case 'busy':
      throw new EphemdirError(ErrorCodes.BUSY, r.message, { path: r.path || display });
    case 'not-ours':
      throw new EphemdirError(ErrorCodes.NOT_OURS, r.message, { path: r.path || display });
    case 'protected':
      throw new EphemdirError(ErrorCodes.PROTECTED_PATH, r.message, { path: r.path || display });
    case 'invalid':
      throw invalidArgument(r.message, { path: display });
    case 'aborted':
      throw new EphemdirError(ErrorCodes.INCOMPLETE, `removal of ${display} was stopped before the end`, {
        ...fields,
        path: display,
      });
    case 'system':
    default:
      throw systemError(r.errno, r.syscall || 'rm', r.path || display);
  }
}

/**
 * The caller's onProgress, wrapped: the first time it throws, the removal is
 * cancelled (it stops at its next entry) and the error kept for the caller.
 */
function progressAdapter(options: RemoveTreeOptions, cancel: Cancellation): { cb?: (n: number) => void; thrown?: { error: unknown } } {
  const user = options.onProgress;
  if (!user) return {};
  const state: { cb?: (n: number) => void; thrown?: { error: unknown } } = {};
  state.cb = (n: number) => {
    if (state.thrown) return;
    try {
      user({ entriesRemoved: n });
    } catch (error) {
      state.thrown = { error };
      cancel.cancel();
    }
  };
  return state;
}

/** What an engine call that was stopped, or whose callback threw, ends with; else settle(). */
function conclude(r: NativeRemoveResult, display: string, thrown: { error: unknown } | undefined, signal: AbortSignal | undefined): RemoveTreeResult {
  if (thrown) throw withCounts(thrown.error, errorFields(r));
  if (r.status === 'aborted' && signal?.aborted) throw abortError(signal, { ...errorFields(r), path: display });
  return settle(r, display);
}

function notStarted(signal: AbortSignal | undefined, display: string): void {
  if (signal?.aborted) throw abortError(signal, { ...emptyResult(), complete: false, failures: [], failureCount: 0, failuresOmitted: 0, path: display });
}

/** A path that is not there: zero counts, unless the signal was aborted before the call. */
function gone(signal: AbortSignal | undefined, p: string): RemoveTreeResult {
  notStarted(signal, path.resolve(p));
  return emptyResult();
}

async function runAt(parent: DirHandle, name: Name, display: string, options: RemoveTreeOptions): Promise<RemoveTreeResult> {
  const opts = toNative(options);
  notStarted(options.signal, display);
  using cancel = new Cancellation(options.signal);
  opts.cancel = cancel.flag;
  const progress = progressAdapter(options, cancel);
  const r = await treeNative().removeTreeAt(parent.fd, name, display, opts, progress.cb);
  return conclude(r, display, progress.thrown, options.signal);
}

function runAtSync(parent: DirHandle, name: Name, display: string, options: RemoveTreeOptions): RemoveTreeResult {
  const opts = toNative(options);
  notStarted(options.signal, display);
  using cancel = new Cancellation(undefined); // no event can fire while this call blocks
  opts.cancel = cancel.flag;
  const progress = progressAdapter(options, cancel);
  const r = treeNative().removeTreeAtSync(parent.fd, name, display, opts, progress.cb);
  return conclude(r, display, progress.thrown, undefined);
}

function openTarget(p: string): { parent: DirHandle; name: string; display: string } | null {
  if (typeof p !== 'string') throw invalidArgument(`path must be a string, got ${typeof p}`);
  const abs = path.resolve(p);
  try {
    const { parent, name } = openParent(abs, { trust: 'nofollow' });
    return { parent, name, display: abs };
  } catch (err) {
    if (hasCode(err, 'ENOENT')) return null; // already gone
    throw err;
  }
}

/**
 * Removes `p` and everything below it. A symlink named by `p` is removed
 * itself (never followed); a file is unlinked; a missing path resolves with
 * zero counts. Refuses `/`, the home directory, `options.protect` and their
 * ancestors (EPHEMDIR_PROTECTED_PATH).
 */
export async function removeTree(p: string, options: RemoveTreeOptions = {}): Promise<RemoveTreeResult> {
  toNative(options); // validate before touching anything
  const t = openTarget(p);
  if (!t) return gone(options.signal, p);
  try {
    return await runAt(t.parent, t.name, t.display, options);
  } finally {
    t.parent.close();
  }
}

/** Synchronous {@link removeTree} (blocks the event loop; `parallel` still uses threads). */
export function removeTreeSync(p: string, options: RemoveTreeOptions = {}): RemoveTreeResult {
  toNative(options);
  const t = openTarget(p);
  if (!t) return gone(options.signal, p);
  try {
    return runAtSync(t.parent, t.name, t.display, options);
  } finally {
    t.parent.close();
  }
}

/**
 * Removes the entry `name` of an already-open directory. The handle is
 * duplicated for the duration of the call, so it may be closed at once.
 */
export async function removeTreeAt(parent: DirHandle, name: Name, options: RemoveTreeOptions = {}): Promise<RemoveTreeResult> {
  return runAt(parent, name, joinDisplay(parent.path, name), options);
}

/** Synchronous {@link removeTreeAt}. */
export function removeTreeAtSync(parent: DirHandle, name: Name, options: RemoveTreeOptions = {}): RemoveTreeResult {
  return runAtSync(parent, name, joinDisplay(parent.path, name), options);
}
