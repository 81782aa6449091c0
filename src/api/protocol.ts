// The journaled deletion protocol, run under the entry's lock:
//   1. verify (trusted parent, marker + inode, guard, mounts, flock, in use)
//   2. journal the intent durably: state "moving" with a fresh claim id
//   3. rename the directory with RENAME_NOREPLACE into a private (0700)
//      staging folder beside it, `.ephemdir-staging-<claim>/<name>`
//   4. journal "deleting"; remove the tree through the staging fd with the
//      marker removed last, so a partial delete stays provably ours
//   5. remove the empty staging folder and commit (drop the entry)
// A crash at any step is reconciled by `reconcile` on the next sweep.
import * as crypto from 'node:crypto';
import * as path from 'node:path';
import type { Entry } from '../model/entry';
import type { EntryLock } from '../store/registry';
import type { DirHandle } from '../fs/dir-handle';
import { openDirectory } from '../fs/walk';
import { EphemdirError, ErrorCodes, hasCode } from '../errors';
import { MARKER_NAME } from './marker';
import { locate, closeLocated, locatedProbe, stagingFolderName, stagingFolderOf, type Located, type MountSnapshot, type ParentLookup } from './probe';
import { decide, type BlockerCode, type RecoveredCode } from '../policy/decide';
import { blockerText, describeBlockers } from '../policy/explain';
import { boundaryAdvice, recoveryChoices } from '../policy/remedies';
import { mountsInside, type InUseAnswer } from './in-use';
import type { ApiContext } from './context';
import { crashHookInstalled, crashPoint } from './crash-points';

export interface Claimed {
  entry: Entry;
  /** The private staging folder holding the tree (named entry.name inside). */
  staging: DirHandle;
  expect: { dev: number; ino: number };
}

export type Refusal = { blockers: BlockerCode[]; message: string };

function sameEntry(a: Entry, b: Entry): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * The entry lock is the caller's proof that it may change this entry: each
 * step that writes takes it and checks it names the entry, so a step can
 * neither be called without the lock nor with another entry's.
 */
function requireHeld(lock: EntryLock, id: string): void {
  if (lock.id !== id) {
    throw new EphemdirError(ErrorCodes.INVALID_STATE, `internal: the lock held is for entry ${lock.id}, not ${id}`, { id });
  }
}

/**
 * A registry write under the entry lock the caller holds (update is
 * reentrant for it). Durable by default; `group` writes are committed with
 * the others when the registry is flushed or closed. Only writes that a
 * crash could not reconcile must be durable on their own (the intent, and
 * "deleting"); a lost commit reads as "deleting" with nothing staged, which
 * reconcile completes.
 */
export function write(ctx: ApiContext, lock: EntryLock, id: string, next: Entry | null, group = false): void {
  requireHeld(lock, id);
  ctx.registry.update(id, () => ({ entry: next, result: undefined }), { durable: !group });
}

/** A refusal the protocol itself makes (the entry changed under it, or the move failed). */
export function refusal(blocker: BlockerCode, detail?: string): Refusal {
  return { blockers: [blocker], message: blockerText(blocker, detail) };
}

/**
 * Steps 1-4 for an active entry. Step 1 gathers the facts again under the
 * entry lock and asks the same policy as the sweep (`decide`); the claim only
 * acts on its answer. Returns the claimed tree, or why it was left alone
 * (nothing changed on disk or in the registry then).
 */
export function claim(
  ctx: ApiContext,
  snapshot: Entry,
  lock: EntryLock,
  checks: { inUse: (dir: DirHandle) => InUseAnswer },
): Claimed | Refusal {
  const v = verifyClaim(ctx, snapshot, lock, checks);
  if ('blockers' in v) return v;
  try {
    return moveToStaging(ctx, lock, v.current, v.at);
  } finally {
    closeLocated(v.at);
  }
}

/** A verified entry: `at` stays open (its flock held) until the caller closes it after the move. */
export interface Verified {
  current: Entry;
  at: Located;
}

/**
 * Step 1 alone, for one entry: every check, fail-closed. On success the
 * located directory stays open and flocked for the move; the caller closes it
 * (closeLocated). The batched sweep runs this per entry.
 */
export interface ClaimChecks {
  inUse: (dir: DirHandle) => InUseAnswer;
  /** Trusted parents shared by a batch (each reuse re-checked by identity); without it the chain is walked for this entry alone. */
  parents?: ParentLookup;
  /** The mount table read once for a batch; without it, read for this entry. */
  mounts?: MountSnapshot;
}

