// The registry's locks: `locks/<id>.lock` per entry and `locks/batch-<id>.lock`
// per batched sweep (flock, see locks.ts). An entry lock is reentrant within
// this process through `heldInProcess`, keyed by the registry's identity, so
// that two Registry objects on the same folder share it.
import { joinDisplay, type DirHandle } from '../fs/dir-handle';
import { EphemdirError, ErrorCodes } from '../errors';
import { heldInProcess, lockFile, unlockFile, type HeldLock } from './locks';

export interface EntryLock extends Disposable {
  readonly id: string;
  release(): void;
}

/** What the locks need from the registry: its locks/ folder and whether an entry file exists. */
export interface LockFolders {
  /** `<registry.d>` (display path) */
  path: string;
  /** `<dev>:<ino>` of registry.d */
  identity: string;
  locks(create: boolean): DirHandle | null;
  entryExists(id: string): boolean;
}

export class RegistryLocks {
  readonly #f: LockFolders;

  constructor(folders: LockFolders) {
    this.#f = folders;
  }

  key(id: string): string {
    return `${this.#f.identity}:${id}`;
  }

  acquire(id: string, waitMs: number): HeldLock | null {
    return lockFile(this.#f.locks(true)!, `${id}.lock`, waitMs);
  }

  busy(id: string): EphemdirError {
    return new EphemdirError(ErrorCodes.BUSY, `entry ${id} is locked by another ephemdir process`, { id, path: joinDisplay(this.#f.path, `locks/${id}.lock`) });
  }

  /** Unlinks the lock file while we hold it (waiters re-check the name and retry). */
  dropLockFile(id: string): void {
    try {
      this.#f.locks(false)?.unlink(`${id}.lock`);
    } catch {
      // already gone
    }
  }

  /**
   * Runs `fn` under the entry's exclusive lock, taken here unless this
   * process already holds it (then it is reused; `own` is false). `fn` sets
   * `state.dropLock` when the lock file should go with the lock (the entry
   * does not exist, or no longer does), also when it throws.
   */
  under<T>(id: string, waitMs: number, fn: (own: boolean, state: { dropLock: boolean }) => T): T {
    const key = this.key(id);
    let held = heldInProcess.get(key);
    const own = held === undefined;
    if (held === undefined) {
      held = this.acquire(id, waitMs) ?? undefined;
      if (held === undefined) throw this.busy(id);
      heldInProcess.set(key, held);
    }
    const state = { dropLock: false };
    try {
      return fn(own, state);
    } finally {
      if (state.dropLock) this.dropLockFile(id);
      if (own) {
        heldInProcess.delete(key);
        unlockFile(held);
      }
    }
  }

  /** See Registry.lockEntry. */
  lockEntry(id: string, waitMs: number): EntryLock | null {
    const key = this.key(id);
    let held: HeldLock | null = heldInProcess.has(key) ? null : this.acquire(id, waitMs);
    if (held === null) {
      if (waitMs > 0) throw this.busy(id);
      return null;
    }
    heldInProcess.set(key, held);
    const release = (): void => {
      if (held === null) return;
      const h = held;
      held = null;
      try {
        // Leave no lock file behind for an entry that does not exist (any more).
        if (!this.#f.entryExists(id)) {
          const now = this.#f.locks(false)?.tryStat(`${id}.lock`);
          if (now && now.dev === h.dev && now.ino === h.ino) this.dropLockFile(id);
        }
      } catch {
        // tidying only
      } finally {
        if (heldInProcess.get(key) === h) heldInProcess.delete(key);
        unlockFile(h);
      }
    };
    return { id, release, [Symbol.dispose]: release };
  }

  /** The batch's lock without waiting, or null while another holds it; returns its release. */
  tryLockBatch(batchId: string): (() => void) | null {
    const held = this.acquire(`batch-${batchId}`, 0);
    if (held === null) return null;
    let h: HeldLock | null = held;
    return () => {
      if (h === null) return;
      const x = h;
      h = null;
      this.dropLockFile(`batch-${batchId}`);
      unlockFile(x);
    };
  }
}
