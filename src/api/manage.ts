// Managing tracked directories by full path, exact name or unique prefix.
import type { Entry } from '../model/entry';
import { parseDuration, parseExtension } from '../core/duration';
import { BLOCKER_ERRORS, decide, type BlockerCode } from '../policy/decide';
import { assertNever } from '../core/never';
import { explainModel, type ExplainModel } from '../policy/explain';
import { prunable, remedyText } from '../policy/remedies';
import { EphemdirError, ErrorCodes, invalidArgument, type ErrorCode } from '../errors';
import { readMarker, MARKER_NAME } from './marker';
import { pickOne, withContext } from './query';
import { JournaledEntries } from './query-journaled';
import { locate, closeLocated, probeEntry } from './probe';
import { scanSize } from './size';
import { removeEntry, recoverEntry, type Outcome } from './removal';
import { openContext, requireContext, nowSeconds, type ApiContext, type RegistryChoice } from './context';
import type { ExtendOptions, RecoverOptions, RegistryOptions, RemoveResult } from './types';
import { checkCall } from '../core/options';
import { EXPLAIN, EXTEND, KEEP, PRUNE, RECOVER, REMOVE } from './signatures';





async function withContextAsync<T>(choice: RegistryChoice, fn: (ctx: ApiContext) => Promise<T>, settle = false): Promise<T> {
  const ctx = requireContext(choice, settle);
  try {
    return await fn(ctx);
  } finally {
    ctx[Symbol.dispose]();
  }
}

/**
 * Under the entry lock: refuses a directory that is no longer the one
 * ephemdir created (another directory at its path, or its marker changed).
 * A missing one may still be kept or extended: nothing on disk is touched.
 */
function requireOurs(entry: Entry, action: string): void {
  const at = locate(entry);
  closeLocated(at);
  if (prunable(at) === 'replaced') {
    throw new EphemdirError(
      ErrorCodes.NOT_OURS,
      `refusing to ${action} ${entry.path}: it was replaced by another directory (its inode or marker changed); nothing was changed, and ${remedyText('replaced', entry.name)}`,
      { path: entry.path },
    );
  }
}

/** Stop tracking a directory by id, keeping it on disk; removes our marker. */
export function keepById(ctx: ApiContext, id: string): string {
  const kept = ctx.registry.update(id, (current) => {
    if (!current) throw new EphemdirError(ErrorCodes.NOT_FOUND, 'it is no longer tracked', { id });
    if (current.state !== 'active') {
      throw new EphemdirError(ErrorCodes.INVALID_STATE, `${current.path} is being deleted (${current.state}); a sweep claimed it first`, { path: current.path });
    }
    requireOurs(current, 'keep');
    return { entry: null, result: current };
  });
  const at = locate(kept);
  try {
    // Only our own marker is removed: the directory becomes an ordinary one.
    if (at.dir && at.identity === 'ours' && readMarker(at.dir) === kept.id) at.dir.unlink(MARKER_NAME);
  } finally {
    closeLocated(at);
  }
  ctx.registry.incrementStat('kept');
  return kept.path;
}

/**
 * Stops tracking a directory and removes its `.ephemdir` marker: it becomes
 * an ordinary directory that stays on disk for good. `target` is a full
 * path, an exact name or a unique prefix. Resolves to its path. Refuses a
 * directory that was replaced at its path (`EPHEMDIR_NOT_OURS`) or is being
 * deleted (`EPHEMDIR_INVALID_STATE`).
 */
export async function keep(target: string, options: RegistryOptions = {}): Promise<string> {
  checkCall(KEEP, [target], options);
  return withContext(options, (ctx) => keepById(ctx, pickOne(ctx, target, 'active').id), true);
}

