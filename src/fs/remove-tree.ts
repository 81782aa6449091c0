// Recursive removal through directory fds (the engine is native/remove_*.cc and
// runs off the main thread for the async variants; both flavours are one body,
// see core/steps.ts).
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
import { Cancellation, abortError, withCounts } from './abort';
import { DirHandle, joinDisplay } from './dir-handle';
import { splitComponents, treePath, type PathLike } from './tree-path';
import { openParentOf } from './walk';
import { checkCall, type Signature } from '../core/options';
import { perform, runAsync, runSync, type Steps } from '../core/steps';
import { REMOVE_TREE, REMOVE_TREE_AT, REMOVE_TREE_AT_SYNC, REMOVE_TREE_SYNC } from './signatures';
import { assertNever } from '../core/never';

/** What an `onProgress` callback of {@link removeTree} receives. */
export interface RemoveTreeProgress {
  /** Entries removed so far (directories included). */
  entriesRemoved: number;
}

/** Options of {@link removeTree}, {@link removeTreeSync}, {@link removeTreeAt} and {@link removeTreeAtSync}. */
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
  /**
   * The root may be a mount point (or on another mount than its parent):
   * empty it and keep it, like keepRoot, never descending into mounts nested
   * inside. Without it such a root is refused with EPHEMDIR_CROSSES_MOUNT
   * before anything is touched.
   */
  emptyMount?: boolean;
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
  /**
   * Threads one removal may use (default 1, at most 64): the root's
   * subdirectories are shared among them, and the unlinks of any directory
   * past 2,048 entries are split among the threads not busy with a subtree.
   * Extra threads start only where there is such work to share.
   */
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

/** What a removal did: entries and directories removed, whether it finished, and the mounts and locked subtrees it left. */
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

/** One entry the engine could not remove, in an `EPHEMDIR_INCOMPLETE` error's `failures`. */
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

function homeDir(): string | undefined {
  try {
    return os.homedir();
  } catch {
    return undefined;
  }
}

/** The engine's form of options already checked against the signature (see ./signatures). */
function toNative(options: RemoveTreeOptions): NativeRemoveOptions {
  const protect = ['/'];
  const home = homeDir();
  if (home) protect.push(home);
  for (const p of options.protect ?? []) protect.push(path.resolve(p));
  const out: NativeRemoveOptions = {
    protect,
    keepRoot: options.keepRoot === true || options.emptyMount === true,
    emptyMount: options.emptyMount === true,
    skipLocked: options.skipLocked === true,
    repairPermissions: options.repairPermissions !== false,
    maxRescans: options.maxRescans ?? 8,
    parallel: options.parallel ?? 1,
    maxOpenDirs: options.maxOpenDirs ?? 0,
  };
  if (options.maxEntries !== undefined) out.maxEntries = options.maxEntries;
  if (options.removeLast !== undefined) out.removeLast = options.removeLast;
  if (options.expect !== undefined) {
    out.expectDev = options.expect.dev;
    out.expectIno = options.expect.ino;
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
    case 'mount':
      throw new EphemdirError(ErrorCodes.CROSSES_MOUNT, r.message, { path: r.path || display });
    case 'aborted':
      throw new EphemdirError(ErrorCodes.INCOMPLETE, `removal of ${display} was stopped before the end`, {
        ...fields,
        path: display,
      });
    case 'system':
      throw systemError(r.errno, r.syscall || 'rm', r.path || display);
    default:
      return assertNever(r.status, 'native removal status');
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
function gone(signal: AbortSignal | undefined, p: PathLike): RemoveTreeResult {
  notStarted(signal, treePath(p).display);
  return emptyResult();
}

/**
 * The removal of `name` in `parent`, written once for both flavours: only
 * the engine call differs (in place, or on a worker with the caller's
 * signal wired to its cancel flag).
 */
function* removal(parent: DirHandle, name: Name, display: string, options: RemoveTreeOptions): Steps<RemoveTreeResult> {
  const opts = toNative(options);
  notStarted(options.signal, display);
  const cancel = new Cancellation();
  opts.cancel = cancel.flag;
  const progress = progressAdapter(options, cancel);
  const fd = parent.fd;
  const r = yield* perform<NativeRemoveResult>({
    sync: () => treeNative().removeTreeAtSync(fd, name, display, opts, progress.cb),
    async: () => cancel.watching(options.signal, () => treeNative().removeTreeAt(fd, name, display, opts, progress.cb)),
  });
  return conclude(r, display, progress.thrown, options.signal);
}

function openTarget(p: PathLike): { parent: DirHandle; name: Name; display: string } | null {
  const t = treePath(p);
  try {
    const { parent, name } = openParentOf(splitComponents(t.bytes), t.display, { trust: 'safe' });
    return { parent, name, display: t.display };
  } catch (err) {
    if (hasCode(err, 'ENOENT')) return null; // already gone
    throw err;
  }
}

function* removeTreeSteps(sig: Signature, p: PathLike, options: RemoveTreeOptions): Steps<RemoveTreeResult> {
  checkCall(sig, [p], options); // before touching anything
  const t = openTarget(p);
  if (!t) return gone(options.signal, p);
  try {
    return yield* removal(t.parent, t.name, t.display, options);
  } finally {
    t.parent.close();
  }
}

/**
 * {@link removeTreeAt}'s body, for callers that compose it into their own
 * Steps (they run it in their flavour). `sig` names the function in
 * argument errors.
 */
export function* removeTreeAtSteps(parent: DirHandle, name: Name, options: RemoveTreeOptions, sig: Signature = REMOVE_TREE_AT): Steps<RemoveTreeResult> {
  checkCall(sig, [parent, name], options);
  return yield* removal(parent, name, joinDisplay(parent.path, name), options);
}

/**
 * Removes `p` (a string, a Buffer of raw bytes or a file: URL) and
 * everything below it. A symlink named by `p` is removed itself (never
 * followed); a file is unlinked; a missing path resolves with zero counts.
 * Ancestor symlinks are followed only when no other user can have planted
 * or changed them (see walk.ts). Refuses an empty path and a last component
 * of `.` or `..` (EPHEMDIR_INVALID_ARGUMENT); `/`, the home directory,
 * `options.protect` and their ancestors (EPHEMDIR_PROTECTED_PATH); a root
 * that is a mount point, unless `emptyMount` (EPHEMDIR_CROSSES_MOUNT).
 */
export function removeTree(p: PathLike, options: RemoveTreeOptions = {}): Promise<RemoveTreeResult> {
  return runAsync(removeTreeSteps(REMOVE_TREE, p, options));
}

/** Synchronous {@link removeTree} (blocks the event loop; `parallel` still uses threads). */
export function removeTreeSync(p: PathLike, options: RemoveTreeOptions = {}): RemoveTreeResult {
  return runSync(removeTreeSteps(REMOVE_TREE_SYNC, p, options));
}

/**
 * Removes the entry `name` of an already-open directory. The handle is
 * duplicated for the duration of the call, so it may be closed at once.
 */
export function removeTreeAt(parent: DirHandle, name: Name, options: RemoveTreeOptions = {}): Promise<RemoveTreeResult> {
  return runAsync(removeTreeAtSteps(parent, name, options, REMOVE_TREE_AT));
}

/** Synchronous {@link removeTreeAt}. */
export function removeTreeAtSync(parent: DirHandle, name: Name, options: RemoveTreeOptions = {}): RemoveTreeResult {
  return runSync(removeTreeAtSteps(parent, name, options, REMOVE_TREE_AT_SYNC));
}
