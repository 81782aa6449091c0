// Batch journals: how a batched sweep makes the intents of many entries
// durable with one fsync. `batches/<batch id>.json` lists, for each entry of
// the batch, the entry as it was (`before`) and the state the sweep is moving
// it to (`after`: "moving", later "deleting"). The entry files themselves are
// then written as group commits (atomic at once, fsynced later, together);
// "deleting" is written only here, and reconcile reads it (journaledState).
// After a power cut an entry file may read as an older state than the
// journal's; `replayBatchJournal` brings it up to the journal's state before
// anything decides on it, and calls that only report read the entries through
// `readJournalView` (no lock, no write). A journal is dropped once every
// change it covers is durable in the entry files (after Registry.flush()).
import { joinDisplay, type DirHandle } from '../fs/dir-handle';
import { readFileAt, writeFileAtomic } from '../fs/files';
import { ownershipProblem } from '../core/trust';
import { hasCode } from '../errors';
import type { Entry } from '../model/entry';
import { decodeEntry, encodeEntry, ID_RE } from './entry-codec';

export const BATCH_SCHEMA = 1;
/** A journal covers a bounded batch: far below this. */
const MAX_JOURNAL_BYTES = 16 * 1024 * 1024;
const JOURNAL_RE = /^([0-9a-f]{32})\.json$/;

export interface BatchChange {
  /** The entry as the sweep found it under its lock. */
  before: Entry;
  /** The journaled state it is moving to (same id). */
  after: Entry;
}

function journalName(batchId: string): string {
  if (!ID_RE.test(batchId)) throw new Error(`internal: invalid batch id ${JSON.stringify(batchId)}`);
  return `${batchId}.json`;
}

/** Writes (or replaces) the batch's journal durably: the one fsync that makes every intent in it durable. */
export function writeBatchJournal(dir: DirHandle, batchId: string, changes: readonly BatchChange[]): void {
  const items = changes.map((c) => ({ before: encodeEntry(c.before).toString('utf8'), after: encodeEntry(c.after).toString('utf8') }));
  const data = JSON.stringify({ schema: BATCH_SCHEMA, items });
  writeFileAtomic(dir, journalName(batchId), data, { mode: 0o600, durable: true });
}

/** The batch ids that have a journal in `dir`. */
export function batchJournalIds(dir: DirHandle): string[] {
  const ids: string[] = [];
  for (const e of dir.entries()) {
    const m = JOURNAL_RE.exec(e.name.toString('latin1'));
    if (m) ids.push(m[1]!);
  }
  return ids;
}

/**
 * A journal's changes, or why it cannot be used (a journal that is not ours
 * or does not decode is never applied: it stays, and is reported).
 */
export function readBatchJournal(dir: DirHandle, batchId: string): { changes: BatchChange[] } | { problem: string } | null {
  const name = journalName(batchId);
  const r = readFileAt(dir, name, MAX_JOURNAL_BYTES);
  if (!r.ok) {
    if (r.reason === 'missing') return null;
    return { problem: `${joinDisplay(dir.path, name)} cannot be read (${r.reason})` };
  }
  const foreign = ownershipProblem(r.stat);
  if (foreign !== null) return { problem: `${joinDisplay(dir.path, name)}: ${foreign}` };
  try {
    const o = JSON.parse(r.data.toString('utf8')) as { schema?: unknown; items?: unknown };
    if (o.schema !== BATCH_SCHEMA || !Array.isArray(o.items)) throw new Error(`unknown schema ${String(o.schema)}`);
    const changes = o.items.map((it: { before?: unknown; after?: unknown }) => {
      if (typeof it?.before !== 'string' || typeof it.after !== 'string') throw new Error('an item lacks before/after');
      const id = (JSON.parse(it.after) as { id?: unknown }).id;
      if (typeof id !== 'string' || !ID_RE.test(id)) throw new Error('an item has no valid id');
      const where = joinDisplay(dir.path, name);
      return { before: decodeEntry(Buffer.from(it.before, 'utf8'), id, where), after: decodeEntry(Buffer.from(it.after, 'utf8'), id, where) };
    });
    return { changes };
  } catch (err) {
    return { problem: `${joinDisplay(dir.path, name)} is not a valid batch journal: ${(err as Error).message}` };
  }
}

/** Unlinks the journals (missing ones are fine) and fsyncs the folder once. */
export function dropBatchJournals(dir: DirHandle, batchIds: readonly string[]): void {
  if (batchIds.length === 0) return;
  for (const id of batchIds) {
    try {
      dir.unlink(journalName(id));
    } catch (err) {
      if (!hasCode(err, 'ENOENT')) throw err;
    }
  }
  dir.fsync();
}

const RANK: Record<Entry['state'], number> = { active: 0, moving: 1, deleting: 2, recovery: 3 };

/** How far along the protocol a state is (active < moving < deleting < recovery). */
export function stateRank(e: Entry): number {
  return RANK[e.state];
}

function same(a: Entry, b: Entry): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * What replay does with one journaled change, given the entry file now:
 * write `after` when the file still holds `before` (the change was lost), or
 * holds an earlier step of the same claim; otherwise leave it (the change
 * reached the file, or something newer replaced it). A pure decision.
 */
