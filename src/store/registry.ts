// The registry: one JSON file per tracked directory under
// `<data>/registry.d/entries/`, a flock per entry, hint files for bounded
// sweeps, and a locked stats ledger. Nothing outside `registry.d/` is ever
// touched, so the Python ephemdir's `registry.json`, `locks/`, `stats.json`
// ... can share the data directory. Creating an entry writes one file and its
// hints; nothing is rewritten wholesale, and there is no cap on the count.
//
// Layout (all 0700 directories / 0600 files, owned by the user):
//   format.json                 {"schema":1,"writer":"ephemdir-node"}
//   entries/<h>/<id>.json       one Entry + "schema":1 (h: the id's first hex digit)
//   locks/<id>.lock             per-entry flock (removed with the entry)
//   schedule/<day>/<hour>/<minute>/<second>/<id>  expiry hints (see schedule.ts)
//   boots/<boot>/<xx>/<id>      remove-on-restart hints
//   names/<byte>/<name>/<id>    the name index
//   stats.json, stats.lock      usage ledger
//   corrupt/<id>.<sha256-12>    byte copies of corrupt entry files, one per distinct content
//   listing/<h>.json            listing cache of shard <h> (listing-cache.ts); safe to delete
//   batches/<batch>.json        a batched sweep's journal of intents (batch-journal.ts)
import { DirHandle } from '../fs/dir-handle';
import { checkFormat, openOwnedDir, unusable } from './layout';
import { openDirectory } from '../fs/walk';
import { writeFileAtomic } from '../fs/files';
import { decodeEntryFile, readEntryFile } from './entry-files';
import { EphemdirError, ErrorCodes, hasCode, invalidArgument } from '../errors';
import type { Entry } from '../model/entry';
import { dataDir as defaultDataDir, REGISTRY_DIR } from './paths';
import { encodeEntry, extrasOf, ID_RE } from './entry-codec';
import { RegistryLocks, type EntryLock } from './registry-locks';
import { dropBatchJournals, journaledState, replayBatchJournals, writeBatchJournal, type BatchChange, type ReplayReport } from './batch-journal';
import { addHints, hintsFor, hintsMinus, KeptFolder, removeHints, type HintClock, type HintKind } from './schedule';
import { dueHints, idsByNamePrefix } from './hint-lookup';
import { incrementStats, readStats, type StatName, type Stats } from './stats';
import { listEntries, type ListingSource, type ListOptions, type RegistryProblem } from './listing';
import { NO_JOURNALS, readJournalView, type JournalView } from './batch-journal';

export type { Stats, StatName } from './stats';
export type { RegistryProblem, ListOptions } from './listing';
export type { BatchChange, JournalView } from './batch-journal';
export type { EntryLock } from './registry-locks';

const DEFAULT_UPDATE_WAIT_MS = 10_000;

type Sub = 'entries' | 'locks' | 'corrupt' | 'listing' | 'batches' | HintKind;

export interface UpdateOptions {
  /** How long to wait for another process's lock (default 10,000 ms); BUSY afterwards. */
  waitMs?: number;
  /**
   * false: a group commit. The change is atomic at once but made durable
   * only by flush() (or close()), together with every other such change.
   */
  durable?: boolean;
}

function checkId(id: unknown): string {
  if (typeof id !== 'string' || !ID_RE.test(id)) throw invalidArgument(`invalid entry id ${JSON.stringify(id)}: expected 32 lowercase hex characters`);
  return id;
}

export class Registry implements Disposable {
  /** The data directory (display path). */
  readonly dataDir: string;
  /** `<dataDir>/registry.d` (display path). */
  readonly path: string;
  #root: DirHandle;
  #locks: RegistryLocks;
  #subs = new Map<Sub, DirHandle>();
  #shards = new Map<string, DirHandle>();
  /** The folder of the hints of deletions under way, opened once (schedule.ts KeptFolder). */
  #kept = new KeptFolder();
  /** Folders changed by group commits, fsynced together by flush(). */
  #dirty = new Set<DirHandle>();
  #formatWritten: boolean;

