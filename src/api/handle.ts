// The object tempdir() returns. It refers to its registry entry by marker
// id, never by path, so a keep() or a sweep elsewhere is always seen.
import type { Entry } from '../model/entry';
import { openDirectory } from '../fs/walk';
import type { DirHandle } from '../fs/dir-handle';
import { EphemdirError, ErrorCodes } from '../errors';
import { requireContext, openContext, type ApiContext } from './context';
import { keepById, extendById, outcomeError } from './manage';
import { JournaledEntries } from './query-journaled';
import { removeEntrySteps } from './removal';
import { runAsync, runSync, type Steps } from '../core/steps';
import { readMarker } from './marker';
import { cancelAtExit } from './exit-hooks';
import type { SweepReport } from './types';
import { checkCall } from '../core/options';
import { HANDLE_EXTEND } from './signatures';

/** A shared flock on the directory: sweeps (and systemd-tmpfiles) leave it alone while held. */
export interface Hold extends Disposable {
  release(): void;
}

/**
 * A managed temporary directory, as {@link tempdir} and `tempdirSync()`
 * return it: `path`, `name`, `id` (its marker), `createdAt`, `expiresAt`.
 * `remove()` / `removeSync()` delete it now, `keep()` untracks it for good,
 * `extend()` changes its lifetime, `hold()` keeps sweeps away while held.
 * `await using` / `using` remove it at the end of the block (a no-op once
 * kept). It refers to its registry entry by id, never by path, so a `keep`
 * or a sweep elsewhere is always seen, and in the registry it was made in
 * (a `dataDir`, or the one configured then), whatever the environment says
 * later.
 */
export class EphemeralDirectory implements AsyncDisposable, Disposable {
  readonly path: string;
  readonly name: string;
  readonly id: string;
  readonly createdAt: Date;
  /** What the bounded sweep before creation did (null when none ran). */
  sweep: SweepReport | null = null;
  #expiresAt: Date | null;
  /** The data directory of the registry that tracks it: its own methods act there, whatever the environment says later. */
  readonly #registry: { dataDir: string };

  constructor(entry: Entry, dataDir: string) {
    this.#registry = { dataDir };
    this.path = entry.path;
    this.name = entry.name;
    this.id = entry.id;
    this.createdAt = new Date(entry.createdAt * 1000);
    this.#expiresAt = entry.expiresAt === null ? null : new Date(entry.expiresAt * 1000);
  }

  /** When it falls due; null when it has no time limit. */
  get expiresAt(): Date | null {
    return this.#expiresAt;
  }

  toString(): string {
    return this.path;
  }

  #current(ctx: ApiContext): Entry | null {
    return ctx.registry.get(this.id);
  }

  /** Removes it now. A no-op once kept or already removed. */
  remove(): Promise<void> {
    return runAsync(this.#removing());
  }

  /** Synchronous {@link remove}. */
  removeSync(): void {
    runSync(this.#removing());
  }

  *#removing(): Steps<void> {
    cancelAtExit(this.id);
    const ctx = openContext({ create: false, ...this.#registry, settle: true });
    if (!ctx) return;
    try {
      const entry = this.#current(ctx);
      if (!entry) return;
      const err = outcomeError(entry, yield* removeEntrySteps(ctx, entry, { waitMs: 10_000, honourInUse: false }));
      if (err) throw err;
    } finally {
      ctx[Symbol.dispose]();
    }
  }

  /** Stops tracking it; it stays on disk for good. */
  keep(): void {
    cancelAtExit(this.id);
    const ctx = requireContext(this.#registry, true);
    try {
      keepById(ctx, this.id);
    } finally {
      ctx[Symbol.dispose]();
    }
  }

  /** A fresh lifetime from now (null: no time limit), or "+1h" to add to the current expiry. */
  extend(lifetime: number | string | null): void {
    checkCall(HANDLE_EXTEND, [lifetime]);
    const ctx = requireContext(this.#registry, true);
    try {
      const e = extendById(ctx, this.id, lifetime);
      this.#expiresAt = e.expiresAt === null ? null : new Date(e.expiresAt * 1000);
    } finally {
      ctx[Symbol.dispose]();
    }
  }

  /**
   * Holds a shared flock until released or the process ends. A sweep keeps
   * its exclusive lock from its last check through the rename into staging,
   * so once the lock is ours the directory is either still the tracked one
   * at its path (and stays until released) or already claimed: that is
   * checked after locking, and a claimed one throws rather than "holds".
   */
  hold(): Hold {
    const dir: DirHandle = openDirectory(this.path, { trust: 'chain' });
    try {
      if (readMarker(dir) !== this.id) throw this.#notOurs('it is not the directory this handle created');
      dir.lock('shared', { wait: true });
      this.#verifyHeld(dir);
    } catch (err) {
      dir.close();
      throw err;
    }
    return {
      release: () => dir.close(),
      [Symbol.dispose]: () => dir.close(),
    };
  }

  #notOurs(why: string): EphemdirError {
    return new EphemdirError(ErrorCodes.NOT_OURS, `cannot hold ${this.path}: ${why}`, { path: this.path });
  }

  /** Under the held lock: still tracked and active, still at its path, still carrying our marker. */
  #verifyHeld(dir: DirHandle): void {
    const held = dir.stat();
    const ctx = requireContext(this.#registry);
    try {
      // Read only: the entry as the batch journals say (a claim a power cut kept from its file counts).
      const entry = new JournaledEntries(ctx.registry).get(this.id);
      if (!entry) throw this.#notOurs('it is no longer tracked (kept or removed)');
      if (entry.state !== 'active') {
        throw new EphemdirError(ErrorCodes.INVALID_STATE, `cannot hold ${this.path}: it is being deleted (${entry.state})`, { path: this.path });
      }
      if (entry.ino !== held.ino || entry.dev !== held.dev) throw this.#notOurs('it is not the tracked directory');
    } finally {
      ctx[Symbol.dispose]();
    }
    let now: DirHandle;
    try {
      now = openDirectory(this.path, { trust: 'chain' });
    } catch (err) {
      throw this.#notOurs(`it is no longer at its path (${(err as Error).message})`);
    }
    try {
      const st = now.stat();
      if (st.ino !== held.ino || st.dev !== held.dev) throw this.#notOurs('another directory is at its path now');
    } finally {
      now.close();
    }
    if (readMarker(dir) !== this.id) throw this.#notOurs('its marker changed');
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.remove();
  }

  [Symbol.dispose](): void {
    this.removeSync();
  }
}