export function replayDecision(current: Entry | null, change: BatchChange): 'write' | 'keep' {
  if (current === null) return 'keep'; // committed (or forgotten): nothing to bring back
  if (same(current, change.before)) return 'write';
  const { after } = change;
  if (after.claimId !== null && current.claimId === after.claimId && RANK[current.state] < RANK[after.state]) return 'write';
  return 'keep';
}

export interface ReplayReport {
  /** Entries whose file was brought up to its journal. */
  replayed: string[];
  /** Journals that could not be used, and entries that could not be settled. */
  problems: { path: string; message: string }[];
}

/** What replay needs from the registry: the batch lock, the entry lock, and an update under it. */
export interface ReplayAccess {
  /** The batch's lock, or null while a live sweep holds it; returns its release. */
  lockBatch(batchId: string): (() => void) | null;
  lockEntry(id: string): { release(): void } | null;
  update(id: string, fn: (current: Entry | null) => { entry?: Entry | null; result: boolean }): boolean;
}

/**
 * Brings entry files up to the journals of batched sweeps that died (their
 * batch lock is free). A journal is dropped once all of its entries are
 * settled; one that is not ours or does not decode, or whose entries are
 * busy, stays.
 */
export function replayBatchJournals(dir: DirHandle, access: ReplayAccess): ReplayReport {
  const report: ReplayReport = { replayed: [], problems: [] };
  for (const batchId of batchJournalIds(dir)) {
    const release = access.lockBatch(batchId);
    if (release === null) continue; // a live sweep's
    try {
      const j = readBatchJournal(dir, batchId);
      if (j === null) continue;
      if ('problem' in j) {
        report.problems.push({ path: joinDisplay(dir.path, journalName(batchId)), message: j.problem });
        continue;
      }
      let settled = true;
      for (const change of j.changes) {
        const id = change.after.id;
        const lock = access.lockEntry(id);
        if (lock === null) {
          settled = false;
          continue;
        }
        try {
          const wrote = access.update(id, (cur) => (replayDecision(cur, change) === 'write' ? { entry: change.after, result: true } : { result: false }));
          if (wrote) report.replayed.push(id);
        } catch (err) {
          settled = false;
          report.problems.push({ path: (err as { path?: string }).path ?? dir.path, message: (err as Error).message });
        } finally {
          lock.release();
        }
      }
      if (settled) dropBatchJournals(dir, [batchId]);
    } finally {
      release();
    }
  }
  return report;
}

/**
 * The furthest state the journals record for this entry's current claim, or
 * null. Reconcile reads it under the entry lock, so never for a live sweep's
 * entry.
 */
export function journaledState(dir: DirHandle, entry: Entry): Entry | null {
  if (entry.claimId === null) return null;
  let best: Entry | null = null;
  for (const batchId of batchJournalIds(dir)) {
    const j = readBatchJournal(dir, batchId);
    if (j === null || 'problem' in j) continue;
    for (const c of j.changes) {
      if (c.after.id !== entry.id || replayDecision(entry, c) !== 'write') continue;
      if (best === null || stateRank(c.after) > stateRank(best)) best = c.after;
    }
  }
  return best;
}

/**
 * The entry as replay would leave it, journal after journal (replayDecision
 * on each change that names it, in the order given): what the next writing
 * call decides on. Pure; `current` itself when no journal changes it.
 */
export function journaledEntry(current: Entry, changes: readonly BatchChange[]): Entry {
  let entry = current;
  for (const c of changes) if (c.after.id === entry.id && replayDecision(entry, c) === 'write') entry = c.after;
  return entry;
}

/**
 * What the batch journals on disk say, for calls that only report (list,
 * explain, path, stats, ...): read without any lock, applied to nothing on
 * disk. `settle` gives an entry as the next writing call's replay would make
 * it, so a reader never shows an entry file that a power cut set back behind
 * its batch (a directory in staging shown as active and missing). A journal
 * that is not ours or does not decode is never applied, as in replay; it is
 * listed in `problems`.
 */
export interface JournalView {
  settle(entry: Entry): Entry;
  readonly problems: readonly { path: string; message: string }[];
}

export const NO_JOURNALS: JournalView = { settle: (e) => e, problems: [] };

/** Reads every journal in `dir` once (in replay's order) into a view; no journal: NO_JOURNALS. */
export function readJournalView(dir: DirHandle): JournalView {
  const ids = batchJournalIds(dir);
  if (ids.length === 0) return NO_JOURNALS;
  const byEntry = new Map<string, BatchChange[]>();
  const problems: { path: string; message: string }[] = [];
  for (const batchId of ids) {
    const j = readBatchJournal(dir, batchId);
    if (j === null) continue; // dropped meanwhile
    if ('problem' in j) {
      problems.push({ path: joinDisplay(dir.path, journalName(batchId)), message: j.problem });
      continue;
    }
    for (const c of j.changes) {
      const list = byEntry.get(c.after.id);
      if (list === undefined) byEntry.set(c.after.id, [c]);
      else list.push(c);
    }
  }
  return {
    settle: (e) => {
      const changes = byEntry.get(e.id);
      return changes === undefined ? e : journaledEntry(e, changes);
    },
    problems,
  };
}
