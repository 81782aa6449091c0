// Typed surface of the tree engine's natives (native/tree_bindings.cc). Each
// call dups the parent fd it is given, so the caller may close its handle as
// soon as the call returns. Results carry a `status`; src/fs/remove-tree.ts
// and src/fs/scan-tree.ts turn them into values or errors.
import { native, type Name } from './binding';

/** An opaque flag made by newCancelFlag(): the engine stops at its next entry once cancel(flag) is called. */
export type NativeCancelFlag = { readonly __cancelFlag: unique symbol };

export interface NativeRemoveOptions {
  cancel?: NativeCancelFlag;
  keepRoot?: boolean;
  /** The root may be a mount point (emptied and kept); else such a root is refused ('mount'). */
  emptyMount?: boolean;
  skipLocked?: boolean;
  repairPermissions?: boolean;
  removeLast?: Name;
  maxRescans?: number;
  parallel?: number;
  /** Open directory fds per thread; 0 or absent: derived from RLIMIT_NOFILE (at most 32). */
  maxOpenDirs?: number;
  /** Stop (status 'ok', complete false) once this many entries are removed; at least 1. */
  maxEntries?: number;
  expectDev?: number;
  expectIno?: number;
  /** Absolute paths; the target may be none of them nor an ancestor of one. */
  protect?: string[];
}

export type NativeTreeStatus =
  | 'ok'
  | 'incomplete'
  | 'concurrent'
  | 'busy'
  | 'not-ours'
  | 'protected'
  | 'system'
  | 'invalid'
  | 'aborted'
  | 'mount';

export interface NativeTreeStatusFields {
  status: NativeTreeStatus;
  /** Negative errno for 'system' (and the errno behind 'concurrent'), else 0. */
  errno: number;
  syscall: string;
  path: string;
  message: string;
}

export interface NativeRemoveFailure {
  path: string;
  /** Negative errno. */
  errno: number;
  syscall: string;
}

export interface NativeRemoveResult extends NativeTreeStatusFields {
  entriesRemoved: number;
  directoriesRemoved: number;
  /** False when maxEntries stopped the removal before the end. */
  complete: boolean;
  /** The first mount points met (bounded); mountCount counts them all. */
  mounts: string[];
  mountCount: number;
  locked: string[];
  lockedCount: number;
  /** The first failures (at most 100, 64 KiB of paths, each path cut to its last 4 KiB); failureCount counts them all. */
  failures: NativeRemoveFailure[];
  failureCount: number;
}

export interface NativeScanOptions {
  cancel?: NativeCancelFlag;
  maxEntries?: number;
  maxDepth?: number;
  timeoutMs?: number;
  stopAboveBytes?: number;
  maxOpenDirs?: number;
}

export interface NativeScanResult extends NativeTreeStatusFields {
  bytes: number;
  entries: number;
  complete: boolean;
  /** Latest mtime (ms since the epoch) of the root and every entry counted. */
  newestMtimeMs: number;
  mounts: string[];
  mountCount: number;
}

export interface NativeTree {
  removeTreeAt(
    dirfd: number,
    name: Name,
    display: string,
    options: NativeRemoveOptions,
    onProgress?: (entriesRemoved: number) => void,
  ): Promise<NativeRemoveResult>;
  removeTreeAtSync(
    dirfd: number,
    name: Name,
    display: string,
    options: NativeRemoveOptions,
    onProgress?: (entriesRemoved: number) => void,
  ): NativeRemoveResult;
  scanTreeAt(dirfd: number, name: Name, display: string, options: NativeScanOptions): Promise<NativeScanResult>;
  scanTreeAtSync(dirfd: number, name: Name, display: string, options: NativeScanOptions): NativeScanResult;
  newCancelFlag(): NativeCancelFlag;
  cancel(flag: NativeCancelFlag): void;
}

/** The tree engine's functions on the loaded addon. */
export function treeNative(): NativeTree {
  return native() as unknown as NativeTree;
}