  private constructor(data: string, root: DirHandle, formatWritten: boolean) {
    this.dataDir = data;
    this.path = root.path;
    this.#root = root;
    const st = root.stat();
    this.#locks = new RegistryLocks({
      path: root.path,
      identity: `${st.dev}:${st.ino}`,
      locks: (create) => this.#sub('locks', create),
      entryExists: (id) => this.#shard(id, false)?.tryStat(`${id}.json`) != null,
    });
    this.#formatWritten = formatWritten;
  }

  /**
   * Opens the registry. With `create: false` a missing data dir or
   * registry.d gives null and nothing is created; nothing is ever chmod'ed.
   * Throws REGISTRY_UNUSABLE for a foreign-owned or others-writable data dir
   * or registry.d, a symlink in the way, or a registry of a newer format.
   * `dataDir` (absolute, normalised) replaces the configured data directory.
   */
  static open(opts: { create: boolean; env?: NodeJS.ProcessEnv; dataDir?: string }): Registry | null {
    const data = opts.dataDir ?? defaultDataDir(opts.env ?? process.env);
    let parent: DirHandle;
    try {
      parent = openDirectory(data, { trust: 'chain', final: 'owned', create: opts.create });
    } catch (err) {
      if (!opts.create && hasCode(err, 'ENOENT')) return null;
      if (err instanceof EphemdirError && (err.code === ErrorCodes.UNSAFE_PARENT || err.code === ErrorCodes.SYMLINK_IN_PATH)) {
        throw unusable(data, err.message, { cause: err });
      }
      throw err;
    }
    let root: DirHandle | null = null;
    try {
      root = openOwnedDir(parent, REGISTRY_DIR, opts.create);
      if (root === null) return null;
      const written = checkFormat(root, opts.create);
      const reg = new Registry(data, root, written);
      root = null;
      return reg;
    } finally {
      root?.close();
      parent.close();
    }
  }

  #sub(name: Sub, create: boolean): DirHandle | null {
    const cached = this.#subs.get(name);
    if (cached !== undefined) return cached;
    if (create) this.#ensureFormat();
    const dir = openOwnedDir(this.#root, name, create);
    if (dir !== null) this.#subs.set(name, dir);
    return dir;
  }

  #ensureFormat(): void {
    if (!this.#formatWritten) this.#formatWritten = checkFormat(this.#root, true);
  }

  #top = (kind: HintKind, create: boolean): DirHandle | null => this.#sub(kind, create);

  /**
   * entries/<first hex digit of the id>/: 16 shards keep each folder to a
   * sixteenth of the registry (a file created in an ext4 folder of 100,000
   * cost ten times more here), while a full listing opens only 16 folders.
   */
  #shard(id: string, create: boolean): DirHandle | null {
    const name = id.slice(0, 1);
    const cached = this.#shards.get(name);
    if (cached !== undefined) return cached;
    const entries = this.#sub('entries', create);
    if (entries === null) return null;
    const dir = openOwnedDir(entries, name, create);
    if (dir !== null) this.#shards.set(name, dir);
    return dir;
  }

  readonly #corrupt = (): DirHandle => this.#sub('corrupt', true)!;

  /** entries/<h>/<id>.json: the entry, null when absent, or REGISTRY_UNUSABLE with a `reason`. */
  #read(id: string): Entry | null {
    const shard = this.#shard(id, false);
    return shard === null ? null : readEntryFile(shard, id, this.#corrupt);
  }

  #decode(id: string, data: Buffer, st: { uid: number; mode: number }, display: string): Entry {
    return decodeEntryFile(id, data, st, display, this.#corrupt);
  }

  /**
   * Every tracked entry (oldest first), plus every file that could not be
   * used, which stays in place. Shards unchanged since an earlier listing
   * come from the listing cache (see listing-cache.ts).
   */
  list(opts: ListOptions = {}): { entries: Entry[]; problems: RegistryProblem[] } {
    return listEntries(this.#listing, opts);
  }

  readonly #listing: ListingSource = {
    entriesDir: () => this.#sub('entries', false),
    shard: (name) => this.#shard(name, false),
    cacheDir: (create) => this.#sub('listing', create),
    decode: (id, data, st, display) => this.#decode(id, data, st, display),
    read: (id) => this.#read(id),
  };

  /** The entry, or null. Throws REGISTRY_UNUSABLE when its file is corrupt or not safely ours. */
  get(id: string): Entry | null {
    return this.#read(checkId(id));
  }

  /**
   * Records a new entry (fails with EEXIST if the id exists): hints first,
   * then the entry. `durable` (default) fsyncs both; creation may skip it,
   * since an entry lost to a power cut leaves an untracked directory that
   * ephemdir never touches, while every deletion step stays durable.
   */
  create(entry: Entry, opts: { durable?: boolean } = {}): void {
    const id = checkId(entry?.id);
    const durable = opts.durable ?? true;
    const data = encodeEntry(entry);
    const entries = this.#shard(id, true)!;
    addHints(this.#top, hintsFor(entry), durable);
    writeFileAtomic(entries, `${id}.json`, data, { mode: 0o600, durable, noReplace: true });
  }

  /**
   * Runs `fn` under the entry's exclusive lock (reentrant within this
   * process: an EntryLock held here counts). `fn` sees the current entry and
   * returns `entry`: an Entry to write durably, null to delete the entry with
   * its hints and lock file, or undefined for no write. A corrupt entry file
   * throws REGISTRY_UNUSABLE before `fn` runs; it is never overwritten.
   */
  update<T>(id: string, fn: (current: Entry | null) => { entry?: Entry | null; result: T }, opts: UpdateOptions = {}): T {
    checkId(id);
    return this.#locks.under(id, opts.waitMs ?? DEFAULT_UPDATE_WAIT_MS, (own, lock) => {
      const current = this.#read(id);
      lock.dropLock = own && current === null;
      const out = fn(current);
      const next = out.entry;
      if (next === undefined) return out.result;
      const entries = this.#shard(id, true)!;
      const durable = opts.durable ?? true;
      if (next === null) {
        if (current !== null) {
          try {
            entries.unlink(`${id}.json`);
          } catch (err) {
            if (!hasCode(err, 'ENOENT')) throw err;
          }
          if (durable) entries.fsync();
          else this.#dirty.add(entries);
          removeHints(this.#top, hintsFor(current), this.#kept);
        }
        lock.dropLock = true;
        return out.result;
      }
      if (next.id !== id) throw invalidArgument(`update of entry ${id} returned entry ${String(next.id)}`);
      const extras = extrasOf(next);
      const data = encodeEntry(next, extras.length > 0 || current === null ? extras : extrasOf(current));
      const before = current === null ? [] : hintsFor(current);
      const after = hintsFor(next);
      // Schedule and boot hints only speed up bounded sweeps (a full sweep
      // reads every entry), so they get no fsync of their own; the name
      // index is what lookups by name read, and stays as durable as the entry.
      const added = hintsMinus(after, before);
      addHints(this.#top, added.filter((h) => h.kind === 'names'), durable, this.#kept);
      addHints(this.#top, added.filter((h) => h.kind !== 'names'), false, this.#kept);
      writeFileAtomic(entries, `${id}.json`, data, { mode: 0o600, durable });
      if (!durable) this.#dirty.add(entries);
      removeHints(this.#top, hintsMinus(before, after), this.#kept);
      lock.dropLock = false;
      return out.result;
    });
  }

  /**
   * Takes the entry's exclusive lock and keeps it until release (the deleter
   * holds it from claim to commit). Returns null when busy and `waitMs` is 0
   * (the default); with `waitMs` > 0 a lock still busy at the deadline throws
   * BUSY. A lock this process already holds counts as busy.
   */
  lockEntry(id: string, opts: { waitMs?: number } = {}): EntryLock | null {
    checkId(id);
    return this.#locks.lockEntry(id, opts.waitMs ?? 0);
  }

  /**
   * Ids that may be due now: expired schedule buckets, entries mid-deletion,
   * and remove-on-restart entries of other boots. At most `limit` (a random
   * subset when more qualify). Hints can be stale: re-read each entry.
   */
  dueHints(clock: HintClock, limit: number): string[] {
    if (this.#sub('entries', false) === null) return [];
    return dueHints(this.#top, (id) => this.#shard(id, false)?.tryStat(`${id}.json`) != null, clock, limit);
  }

  /**
   * Entries whose name starts with `prefix` (exact names included), read
   * through the name index: null when the index is missing. A hint lost to a
   * power cut can hide an entry here, so callers fall back to list() when
   * this finds nothing.
   */
  findByNamePrefix(prefix: string): { entries: Entry[]; problems: RegistryProblem[] } | null {
    const ids = idsByNamePrefix(this.#top, prefix);
    if (ids === null) return null;
    const entries: Entry[] = [];
    const problems: RegistryProblem[] = [];
    for (const id of new Set(ids)) {
      try {
        const e = this.#read(id);
        if (e !== null && e.name.startsWith(prefix)) entries.push(e);
      } catch (err) {
        if (!(err instanceof EphemdirError) || err.code !== ErrorCodes.REGISTRY_UNUSABLE) throw err;
        problems.push({ id, file: id, reason: (err as EphemdirError & { reason: string }).reason });
      }
    }
    return { entries, problems };
  }

  stats(): Stats {
    return readStats(this.#root);
  }

  /** Adds to a counter under stats.lock (never loses a concurrent update). */
  incrementStat(name: StatName, by = 1): void {
    this.#ensureFormat();
    incrementStats(this.#root, name, by, DEFAULT_UPDATE_WAIT_MS);
  }

  /**
   * Takes the lock of a batch (`locks/batch-<id>.lock`) for as long as its
   * journal may be needed: a journal whose batch lock is free belongs to a
   * sweep that died, and only then is it replayed.
   */
  lockBatch(batchId: string): Disposable & { release(): void } {
    checkId(batchId);
    const release = this.#locks.tryLockBatch(batchId);
    if (release === null) throw this.#locks.busy(batchId);
    return { release, [Symbol.dispose]: release };
  }

  /**
   * Makes the intents of a whole batch durable with one journal write (see
   * batch-journal.ts); the entry files are then written as group commits.
   * The caller holds the batch lock and every entry's lock.
   */
  journalBatch(batchId: string, changes: readonly BatchChange[]): void {
    checkId(batchId);
    writeBatchJournal(this.#sub('batches', true)!, batchId, changes);
  }

  /** Flushes every group commit, then drops the batches' journals: their changes are durable in the entry files now. */
  dropBatchJournals(batchIds: readonly string[]): void {
    this.flush();
    const dir = this.#sub('batches', false);
    if (dir !== null) dropBatchJournals(dir, batchIds.map(checkId));
  }

  /**
   * Brings entry files up to the journals of batched sweeps that died (their
   * batch lock is free): an intent that reached the journal but not the entry
   * file (a power cut) is written, durably, before anything decides on the
   * entry. A journal is dropped once all of its entries are settled; one that
   * is not ours or does not decode, or whose entries are busy, stays.
   */
  replayBatchJournals(): ReplayReport {
    const dir = this.#sub('batches', false);
    if (dir === null) return { replayed: [], problems: [] };
    return replayBatchJournals(dir, {
      lockBatch: (batchId) => this.#locks.tryLockBatch(batchId),
      lockEntry: (id) => this.lockEntry(id),
      update: (id, fn) => this.update(id, fn),
    });
  }

  /**
   * The furthest state the batch journals on disk record for this entry's
   * current claim, or null. A batched sweep journals "deleting" only there;
   * reconcile (under the entry lock, so never for a live sweep's entry) reads it.
   */
  journaledState(entry: Entry): Entry | null {
    const dir = this.#sub('batches', false);
    return dir === null ? null : journaledState(dir, entry);
  }

  /**
   * The batch journals on disk as calls that only report read them: no lock
   * is taken and nothing is written (see batch-journal.ts readJournalView).
   */
  readJournals(): JournalView {
    const dir = this.#sub('batches', false);
    return dir === null ? NO_JOURNALS : readJournalView(dir);
  }

  /** Makes every group commit so far durable (one fsync per changed folder). */
  flush(): void {
    for (const d of this.#dirty) d.fsync();
    this.#dirty.clear();
  }

  close(): void {
    try {
      this.flush();
    } catch {
      // durability is best effort at close; every change is already atomic
    }
    this.#kept.forget();
    for (const d of this.#shards.values()) d.close();
    this.#shards.clear();
    for (const d of this.#subs.values()) d.close();
    this.#subs.clear();
    this.#root.close();
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