export function verifyClaim(ctx: ApiContext, snapshot: Entry, lock: EntryLock, checks: ClaimChecks): Verified | Refusal {
  requireHeld(lock, snapshot.id);
  const current = ctx.registry.get(snapshot.id);
  if (!current) return refusal('gone');
  if (!sameEntry(current, snapshot)) return refusal('changed');
  if (current.state !== 'active') return refusal('in-progress', `it is already ${current.state}`);

  const at = locate(current, 'original', checks.parents);
  let keep = false;
  try {
    const probe = locatedProbe(ctx, current, at);
    probe.mountsInside = at.presence === 'present' ? (checks.mounts ? checks.mounts.inside(current.path) : mountsInside(current.path)) : null;
    // Kept from here through the rename into staging (released when `at` is
    // closed): a hold() cannot slip in between the check and the move.
    if (at.dir) probe.lockedByOther = !at.dir.lock('exclusive');
    // The slow in-use scan runs last, and only when nothing else holds the
    // entry back; until then "not in use" adds no blocker.
    probe.inUse = false;
    // The caller chose the entry (a due one, or an explicit remove): here
    // only the blockers count, so every entry is due as in a forced sweep.
    const dctx = ctx.decision('force');
    let decision = decide(current, probe, dctx);
    if (decision.destructiveAllowed && current.keepWhileInUse && at.dir) {
      const used = checks.inUse(at.dir);
      probe.inUse = used.inUse;
      if (used.detail !== null) probe.inUseDetail = used.detail;
      decision = decide(current, probe, dctx);
    }
    if (!decision.destructiveAllowed || !at.dir || !at.parent || !at.stat) {
      const blockers = decision.blockers.length > 0 ? decision.blockers : (['unavailable'] as BlockerCode[]);
      return { blockers, message: describeBlockers({ blockers }, current, probe, dctx) };
    }
    keep = true;
    return { current, at };
  } finally {
    if (!keep) closeLocated(at);
  }
}

function moveToStaging(ctx: ApiContext, lock: EntryLock, current: Entry, at: Located): Claimed | Refusal {
  const parent = at.parent!;
  const stat = at.stat!;
  const claimId = crypto.randomBytes(16).toString('hex');
  const folder = stagingFolderName(claimId);
  const moving: Entry = {
    ...current,
    state: 'moving',
    claimId,
    stagingPath: path.join(current.parent, folder),
    dev: stat.dev,
    ino: stat.ino,
    mountId: stat.mntId,
    mountIdUnique: stat.mntIdUnique,
    lastError: null,
  };
  write(ctx, lock, current.id, moving); // durable intent before any rename
  crashPoint('after-intent');

  let staging: DirHandle | null = null;
  try {
    parent.mkdir(folder, 0o700);
    staging = parent.openDir(folder, { noXdev: true });
    crashPoint('after-staging-folder');
    renameIntoStaging(parent, staging, current.name, stat.mode);
  } catch (err) {
    // Nothing moved: undo the folder and the intent.
    if (staging) staging.close();
    try {
      parent.rmdir(folder);
    } catch {
      // left empty; reconcile removes it
    }
    write(ctx, lock, current.id, { ...current });
    return refusal('rename-failed', (err as Error).message);
  }
  const moved = staging.tryStat(current.name);
  if (!moved || moved.ino !== stat.ino || moved.dev !== stat.dev) {
    // Cannot happen short of kernel lies; never delete what we cannot prove.
    write(ctx, lock, current.id, { ...moving, state: 'recovery', claimId: null, lastError: 'the moved directory does not match' });
    staging.close();
    return refusal('recovery-required', 'the moved directory does not match what was verified');
  }
  staging.fsync();
  parent.fsync();
  crashPoint('after-rename');
  const deleting: Entry = { ...moving, state: 'deleting' };
  // Durable: were it lost after the whole tree went, "moving" with nothing
  // anywhere would be ambiguous.
  write(ctx, lock, current.id, deleting);
  crashPoint('after-deleting');
  return { entry: deleting, staging, expect: { dev: stat.dev, ino: stat.ino } };
}

