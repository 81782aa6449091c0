// One managed directory through the whole protocol, under its entry lock:
// claim, remove with the engine, commit. Written once as Steps (core/steps.ts):
// the engine call is the only step whose flavours differ.
import type { Entry } from '../model/entry';
import type { EntryLock } from '../store/registry';
import { removeTreeAtSteps } from '../fs/remove-tree';
import { runAsync, type Steps } from '../core/steps';
import { boundaryFailure, claim, engineOptions, finish, reconcile, type Claimed, type ReconcileAction } from './protocol';
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
  /**
   * Stops the removal at its next entry; it is then left mid-deletion, like
   * a spent budget. Run synchronously, it is only checked before starting.
   */
  signal?: AbortSignal;
  /**
   * Stop once the claim is durable (the tree in its staging folder,
   * "deleting" journaled) and leave the removal to the next call: the
   * bounded sweep spreads one deletion over two tempdir() calls this way.
   */
  claimOnly?: boolean;
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
  const error = boundaryFailure(claimed, err);
  finish(ctx, lock, claimed, error);
  return { kind: 'failed', error: error as Error };
}

/** Step 4's removal and step 5 for a claimed tree. */
function* runClaimed(ctx: ApiContext, lock: EntryLock, claimed: Claimed, opts: RemovalOptions): Steps<Outcome> {
  let r: RemoveTreeResult;
  try {
    r = yield* removeTreeAtSteps(claimed.staging, claimed.entry.name, engineOptions(claimed, opts.onProgress, opts.budget, opts.signal));
  } catch (err) {
    return failed(ctx, lock, claimed, err);
  }
  return settle(ctx, lock, claimed, r);
}

/** Removes a tracked directory through the protocol (claim, remove, commit), or says why not. */
export function* removeEntrySteps(ctx: ApiContext, snapshot: Entry, opts: RemovalOptions): Steps<Outcome> {
  const lock = acquire(ctx, snapshot.id, opts.waitMs);
  if (!lock) return { kind: 'busy' };
  try {
    const c = claim(ctx, snapshot, lock, { inUse: inUseCheck(opts.honourInUse) });
    if ('blockers' in c) return { kind: 'refused', blockers: c.blockers, message: c.message };
    if (opts.claimOnly) {
      finish(ctx, lock, c, undefined, true);
      return { kind: 'postponed', entriesRemoved: 0 };
    }
    return yield* runClaimed(ctx, lock, c, opts);
  } finally {
    lock.release();
  }
}

/** Reconciles an interrupted deletion and, when it is ours to finish, finishes it. */
export function* recoverEntrySteps(ctx: ApiContext, snapshot: Entry, opts: RemovalOptions & { retry: boolean }): Steps<Outcome> {
  const lock = acquire(ctx, snapshot.id, opts.waitMs);
  if (!lock) return { kind: 'busy' };
  try {
    const r = reconcile(ctx, snapshot, lock, opts.retry);
    if (r.action === 'resume') return yield* runClaimed(ctx, lock, r.claimed, opts);
    return { kind: 'reconciled', action: r.action, message: r.message };
  } finally {
    lock.release();
  }
}

export function removeEntry(ctx: ApiContext, snapshot: Entry, opts: RemovalOptions): Promise<Outcome> {
  return runAsync(removeEntrySteps(ctx, snapshot, opts));
}

export function recoverEntry(ctx: ApiContext, snapshot: Entry, opts: RemovalOptions & { retry: boolean }): Promise<Outcome> {
  return runAsync(recoverEntrySteps(ctx, snapshot, opts));
}
