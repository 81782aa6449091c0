// The batched form of the deletion protocol, for sweeps of many due entries.
// The steps are those of protocol.ts, each taken for the whole batch at once:
//   1. verify every entry under its own lock (protocol.ts verifyClaim: every
//      check, per entry, fail-closed; a refusal only drops that entry)
//   2. journal the intents of the whole batch with one durable write (the
//      batch journal, store/batch-journal.ts), then the entry files as group
//      commits
//   3. one private staging folder per parent directory; every entry renamed
//      into it with RENAME_NOREPLACE; the staging folder and the parent
//      fsynced once
//   4. journal "deleting" for the batch (one durable write; the entry files
//      keep "moving", reconcile reads the journal), remove the trees with the
//      engine on worker threads, several at once
//   5. group commit: staging folders removed, entries dropped; the journal
//      goes once the registry is flushed (BatchSession.close)
// A crash anywhere leaves each entry "moving" or "deleting" (in its file or in
// the journal, replayed first by the next sweep), which reconcile settles per
// entry by identity.
import * as crypto from 'node:crypto';
import * as path from 'node:path';
import type { Entry } from '../model/entry';
import type { EntryLock } from '../store/registry';
import type { DirHandle } from '../fs/dir-handle';
import { EphemdirError, ErrorCodes } from '../errors';
import { closeLocated, MountSnapshot, stagingFolderName } from './probe';
import { ParentChains } from '../fs/walk-chain';
import { refusal, renameIntoStaging, verifyClaim, write } from './protocol';
import { inUseAtSync } from './in-use';
import { crashPoint } from './crash-points';
import type { ApiContext } from './context';
import { fail, live, refused, type BatchItem, type BatchOptions, type BatchResult, type Group, type Member } from './sweep-batch-members';
import { commit, removeAll } from './sweep-batch-finish';

export type { BatchItem, BatchOptions, BatchResult } from './sweep-batch-members';
export { TREE_CONCURRENCY } from './sweep-batch-finish';

/** How many due entries share one journal write and one group commit. */
export const BATCH_SIZE = 64;

/**
 * The journals of one sweep: each batch takes a batch lock and writes a
 * journal; close() flushes the registry's group commits and only then drops
 * the journals and their locks.
 */
export class BatchSession {
  readonly #ctx: ApiContext;
  readonly #ids: string[] = [];
  readonly #locks: { release(): void }[] = [];

  constructor(ctx: ApiContext) {
    this.#ctx = ctx;
  }

  begin(): string {
    const id = crypto.randomBytes(16).toString('hex');
    this.#locks.push(this.#ctx.registry.lockBatch(id));
    this.#ids.push(id);
    return id;
  }