/** The move of step 3 (RENAME_NOREPLACE), granting ourselves the write permission it needs on our own directory. */
export function renameIntoStaging(parent: DirHandle, staging: DirHandle, name: string, mode: number): void {
  try {
    parent.rename(name, staging, name, { noReplace: true });
  } catch (err) {
    // Moving a directory to another parent rewrites its "..": it needs
    // write permission on the directory itself, which is ours to grant.
    if (!hasCode(err, 'EACCES')) throw err;
    using anchor = parent.openPath(name);
    anchor.chmodOwnDirectory((mode & 0o7777) | 0o700);
    parent.rename(name, staging, name, { noReplace: true });
  }
}

/** Options for the engine when removing a claimed tree. */
export function engineOptions(claimed: Claimed, onProgress?: (p: { entriesRemoved: number }) => void, budget?: number, signal?: AbortSignal) {
  const crashMidway = crashHookInstalled();
  const report =
    onProgress || crashMidway
      ? (p: { entriesRemoved: number }) => {
          if (crashMidway && p.entriesRemoved > 0) crashPoint('mid-delete');
          onProgress?.(p);
        }
      : undefined;
  return {
    expect: claimed.expect,
    removeLast: MARKER_NAME,
    skipLocked: true,
    ...(report ? { onProgress: report } : {}),
    ...(budget !== undefined ? { maxEntries: Math.max(1, budget) } : {}),
    ...(signal ? { signal } : {}),
  };
}

/**
 * Step 5; or, when the work budget ran out (`postponed`), leaving the entry
 * mid-deletion for the next sweep to resume; or recording the failure.
 */
export function finish(ctx: ApiContext, lock: EntryLock, claimed: Claimed, error: unknown, postponed = false): void {
  const entry = claimed.entry;
  requireHeld(lock, entry.id);
  claimed.staging.close();
  if (postponed) return; // state "deleting" is already journaled; nothing failed
  if (error === undefined) {
    crashPoint('after-tree-removed');
    removeStagingFolder(entry);
    crashPoint('after-staging-removed');
    // Lost to a power cut, this reads as "deleting" with nothing staged: completed.
    write(ctx, lock, entry.id, null, true);
    return;
  }
  const message = error instanceof Error ? error.message : String(error);
  write(ctx, lock, entry.id, { ...entry, state: 'deleting', lastError: message.slice(0, 1024) });
}

export function removeStagingFolder(entry: Entry): void {
  const folder = stagingFolderOf(entry);
  if (!folder) return;
  let parent: DirHandle;
  try {
    parent = openDirectory(entry.parent, { trust: 'chain', final: 'parent' });
  } catch (err) {
    if (hasCode(err, 'ENOENT')) return;
    throw err;
  }
  try {
    parent.rmdir(folder);
    parent.fsync();
  } catch (err) {
    // ENOTEMPTY: something is still in it; leave it for the next reconcile.
    if (!hasCode(err, 'ENOENT', 'ENOTEMPTY')) throw err;
  } finally {
    parent.close();
  }
}

/** What reconcile did with an interrupted deletion, short of resuming it. */
export type ReconcileAction = RecoveredCode | 'parked' | 'left' | 'unavailable';

export type Reconciled = { action: 'resume'; claimed: Claimed } | { action: ReconcileAction; message: string };

/**
 * Reconciles an interrupted deletion (state moving or deleting; recovery
 * only when `retry`). O is the original path, S the tree in staging.
 */