export function extendById(ctx: ApiContext, id: string, lifetime: number | string | null, relative = false): Entry {
  let seconds: number | null;
  if (typeof lifetime === 'string' && lifetime.trim().startsWith('+')) {
    seconds = parseExtension(lifetime).seconds;
    relative = true;
  } else {
    seconds = parseDuration(lifetime);
  }
  if (relative && seconds === null) throw invalidArgument('a relative extension needs a duration, e.g. +1h');
  return ctx.registry.update(id, (current) => {
    if (!current) throw new EphemdirError(ErrorCodes.NOT_FOUND, 'it is no longer tracked', { id });
    if (current.state !== 'active') {
      throw new EphemdirError(ErrorCodes.INVALID_STATE, `${current.path} is being deleted (${current.state})`, { path: current.path });
    }
    requireOurs(current, 'extend');
    const now = nowSeconds();
    const base = relative ? Math.max(current.expiresAt ?? now, now) : now;
    const next: Entry = { ...current, expiresAt: seconds === null ? null : base + seconds, cleanup: 'auto' };
    return { entry: next, result: next };
  });
}

/**
 * Gives a tracked directory a new lifetime: a duration from now (seconds or
 * `"2h"`), `"+30m"` to add to its current expiry (or `{ relative: true }`),
 * or `null` for no time limit. `target` is a full path, an exact name or a
 * unique prefix. Resolves to the updated entry.
 */
export async function extend(target: string, lifetime: number | string | null, opts: ExtendOptions = {}): Promise<Entry> {
  checkCall(EXTEND, [target, lifetime], opts);
  return withContext(opts, (ctx) => extendById(ctx, pickOne(ctx, target, 'active').id, lifetime, opts.relative ?? false), true);
}

export function outcomeError(entry: Entry, o: Outcome): EphemdirError | Error | null {
  switch (o.kind) {
    case 'removed':
      return null;
    case 'busy':
      return new EphemdirError(ErrorCodes.BUSY, `${entry.path} is being processed by another ephemdir process`, { path: entry.path });
    case 'refused':
      return new EphemdirError(refusalCode(o.blockers), `refusing to remove ${entry.path}: ${o.message}`, { path: entry.path, blockers: o.blockers });
    case 'failed':
      return o.error;
    case 'postponed':
      return new EphemdirError(ErrorCodes.INCOMPLETE, `${entry.path}: removal postponed; the next sweep resumes it`, { path: entry.path });
    case 'reconciled':
      if (o.action === 'completed') return null;
      return new EphemdirError(
        ErrorCodes.RECOVERY_REQUIRED,
        `${entry.path}: ${o.message}${o.action === 'parked' ? `; ${remedyText('parked', entry.name)}` : ''}`,
        { path: entry.path },
      );
    default:
      return assertNever(o, 'removal outcome');
  }
}

/**
 * The error code of a refused removal: "in use" when a process holds it,
 * else "not ours" when it is not provably ours, else the first blocker's
 * (BLOCKER_ERRORS), so the most actionable code wins whatever the order.
 */
function refusalCode(blockers: readonly BlockerCode[]): ErrorCode {
  const codes = blockers.map((b) => BLOCKER_ERRORS[b]);
  for (const preferred of REFUSAL_PRECEDENCE) if (codes.includes(preferred)) return preferred;
  return codes[0] ?? ErrorCodes.INVALID_STATE;
}

const REFUSAL_PRECEDENCE: readonly ErrorCode[] = [ErrorCodes.IN_USE, ErrorCodes.NOT_OURS];

export async function removeById(ctx: ApiContext, entry: Entry): Promise<RemoveResult> {
  const o = await removeEntry(ctx, entry, { waitMs: 10_000, honourInUse: false });
  const err = outcomeError(entry, o);
  if (err) throw err;
  ctx.registry.incrementStat('removed');
  return { path: entry.path, name: entry.name, entriesRemoved: o.kind === 'removed' ? o.entriesRemoved : 0 };
}

/**
 * Removes a tracked directory now, through the journaled protocol (moved
 * aside first, then deleted fd-relative, never across a mount). `target` is a
 * full path, an exact name or a unique prefix. Resolves to what was removed;
 * rejects with `EPHEMDIR_IN_USE`, `EPHEMDIR_NOT_OURS`, `EPHEMDIR_INCOMPLETE`
 * (the rest stays tracked and the next sweep retries), ...
 */