  close(): void {
    try {
      // On failure the journals stay: the next sweep replays them (harmless once applied).
      this.#ctx.registry.dropBatchJournals(this.#ids);
    } finally {
      for (const l of this.#locks) l.release();
      this.#locks.length = 0;
      this.#ids.length = 0;
    }
  }
}

/** Puts an entry back to what it was: nothing moved (the journal's intent, if replayed, is reactivated by reconcile). */
function undo(ctx: ApiContext, m: Member): void {
  try {
    write(ctx, m.lock, m.current.id, { ...m.current }, true);
  } catch {
    // the entry file still says "moving" with nothing staged: reconcile reactivates it
  }
}

/** Step 1 for each entry; the verified keep their lock and their flocked directory. */
function verifyAll(ctx: ApiContext, items: readonly BatchItem[], opts: BatchOptions): { members: Member[]; out: BatchResult[] } {
  const members: Member[] = [];
  const out: BatchResult[] = [];
  const inUse = (dir: DirHandle) => (opts.honourInUse ? inUseAtSync(dir) : { inUse: false, detail: null });
  // Each parent is walked once for the batch, and re-checked by identity for
  // every later entry (a changed one is walked afresh); the mount table is
  // read once here, and again right before the renames (moveAll).
  using parents = new ParentChains({ trust: 'chain', final: 'parent' });
  const mounts = new MountSnapshot();
  let n = 0;
  for (const item of items) {
    if (n++ > 0) crashPoint('batch-mid-verify');
    let lock: EntryLock | null = null;
    try {
      lock = ctx.registry.lockEntry(item.entry.id, { waitMs: 0 });
      if (!lock) {
        out.push({ item, outcome: { kind: 'busy' } });
        continue;
      }
      const v = verifyClaim(ctx, item.entry, lock, { inUse, parents, mounts });
      if ('blockers' in v) {
        out.push({ item, outcome: { kind: 'refused', blockers: v.blockers, message: v.message } });
        continue;
      }
      members.push({ item, lock, current: v.current, at: v.at });
      lock = null;
    } catch (err) {
      out.push({ item, error: err });
    } finally {
      lock?.release();
    }
  }
  return { members, out };
}

/** Entries whose parent is the same directory (same path, same identity) share a staging folder. */
function groupByParent(members: Member[]): Group[] {
  const groups = new Map<string, Group>();
  for (const m of members) {
    const parent = m.at!.parent!;
    let st;
    try {
      st = parent.stat();
    } catch (err) {
      fail(m, err);
      continue;
    }
    const key = `${st.dev}:${st.ino}\0${m.current.parent}`;
    let g = groups.get(key);
    if (!g) {
      g = { parent: parent.dup(), parentPath: m.current.parent, folder: stagingFolderName(crypto.randomBytes(16).toString('hex')), staging: null, members: [] };
      groups.set(key, g);
    }
    g.members.push(m);
  }
  return [...groups.values()];
}

function movingOf(m: Member, g: Group): Entry {
  const stat = m.at!.stat!;
  return {
    ...m.current,
    state: 'moving',
    claimId: crypto.randomBytes(16).toString('hex'),
    stagingPath: path.join(g.parentPath, g.folder),
    dev: stat.dev,
    ino: stat.ino,
    mountId: stat.mntId,
    mountIdUnique: stat.mntIdUnique,
    lastError: null,
  };
}

/** Step 2: the intents of the whole batch in one durable journal write, then the entry files as group commits. */
function journalIntents(ctx: ApiContext, session: BatchSession, groups: Group[]): string | null {
  const all = groups.flatMap(live);
  for (const g of groups) for (const m of live(g)) m.moving = movingOf(m, g);
  let batchId: string;
  try {
    batchId = session.begin();
    ctx.registry.journalBatch(
      batchId,
      all.map((m) => ({ before: m.current, after: m.moving! })),
    );
  } catch (err) {
    // Nothing changed for any entry: each is reported, none is touched.
    for (const m of all) fail(m, err);
    return null;
  }
  crashPoint('batch-journaled');
  for (const m of all) {
    try {
      write(ctx, m.lock, m.current.id, m.moving!, true);
    } catch (err) {
      fail(m, err);
    }
  }
  crashPoint('after-intent');
  return batchId;
}

/**
 * The mount table read again right before the renames, once for the batch:
 * a mount made inside an entry since its check refuses it (nothing moved),
 * as the per-entry claim would. One made later still stops the engine, which
 * never crosses into another mount.
 */
function refuseNewMounts(ctx: ApiContext, groups: Group[]): void {
  const now = new MountSnapshot();
  for (const m of groups.flatMap(live)) {
    const inside = now.inside(m.current.path);
    if (inside === null || inside.length === 0) continue;
    undo(ctx, m);
    refused(m, refusal('mount-inside', inside.join(', ')));
  }
}

/** Step 3: one staging folder per parent, every entry renamed into it, each folder made durable once. */
function moveAll(ctx: ApiContext, groups: Group[], total: number): void {
  refuseNewMounts(ctx, groups);
  let moved = 0;
  for (const g of groups) {
    const members = live(g);
    if (members.length === 0) continue;
    try {
      g.parent.mkdir(g.folder, 0o700);
      g.staging = g.parent.openDir(g.folder, { noXdev: true });
    } catch (err) {
      for (const m of members) {
        undo(ctx, m);
        refused(m, refusal('rename-failed', (err as Error).message));
      }
      continue;
    }
    crashPoint('after-staging-folder');
    for (const m of members) {
      const stat = m.at!.stat!;
      try {
        renameIntoStaging(m.at!.parent!, g.staging, m.current.name, stat.mode);
      } catch (err) {
        undo(ctx, m);
        refused(m, refusal('rename-failed', (err as Error).message));
        continue;
      }
      const now = g.staging.tryStat(m.current.name);
      if (!now || now.ino !== stat.ino || now.dev !== stat.dev) {
        // Cannot happen short of kernel lies; never delete what we cannot prove.
        write(ctx, m.lock, m.current.id, { ...m.moving!, state: 'recovery', claimId: null, lastError: 'the moved directory does not match' });
        refused(m, refusal('recovery-required', 'the moved directory does not match what was verified'));
        continue;
      }
      moved++;
      if (moved < total) crashPoint('batch-mid-rename');
    }
    if (live(g).length === 0) {
      try {
        g.parent.rmdir(g.folder);
      } catch {
        // left empty; reconcile removes it
      }
      continue;
    }
    g.staging.fsync();
    g.parent.fsync();
  }
  crashPoint('after-rename');
}

/** Step 4's journal: "deleting" for every moved entry, one durable write, then the entry files. */
function journalDeleting(ctx: ApiContext, batchId: string, groups: Group[]): void {
  const all = groups.flatMap(live);
  const deleting = all.map((m) => ({ m, e: { ...m.moving!, state: 'deleting' as const } }));
  try {
    ctx.registry.journalBatch(
      batchId,
      deleting.map(({ m, e }) => ({ before: m.current, after: e })),
    );
  } catch (err) {
    // Each entry stays "moving" with its tree staged: reconcile resumes it.
    for (const m of all) fail(m, err);
    return;
  }
  // The entry files keep "moving" for now: reconcile reads "deleting" from the
  // journal (Registry.journaledState), and an entry that is not removed gets
  // "deleting" in its file before the journal goes (keepDeleting).
  for (const { m, e } of deleting) {
    const g = groups.find((x) => x.members.includes(m))!;
    m.claimed = { entry: e, staging: g.staging!, expect: { dev: e.dev, ino: e.ino } };
  }
  crashPoint('after-deleting');
}

/**
 * Removes a batch of due entries through the protocol, batched. Every entry
 * gets its own result; one that cannot be handled never stops the others.
 */
export async function sweepBatch(ctx: ApiContext, session: BatchSession, items: readonly BatchItem[], opts: BatchOptions): Promise<BatchResult[]> {
  const { members, out } = verifyAll(ctx, items, opts);
  let groups: Group[] = [];
  try {
    if (members.length === 0) return out;
    groups = groupByParent(members);
    const batchId = journalIntents(ctx, session, groups);
    if (batchId !== null) {
      moveAll(ctx, groups, members.length);
      for (const m of members) {
        // The directory's flock was held from the checks through the move.
        if (m.at) closeLocated(m.at);
        m.at = null;
      }
      journalDeleting(ctx, batchId, groups);
      await removeAll(ctx, groups, opts);
      commit(ctx, groups);
    }
    for (const m of members) out.push(m.done ?? { item: m.item, error: new EphemdirError(ErrorCodes.INCOMPLETE, `${m.current.path}: the batch ended without settling it; it stays tracked`, { path: m.current.path }) });
    return out;
  } finally {
    for (const m of members) {
      if (m.at) closeLocated(m.at);
      m.lock.release();
    }
    for (const g of groups) {
      g.staging?.close();
      g.parent.close();
    }
  }
}
