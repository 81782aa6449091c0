// Size scan of a tree for max-size checks: allocated bytes (st_blocks * 512,
// hard links counted once), never following a symlink, never crossing a
// mount, bounded by entries, depth, time and a byte threshold. Runs in
// native code, off the main thread for the async variant.
import * as path from 'node:path';
import { EphemdirError, ErrorCodes, invalidArgument, systemError } from '../errors';
import type { Name } from '../native/binding';
import { treeNative, type NativeScanOptions, type NativeScanResult } from '../native/tree-binding';
import { DirHandle, joinDisplay } from './dir-handle';
import { openParent } from './walk';
import { checkCall } from '../core/options';
import { SCAN_TREE, SCAN_TREE_SYNC } from './signatures';

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
}

/** What {@link scanTree} counted: allocated bytes and entries, and whether it saw everything. */
export interface ScanTreeResult {
  /** Allocated bytes of the root and everything counted below it. */
  bytes: number;
  /** Entries counted below the root (the root itself not included). */
  entries: number;
  /** False when a limit stopped the scan or something could not be read. */
  complete: boolean;
  /** Mount points inside, not descended into and not counted. */
  mounts: string[];
}

export type ScanTarget = string | { parent: DirHandle; name: Name };

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
      return { bytes: r.bytes, entries: r.entries, complete: r.complete, mounts: r.mounts };
    case 'invalid':
      throw invalidArgument(r.message, { path: display });
    case 'system':
      throw systemError(r.errno, r.syscall || 'scandir', r.path || display);
    default:
      throw new EphemdirError(ErrorCodes.INVALID_STATE, r.message || `scan of ${display} failed (${r.status})`, { path: display });
  }
}

function resolveTarget(target: ScanTarget): { parent: DirHandle; name: Name; display: string; owned: boolean } {
  if (typeof target === 'string') {
    const abs = path.resolve(target);
    const { parent, name } = openParent(abs, { trust: 'nofollow' });
    return { parent, name, display: abs, owned: true };
  }
  if (typeof target !== 'object' || target === null || !(target.parent instanceof DirHandle)) {
    throw invalidArgument('scanTree target must be a path or { parent: DirHandle, name }');
  }
  return { parent: target.parent, name: target.name, display: joinDisplay(target.parent.path, target.name), owned: false };
}

/** Measures the allocated size of a tree (see {@link ScanTreeOptions} for the bounds). */
export async function scanTree(target: ScanTarget, options: ScanTreeOptions = {}): Promise<ScanTreeResult> {
  checkCall(SCAN_TREE, [target], options);
  const opts = toNative(options);
  const t = resolveTarget(target);
  try {
    return settle(await treeNative().scanTreeAt(t.parent.fd, t.name, t.display, opts), t.display);
  } finally {
    if (t.owned) t.parent.close();
  }
}

/** Synchronous {@link scanTree}. */
export function scanTreeSync(target: ScanTarget, options: ScanTreeOptions = {}): ScanTreeResult {
  checkCall(SCAN_TREE_SYNC, [target], options);
  const opts = toNative(options);
  const t = resolveTarget(target);
  try {
    return settle(treeNative().scanTreeAtSync(t.parent.fd, t.name, t.display, opts), t.display);
  } finally {
    if (t.owned) t.parent.close();
  }
}

/** {@link scanTree} of the entry `name` in an already-open directory. */
export function scanTreeAt(parent: DirHandle, name: Name, options: ScanTreeOptions = {}): Promise<ScanTreeResult> {
  return scanTree({ parent, name }, options);
}

/** Synchronous {@link scanTreeAt}. */
export function scanTreeAtSync(parent: DirHandle, name: Name, options: ScanTreeOptions = {}): ScanTreeResult {
  return scanTreeSync({ parent, name }, options);
}