export async function remove(target: string, options: RegistryOptions = {}): Promise<RemoveResult> {
  checkCall(REMOVE, [target], options);
  return withContextAsync(options, (ctx) => removeById(ctx, pickOne(ctx, target, 'active')), true);
}

/**
 * Why a tracked directory is or is not due: every reason it is due and every
 * blocker holding it back, as `ephemdir explain` prints them. Reads only (the
 * entry as the batch journals say, see JournaledEntries).
 */
export async function explain(target: string, options: RegistryOptions = {}): Promise<ExplainModel> {
  checkCall(EXPLAIN, [target], options);
  return withContextAsync(options, async (ctx) => {
    // As the batch journals say: an entry file a power cut set back is shown as its batch left it.
    const source = new JournaledEntries(ctx.registry);
    const entry = pickOne(ctx, target, 'all', source);
    const probe = await probeEntry(ctx, entry, { inUse: true, lock: true, mounts: true });
    if (entry.maxSize !== null && probe.presence === 'present') probe.size = await scanSize(entry);
    const dctx = ctx.decision('full');
    return explainModel(entry, probe, decide(entry, probe, dctx), dctx, { stagedByBatch: source.stagedByBatch(entry) });
  });
}

/**
 * Finishes an interrupted deletion (a directory left mid-deletion by a crash
 * or a failure), or with `{ forget: true }` drops its entry without deleting
 * anything. Resolves to the path and what was done (`removed`, `forgotten`,
 * ...).
 */
export async function recover(target: string, opts: RecoverOptions = {}): Promise<{ path: string; action: string }> {
  checkCall(RECOVER, [target], opts);
  return withContextAsync(opts, async (ctx) => {
    const entry = pickOne(ctx, target, 'journal');
    if (opts.forget) {
      const lock = ctx.registry.lockEntry(entry.id, { waitMs: 0 });
      if (!lock) throw new EphemdirError(ErrorCodes.BUSY, `${entry.path} is being processed by another ephemdir process`, { path: entry.path });
      try {
        ctx.registry.update(entry.id, () => ({ entry: null, result: undefined }));
      } finally {
        lock.release();
      }
      return { path: entry.path, action: 'forgotten' };
    }
    const o = await recoverEntry(ctx, entry, { waitMs: 0, honourInUse: false, retry: true });
    const err = outcomeError(entry, o);
    if (err) throw err;
    return { path: entry.path, action: o.kind === 'removed' ? 'removed' : o.kind === 'reconciled' ? o.action : o.kind };
  }, true);
}

/** Forget active entries whose directory is missing or was replaced by another; never touches disk. */
export async function prune(options: RegistryOptions = {}): Promise<string[]> {
  checkCall(PRUNE, [], options);
  const ctx = openContext({ create: false, dataDir: options.dataDir, settle: true });
  if (!ctx) return [];
  try {
    const forgotten: string[] = [];
    const failed: { path: string; message: string }[] = [];
    for (const entry of ctx.registry.list().entries.filter((e) => e.state === 'active')) {
      try {
        const at = locate(entry);
        closeLocated(at);
        if (prunable(at) === null) continue;
        ctx.registry.update(entry.id, (cur) => ({ entry: cur && cur.state === 'active' && cur.ino === entry.ino ? null : cur, result: undefined }));
        forgotten.push(entry.path);
      } catch (err) {
        // One entry that cannot be pruned does not keep the others tracked.
        failed.push({ path: entry.path, message: (err as Error).message });
      }
    }
    if (failed.length > 0) {
      throw new EphemdirError(
        ErrorCodes.INCOMPLETE,
        `pruned ${forgotten.length}; could not prune ${failed.map((f) => `${f.path} (${f.message})`).join('; ')}`,
        { forgotten, failed },
      );
    }
    return forgotten;
  } finally {
    ctx[Symbol.dispose]();
  }
}
