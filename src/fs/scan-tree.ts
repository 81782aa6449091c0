// Size scan of a tree for max-size checks: allocated bytes (st_blocks * 512,
// hard links counted once), never following a symlink, never crossing a
// mount, bounded by entries, depth, time and a byte threshold. Runs in
// native code, off the main thread for the async variant (one body for both
// flavours, see core/steps.ts).
import { EphemdirError, ErrorCodes, invalidArgument, systemError } from '../errors';
import type { Name } from '../native/binding';
import { treeNative, type NativeScanOptions, type NativeScanResult } from '../native/tree-binding';
import { Cancellation, abortError } from './abort';
import { DirHandle, joinDisplay } from './dir-handle';
import { splitComponents, treePath, type PathLike } from './tree-path';
import { openParentOf } from './walk';
import { checkCall, type Signature } from '../core/options';
import { perform, runAsync, runSync, type Steps } from '../core/steps';
import { SCAN_TREE, SCAN_TREE_SYNC } from './signatures';
import { assertNever } from '../core/never';

/** Options of {@link scanTree} and {@link scanTreeSync}: limits that stop the count early (`complete: false`). */
export interface ScanTreeOptions {
  /** Stop (complete: false) after this many entries (default: no limit). */
  maxEntries?: number;
  /** Levels below the root to count, like find -maxdepth (default: no limit). */
  maxDepth?: number;
  /** Stop (complete: false) after this long (default: no limit). */
  timeoutMs?: number;
  /** Stop (complete: false) as soon as more than this many bytes were counted. */
  stopAboveBytes?: number;
  /** Open directory fds kept (default: from RLIMIT_NOFILE, at most 32). */
  maxOpenDirs?: number;
  /**
   * Stops the scan: already aborted, nothing is read; aborted while it runs,
   * it stops at its next entry and rejects with an AbortError (code
   * ABORT_ERR, `cause` the signal's reason) carrying what was counted so
   * far. The sync form only checks it before starting.
   */
  signal?: AbortSignal;
}

/** What {@link scanTree} counted: allocated bytes and entries, and whether it saw everything. */
export interface ScanTreeResult {
  /** Allocated bytes of the root and everything counted below it. */
  bytes: number;
  /** Entries counted below the root (the root itself not included). */
  entries: number;
  /** False when a limit stopped the scan or something could not be read. */
  complete: boolean;
  /**
   * The latest modification time (ms since the epoch) of the root and of
   * every entry counted below it; a directory past maxDepth counts with its
   * own mtime, mount points are not counted.
   */
  newestMtimeMs: number;
  /** Mount points inside, not descended into and not counted. */
  mounts: string[];
}

export type ScanTarget = PathLike | { parent: DirHandle; name: Name };

/** The engine's form of options already checked against the signature (see ./signatures). */
function toNative(options: ScanTreeOptions): NativeScanOptions {
  const out: NativeScanOptions = {};
  if (options.maxEntries !== undefined) out.maxEntries = options.maxEntries;
  if (options.maxDepth !== undefined) out.maxDepth = options.maxDepth;
  if (options.timeoutMs !== undefined) out.timeoutMs = options.timeoutMs;
  if (options.stopAboveBytes !== undefined) out.stopAboveBytes = options.stopAboveBytes;
  if (options.maxOpenDirs !== undefined) out.maxOpenDirs = options.maxOpenDirs;
  return out;
}

function settle(r: NativeScanResult, display: string): ScanTreeResult {
  switch (r.status) {
    case 'ok':
      return { bytes: r.bytes, entries: r.entries, complete: r.complete, newestMtimeMs: r.newestMtimeMs, mounts: r.mounts };
    case 'invalid':
      throw invalidArgument(r.message, { path: display });
    case 'system':
      throw systemError(r.errno, r.syscall || 'scandir', r.path || display);
    // The scanner never reports these (they belong to removal); were one to
    // come, the scan failed in a way the caller cannot act on.
    case 'incomplete':
    case 'concurrent':
    case 'busy':
    case 'not-ours':
    case 'protected':
    case 'aborted':
    case 'mount':
      throw new EphemdirError(ErrorCodes.INVALID_STATE, r.message || `scan of ${display} failed (${r.status})`, { path: display });
    default:
      return assertNever(r.status, 'native scan status');
  }
}

function resolveTarget(target: ScanTarget): { parent: DirHandle; name: Name; display: string; owned: boolean } {
  if (typeof target === 'string' || Buffer.isBuffer(target) || target instanceof URL) {
    const t = treePath(target);
    const { parent, name } = openParentOf(splitComponents(t.bytes), t.display, { trust: 'safe' });
    return { parent, name, display: t.display, owned: true };
  }
  if (typeof target !== 'object' || target === null || !(target.parent instanceof DirHandle)) {
    throw invalidArgument('scanTree target must be a path or { parent: DirHandle, name }');
  }
  return { parent: target.parent, name: target.name, display: joinDisplay(target.parent.path, target.name), owned: false };
}

function notStarted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortError(signal, { bytes: 0, entries: 0, complete: false, newestMtimeMs: 0, mounts: [] });
}

/**
 * The scan, written once for both flavours: only the engine call differs
 * (in place, or on a worker with the caller's signal wired to its cancel
 * flag). `sig` names the function in argument errors.
 */
export function* scanTreeSteps(target: ScanTarget, options: ScanTreeOptions, sig: Signature = SCAN_TREE): Steps<ScanTreeResult> {
  checkCall(sig, [target], options);
  const opts = toNative(options);
  notStarted(options.signal);
  const t = resolveTarget(target);
  try {
    const cancel = new Cancellation();
    opts.cancel = cancel.flag;
    const fd = t.parent.fd;
    const r = yield* perform<NativeScanResult>({
      sync: () => treeNative().scanTreeAtSync(fd, t.name, t.display, opts),
      async: () => cancel.watching(options.signal, () => treeNative().scanTreeAt(fd, t.name, t.display, opts)),
    });
    // Only the signal can cancel a scan, and only while an async one runs.
    if (r.status === 'aborted' && options.signal?.aborted) {
      throw abortError(options.signal, { bytes: r.bytes, entries: r.entries, complete: false, newestMtimeMs: r.newestMtimeMs, mounts: r.mounts, path: t.display });
    }
    return settle(r, t.display);
  } finally {
    if (t.owned) t.parent.close();
  }
}

/** Measures the allocated size of a tree (see {@link ScanTreeOptions} for the bounds). */
export function scanTree(target: ScanTarget, options: ScanTreeOptions = {}): Promise<ScanTreeResult> {
  return runAsync(scanTreeSteps(target, options, SCAN_TREE));
}

/** Synchronous {@link scanTree}. */
export function scanTreeSync(target: ScanTarget, options: ScanTreeOptions = {}): ScanTreeResult {
  return runSync(scanTreeSteps(target, options, SCAN_TREE_SYNC));
}

/** {@link scanTree} of the entry `name` in an already-open directory. */
export function scanTreeAt(parent: DirHandle, name: Name, options: ScanTreeOptions = {}): Promise<ScanTreeResult> {
  return scanTree({ parent, name }, options);
}
