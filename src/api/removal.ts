// One managed directory through the whole protocol, under its entry lock:
// claim, remove with the engine, commit. Async and sync flavours share every
// step but the engine call.
import type { Entry } from '../model/entry';
import type { EntryLock } from '../store/registry';
import { removeTreeAt, removeTreeAtSync } from '../fs/remove-tree';
import { claim, engineOptions, finish, reconcile, type Claimed, type ReconcileAction } from './protocol';
import type { BlockerCode } from '../policy/codes';
import { inUseAtSync, type InUseAnswer } from './in-use';
import type { DirHandle } from '../fs/dir-handle';
import { EphemdirError, ErrorCodes } from '../errors';
import { AbortError } from '../fs/abort';
import type { RemoveTreeResult } from '../fs/remove-tree';
import type { ApiContext } from './context';

export type Outcome =
  | { kind: 'removed'; entriesRemoved: number }
  /** The work budget ran out; it stays mid-deletion and the next sweep resumes it. */
  | { kind: 'postponed'; entriesRemoved: number }
  | { kind: 'refused'; blockers: BlockerCode[]; message: string }
  | { kind: 'failed'; error: Error }
  | { kind: 'busy' }
  | { kind: 'reconciled'; action: ReconcileAction; message: string };

export interface RemovalOptions {
  /** How long to wait for the entry lock (0: skip when busy, as sweeps do). */
  waitMs: number;
  /** Check keepWhileInUse (sweeps do; an explicit remove does not). */
  honourInUse: boolean;
  onProgress?: (p: { entriesRemoved: number }) => void;
  /** At most this many entries removed (the bounded maintenance sweep). */
  budget?: number;
  /** Stops the removal at its next entry; it is then left mid-deletion, like a spent budget. */
  signal?: AbortSignal;
}

function inUseCheck(honour: boolean): (dir: DirHandle) => InUseAnswer {
  return (dir) => (honour ? inUseAtSync(dir) : { inUse: false, detail: null });
}

/** A removal that skipped a flocked subtree is not finished: the entry must stay. */
function unfinished(claimed: Claimed, r: RemoveTreeResult): Error | undefined {
  if (r.locked.length === 0) return undefined;
  return new EphemdirError(ErrorCodes.IN_USE, `${claimed.entry.path}: left ${r.locked.join(', ')}, held with flock by another process`, {
    path: claimed.entry.path,
    locked: r.locked,
  });
}

function acquire(ctx: ApiContext, id: string, waitMs: number): EntryLock | null {
  return ctx.registry.lockEntry(id, { waitMs });
}

/** Commits (or records) what the engine did; shared by both flavours. */
function settle(ctx: ApiContext, lock: EntryLock, claimed: Claimed, r: RemoveTreeResult): Outcome {
  const error = unfinished(claimed, r);
  const postponed = error === undefined && !r.complete;
  finish(ctx, lock, claimed, error, postponed);
  if (error) return { kind: 'failed', error };
  return { kind: postponed ? 'postponed' : 'removed', entriesRemoved: r.entriesRemoved };
}

function failed(ctx: ApiContext, lock: EntryLock, claimed: Claimed, err: unknown): Outcome {
  if (err instanceof AbortError) {
    // Stopped on request, not failed: journaled "deleting", resumed by the next sweep.
    finish(ctx, lock, claimed, undefined, true);
    return { kind: 'postponed', entriesRemoved: (err as AbortError & { entriesRemoved?: number }).entriesRemoved ?? 0 };
  }
  finish(ctx, lock, claimed, err);
  return { kind: 'failed', error: err as Error };
}

async function runClaimed(ctx: ApiContext, lock: EntryLock, claimed: Claimed, opts: RemovalOptions): Promise<Outcome> {
  let r: RemoveTreeResult;
  try {
    r = await removeTreeAt(claimed.staging, claimed.entry.name, engineOptions(claimed, opts.onProgress, opts.budget, opts.signal));
  } catch (err) {
    return failed(ctx, lock, claimed, err);
  }
  return settle(ctx, lock, claimed, r);
}

function runClaimedSync(ctx: ApiContext, lock: EntryLock, claimed: Claimed, opts: RemovalOptions): Outcome {
  let r: RemoveTreeResult;
  try {
    r = removeTreeAtSync(claimed.staging, claimed.entry.name, engineOptions(claimed, opts.onProgress, opts.budget));
  } catch (err) {
    return failed(ctx, lock, claimed, err);
  }
  return settle(ctx, lock, claimed, r);
}

export async function removeEntry(ctx: ApiContext, snapshot: Entry, opts: RemovalOptions): Promise<Outcome> {
  const lock = acquire(ctx, snapshot.id, opts.waitMs);
  if (!lock) return { kind: 'busy' };
  try {
    const c = claim(ctx, snapshot, lock, { inUse: inUseCheck(opts.honourInUse) });
    if ('blockers' in c) return { kind: 'refused', blockers: c.blockers, message: c.message };
    return await runClaimed(ctx, lock, c, opts);
  } finally {
    lock.release();
  }
}

export function removeEntrySync(ctx: ApiContext, snapshot: Entry, opts: RemovalOptions): Outcome {
  const lock = acquire(ctx, snapshot.id, opts.waitMs);
  if (!lock) return { kind: 'busy' };
  try {
    const c = claim(ctx, snapshot, lock, { inUse: inUseCheck(opts.honourInUse) });
    if ('blockers' in c) return { kind: 'refused', blockers: c.blockers, message: c.message };
    return runClaimedSync(ctx, lock, c, opts);
  } finally {
    lock.release();
  }
}

/** Reconciles an interrupted deletion and, when it is ours to finish, finishes it. */
export function recoverEntrySync(ctx: ApiContext, snapshot: Entry, opts: RemovalOptions & { retry: boolean }): Outcome {
  const lock = acquire(ctx, snapshot.id, opts.waitMs);
  if (!lock) return { kind: 'busy' };
  try {
    const r = reconcile(ctx, snapshot, lock, opts.retry);
    if (r.action === 'resume') return runClaimedSync(ctx, lock, r.claimed, opts);
    return { kind: 'reconciled', action: r.action, message: r.message };
  } finally {
    lock.release();
  }
}

export async function recoverEntry(ctx: ApiContext, snapshot: Entry, opts: RemovalOptions & { retry: boolean }): Promise<Outcome> {
  const lock = acquire(ctx, snapshot.id, opts.waitMs);
  if (!lock) return { kind: 'busy' };
  try {
    const r = reconcile(ctx, snapshot, lock, opts.retry);
    if (r.action === 'resume') return await runClaimed(ctx, lock, r.claimed, opts);
    return { kind: 'reconciled', action: r.action, message: r.message };
  } finally {
    lock.release();
  }
}
