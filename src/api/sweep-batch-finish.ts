// Steps 4 (the trees' removal) and 5 (the commit) of a batched sweep
// (sweep-batch.ts): the trees removed several at once on the engine's worker
// threads, then the staging folders and the entries dropped as group commits.
import type { RemoveTreeResult } from '../fs/remove-tree';
import { removeTreeAt } from '../fs/remove-tree';
import { AbortError } from '../fs/abort';
import { EphemdirError, ErrorCodes, hasCode } from '../errors';
import { boundaryFailure, engineOptions, write, type Claimed } from './protocol';
import { crashPoint } from './crash-points';
import type { ApiContext } from './context';
import { fail, live, settle, type BatchOptions, type Group, type Member } from './sweep-batch-members';

/** How many trees of a batch the engine removes at once (each on a worker thread). */
export const TREE_CONCURRENCY = 4;

/** A removal that skipped a flocked subtree is not finished: the entry must stay. */
function leftLocked(claimed: Claimed, r: RemoveTreeResult): Error | undefined {
  if (r.locked.length === 0) return undefined;
  return new EphemdirError(ErrorCodes.IN_USE, `${claimed.entry.path}: left ${r.locked.join(', ')}, held with flock by another process`, {
    path: claimed.entry.path,
    locked: r.locked,
  });
}

/** The rest of step 4: the trees, TREE_CONCURRENCY at a time, each on the engine's worker thread. */
export async function removeAll(ctx: ApiContext, groups: Group[], opts: BatchOptions): Promise<void> {
  const queue = groups.flatMap(live).filter((m) => m.claimed);
  const total = queue.length;
  let finished = 0;
  const one = async (m: Member): Promise<void> => {
    const claimed = m.claimed!;
    if (opts.signal?.aborted) {
      // Left "deleting": the next sweep resumes it.
      keepDeleting(ctx, m);
      return;
    }
    let r: RemoveTreeResult;
    try {
      r = await removeTreeAt(claimed.staging, claimed.entry.name, engineOptions(claimed, opts.onProgress, undefined, opts.signal));
    } catch (err) {
      if (err instanceof AbortError) {
        keepDeleting(ctx, m);
        return;
      }
      recordError(ctx, m, boundaryFailure(claimed, err));
      return;
    }
    const error = leftLocked(claimed, r);
    if (error) recordError(ctx, m, error);
    else if (!r.complete) keepDeleting(ctx, m, r.entriesRemoved);
    else {
      m.committed = true;
      settle(m, { kind: 'removed', entriesRemoved: r.entriesRemoved });
    }
    finished++;
    if (finished < total) crashPoint('batch-mid-removal');
  };
  const workers: Promise<void>[] = [];
  let next = 0;
  for (let w = 0; w < Math.min(TREE_CONCURRENCY, total); w++) {
    workers.push(
      (async () => {
        while (next < total) await one(queue[next++]!);
      })(),
    );
  }
  await Promise.all(workers);
}

/** Stopped on request: "deleting" goes into the entry file (the journal is dropped at the sweep's end) and the next sweep resumes it. */
function keepDeleting(ctx: ApiContext, m: Member, entriesRemoved = 0): void {
  try {
    write(ctx, m.lock, m.current.id, m.claimed!.entry, true);
    settle(m, { kind: 'postponed', entriesRemoved });
  } catch (err) {
    // Still "moving", its partial tree still marked (the marker goes last): reconcile resumes it.
    fail(m, err);
  }
}

/** Its tree is gone but the commit failed: "deleting" with nothing staged, which reconcile completes. */
function uncommitted(ctx: ApiContext, m: Member, err: unknown): void {
  m.committed = false;
  try {
    write(ctx, m.lock, m.current.id, { ...m.claimed!.entry, lastError: (err instanceof Error ? err.message : String(err)).slice(0, 1024) });
  } catch {
    // the batch journal may then be the only record of "deleting"; it is dropped only after a successful flush
  }
  m.done = { item: m.item, error: err };
}

/** A failed removal stays "deleting" with the reason (as finish() records it), for the next sweep. */
function recordError(ctx: ApiContext, m: Member, error: unknown): void {
  const message = error instanceof Error ? error.message : String(error);
  try {
    write(ctx, m.lock, m.current.id, { ...m.claimed!.entry, lastError: message.slice(0, 1024) });
  } catch {
    // the entry stays "deleting": the next sweep resumes it either way
  }
  settle(m, { kind: 'failed', error: error as Error });
}

/** Step 5 for the batch: empty staging folders removed (one fsync per parent), the removed entries dropped. */
export function commit(ctx: ApiContext, groups: Group[]): void {
  crashPoint('batch-before-commit');
  crashPoint('after-tree-removed');
  for (const g of groups) {
    if (!g.staging || !g.members.some((m) => m.committed)) continue;
    try {
      g.parent.rmdir(g.folder);
      g.parent.fsync();
    } catch (err) {
      // ENOTEMPTY: a tree of the batch is still in it; its entry stays and the next sweep finishes it.
      if (!hasCode(err, 'ENOENT', 'ENOTEMPTY')) for (const m of g.members.filter((x) => x.committed)) uncommitted(ctx, m, err);
    }
  }
  crashPoint('after-staging-removed');
  for (const g of groups) {
    for (const m of g.members.filter((x) => x.committed)) {
      try {
        // Lost to a power cut, this reads as "deleting" with nothing staged: completed.
        write(ctx, m.lock, m.current.id, null, true);
      } catch (err) {
        uncommitted(ctx, m, err);
      }
    }
  }
}
