// The object tempdir() returns. It refers to its registry entry by marker
// id, never by path, so a keep() or a sweep elsewhere is always seen.
import type { Entry } from '../model/entry';
import { openDirectory } from '../fs/walk';
import type { DirHandle } from '../fs/dir-handle';
import { EphemdirError, ErrorCodes } from '../errors';
import { requireContext, openContext, type ApiContext } from './context';
import { keepById, extendById, outcomeError } from './manage';
import { removeEntry, removeEntrySync } from './removal';
import { readMarker } from './marker';
import { cancelAtExit } from './exit-hooks';
import type { SweepReport } from './types';
import { checkCall } from '../core/options';
import { HANDLE_EXTEND } from './signatures';

/** A shared flock on the directory: sweeps (and systemd-tmpfiles) leave it alone while held. */
export interface Hold extends Disposable {
  release(): void;
}

export class EphemeralDirectory implements AsyncDisposable, Disposable {
  readonly path: string;
  readonly name: string;
  readonly id: string;
  readonly createdAt: Date;
  /** What the bounded sweep before creation did (null when none ran). */
  sweep: SweepReport | null = null;
  #expiresAt: Date | null;

  constructor(entry: Entry) {
    this.path = entry.path;
    this.name = entry.name;
    this.id = entry.id;
    this.createdAt = new Date(entry.createdAt * 1000);
    this.#expiresAt = entry.expiresAt === null ? null : new Date(entry.expiresAt * 1000);
  }

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
  async remove(): Promise<void> {
    cancelAtExit(this.id);
    const ctx = openContext({ create: false });
    if (!ctx) return;
    try {
      const entry = this.#current(ctx);
      if (!entry) return;
      const err = outcomeError(entry, await removeEntry(ctx, entry, { waitMs: 10_000, honourInUse: false }));
      if (err) throw err;
    } finally {
      ctx[Symbol.dispose]();
    }
  }

  removeSync(): void {
    cancelAtExit(this.id);
    const ctx = openContext({ create: false });
    if (!ctx) return;
    try {
      const entry = this.#current(ctx);
      if (!entry) return;
      const err = outcomeError(entry, removeEntrySync(ctx, entry, { waitMs: 10_000, honourInUse: false }));
      if (err) throw err;
    } finally {
      ctx[Symbol.dispose]();
    }
  }

  /** Stops tracking it; it stays on disk for good. */
  keep(): void {
    cancelAtExit(this.id);
    const ctx = requireContext();
    try {
      keepById(ctx, this.id);
    } finally {
      ctx[Symbol.dispose]();
    }
  }

  /** A fresh lifetime from now (null: no time limit), or "+1h" to add to the current expiry. */
  extend(lifetime: number | string | null): void {
    checkCall(HANDLE_EXTEND, [lifetime]);
    const ctx = requireContext();
    try {
      const e = extendById(ctx, this.id, lifetime);
      this.#expiresAt = e.expiresAt === null ? null : new Date(e.expiresAt * 1000);
    } finally {
      ctx[Symbol.dispose]();
    }
  }

  /** Holds a shared flock until released or the process ends. */
  hold(): Hold {
    const dir: DirHandle = openDirectory(this.path, { trust: 'chain' });
    if (readMarker(dir) !== this.id) {
      dir.close();
      throw new EphemdirError(ErrorCodes.NOT_OURS, `${this.path} is not the directory this handle created`, { path: this.path });
    }
    dir.lock('shared', { wait: true });
    return {
      release: () => dir.close(),
      [Symbol.dispose]: () => dir.close(),
    };
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.remove();
  }

  [Symbol.dispose](): void {
    this.removeSync();
  }
}
