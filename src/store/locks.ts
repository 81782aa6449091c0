// flock on small lock files opened relative to a directory handle. After the
// lock is granted the name is re-checked to still be the very file we
// locked (same dev and ino): a holder may unlink a lock file (when its entry
// is deleted) and a waiter that then wins the old, orphaned file simply
// retries on the new one. Locks belong to the open file description, so they
// die with the process; nothing can wedge.
import * as fs from 'node:fs';
import { isRegular, joinDisplay, type DirHandle, type FileHandle } from '../fs/dir-handle';
import { EphemdirError, ErrorCodes } from '../errors';
import { ownedPrivately } from '../core/trust';

const POLL_MS = 20;
const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** Blocks the thread for `ms` (lock polling only; never long). */
export function sleepSync(ms: number): void {
  if (ms > 0) Atomics.wait(sleeper, 0, 0, ms);
}

export interface HeldLock {
  /** The locked file; closing it releases the lock. */
  file: FileHandle;
  dev: number;
  ino: number;
}

/**
 * One attempt: opens (creating 0600) `name` in `dir` and tries flock without
 * blocking. Returns the held lock, or null when another description holds it.
 * A lock file that is not a regular file owned by the caller and writable by
 * nobody else makes the registry unusable.
 */
export function tryLockFile(dir: DirHandle, name: string, mode: 'shared' | 'exclusive' = 'exclusive'): HeldLock | null {
  const display = joinDisplay(dir.path, name);
  for (let attempt = 0; attempt < 64; attempt++) {
    const file = dir.openFile(name, fs.constants.O_RDWR | fs.constants.O_CREAT | fs.constants.O_NONBLOCK, 0o600);
    let keep = false;
    try {
      const st = file.stat();
      if (!isRegular(st) || !ownedPrivately(st)) {
        throw new EphemdirError(ErrorCodes.REGISTRY_UNUSABLE, `lock file ${display} is not a regular file owned by you and writable only by you`, {
          path: display,
          reason: 'unsafe lock file',
        });
      }
      if (!file.lock(mode)) return null;
      const now = dir.tryStat(name);
      if (now !== null && now.dev === st.dev && now.ino === st.ino) {
        keep = true;
        return { file, dev: st.dev, ino: st.ino };
      }
      // Unlinked or replaced while we waited: the lock we hold guards nothing.
    } finally {
      if (!keep) file[Symbol.dispose]();
    }
  }
  throw new EphemdirError(ErrorCodes.BUSY, `lock file ${display} keeps being replaced`, { path: display });
}

/**
 * Polls tryLockFile every ~20 ms until `waitMs` has passed. Returns null when
 * still busy at the deadline (waitMs = 0: a single attempt).
 */
export function lockFile(dir: DirHandle, name: string, waitMs: number, mode: 'shared' | 'exclusive' = 'exclusive'): HeldLock | null {
  const deadline = Date.now() + Math.max(0, waitMs);
  for (;;) {
    const held = tryLockFile(dir, name, mode);
    if (held !== null) return held;
    const left = deadline - Date.now();
    if (left <= 0) return null;
    sleepSync(Math.min(POLL_MS, left));
  }
}

export function unlockFile(held: HeldLock): void {
  // Closing the only description releases the flock.
  held.file[Symbol.dispose]();
}

/**
 * Entry locks held by this process, keyed by registry identity and id.
 * flock conflicts between two descriptions of one process too, so a second
 * acquisition from here would only wait for ourselves: `update` runs
 * synchronously under a lock this process already holds instead.
 */
export const heldInProcess = new Map<string, HeldLock>();