export function reconcile(ctx: ApiContext, snapshot: Entry, lock: EntryLock, retry: boolean): Reconciled {
  requireHeld(lock, snapshot.id);
  let entry = ctx.registry.get(snapshot.id);
  if (!entry || !sameEntry(entry, snapshot)) return { action: 'left', message: 'its entry changed concurrently' };
  // A batched sweep journals "deleting" for its batch in the batch journal
  // only (sweep-batch.ts): a dead one's entries are brought up to it first.
  const journaled = entry.state === 'moving' ? ctx.registry.journaledState(entry) : null;
  if (journaled !== null) {
    write(ctx, lock, entry.id, journaled);
    entry = journaled;
  }
  if (entry.state === 'active') return { action: 'left', message: 'it is not mid-deletion' };
  if (entry.state === 'recovery' && !retry) return { action: 'left', message: `it needs ${recoveryChoices(entry.name)}` };

  const park = (why: string): Reconciled => {
    // A parked entry has no live claim (the codec insists): its staging
    // folder stays findable through stagingPath.
    write(ctx, lock, entry.id, { ...entry, state: 'recovery', claimId: null, lastError: why.slice(0, 1024) });
    return { action: 'parked', message: why };
  };
  const original = locate(entry, 'original');
  const staged = locate(entry, 'staging');
  try {
    const oOurs = original.presence === 'present' && original.identity === 'ours';
    const sPresent = staged.presence === 'present';
    const sOurs =
      sPresent &&
      staged.parentSafe !== false &&
      staged.stat !== undefined &&
      staged.stat.ino === entry.ino &&
      staged.stat.dev === entry.dev &&
      // The marker goes last; inside our private staging folder a tree with
      // the claimed inode and no marker is a delete that got that far.
      (staged.identity === 'ours' || (staged.identity === 'unverified' && entry.state !== 'moving'));

    if (staged.presence === 'unavailable' || original.presence === 'unavailable') {
      return { action: 'unavailable', message: staged.problem ?? original.problem ?? 'cannot inspect it now' };
    }
    if (sOurs && !oOurs) {
      // A hand-edited journal entry can name anything: the guard has the last word here too.
      const guarded = ctx.guard.refusal(staged.stat!, entry.path);
      if (guarded) return park(`refusing to resume: it is ${guarded}`);
      const claimed: Claimed = {
        entry: { ...entry, state: 'deleting', lastError: null },
        staging: staged.parent!.dup(),
        expect: { dev: entry.dev, ino: entry.ino },
      };
      // Already journaled as such (a claim left for a later step): no second durable write.
      if (entry.state !== 'deleting' || entry.lastError !== null) write(ctx, lock, entry.id, claimed.entry);
      return { action: 'resume', claimed };
    }
    if (oOurs && !sPresent && entry.state !== 'deleting') {
      removeStagingFolder(entry);
      write(ctx, lock, entry.id, { ...entry, state: 'active', claimId: null, stagingPath: null, lastError: null });
      return { action: 'reactivated', message: 'the rename never happened; it is active again' };
    }
    if (!sPresent && entry.state === 'deleting') {
      // The private staging folder held nothing else: the tree is gone.
      removeStagingFolder(entry);
      write(ctx, lock, entry.id, null);
      return { action: 'completed', message: 'the interrupted deletion had finished' };
    }
    const problem = staged.problem ?? original.problem;
    return park(
      `ambiguous interrupted deletion (original ${original.presence}/${original.identity}, staging ${staged.presence}/${staged.identity})${problem ? `: ${problem}` : ''}`,
    );
  } finally {
    closeLocated(original);
    closeLocated(staged);
  }
}

/**
 * A removal the engine stopped at another filesystem inside the tree
 * (EXDEV): a btrfs subvolume, which /proc/self/mountinfo does not list, so
 * the claim's check cannot see it, or a mount made after that check. The
 * error names each boundary by its path inside the tree and says what to
 * do; the entry stays "deleting" with the rest in its staging folder, and
 * each sweep retries it (same entry, same folder: nothing grows). Other
 * errors are returned as they are.
 */
export function boundaryFailure(claimed: Claimed, err: unknown): unknown {
  const failures = (err as { failures?: { path: string; code: string }[] })?.failures;
  if (!Array.isArray(failures)) return err;
  const entry = claimed.entry;
  const root = `${entry.stagingPath ?? entry.parent}/${entry.name}`;
  const staged = failures.filter((f) => f.code === 'EXDEV').map((f) => f.path);
  if (staged.length === 0) return err;
  const inside = staged.map((p) => (p.startsWith(`${root}/`) ? p.slice(root.length + 1) : p));
  const which = inside.map((p) => `'${p}'`).join(', ');
  return new EphemdirError(
    ErrorCodes.INCOMPLETE,
    `could not fully remove ${entry.path}: ${which} inside it ${inside.length === 1 ? 'is' : 'are'} another filesystem (a btrfs subvolume, or a mount), which ephemdir never deletes through; the rest is removed and what is left waits in ${root}: ${boundaryAdvice(staged[0]!, entry.name)}`,
    { path: entry.path, boundaries: inside, cause: err },
  );
}

export function removalFailure(path: string, err: unknown): EphemdirError {
  const e = err as { code?: string; message?: string };
  if (typeof e.code === 'string' && e.code.startsWith('EPHEMDIR_')) return err as EphemdirError;
  return new EphemdirError(ErrorCodes.INCOMPLETE, `could not fully remove ${path}: ${e.message ?? String(err)}; the rest stays tracked and the next sweep retries`, {
    path,
    cause: err,
  });
}
