// Hint files that let a bounded sweep find due entries without reading every
// entry. Two levels keep every directory small, however many entries exist:
//   schedule/<day>/<hour>/<id>   (by expiry; day 0 / hour 0 for entries mid-
//                                 deletion, which are always due to resume)
//   boots/<boot>/<shard>/<id>    (remove-on-restart entries, by creation boot;
//                                 shard = the id's first two hex digits)
//   names/<first byte>/<name>/<id>  (every entry: name and prefix lookups read
//                                 only the matching entries)
// Hints are empty files; a schedule hint's mtime is the expiry. They may be
// stale (the caller re-reads the entry) but are written before the entry, so
// a tracked entry never lacks its hint (barring a power cut at creation,
// which full sweeps, reading every entry, do not depend on).
// Which hints an entry gets and when a hint is due are rules of the policy
// (policy/hints.ts); this file only reads and writes the files.
import * as fs from 'node:fs';
import { hasCode } from '../errors';
import type { DirHandle, FileHandle } from '../fs/dir-handle';
import { ID_RE } from './entry-codec';
import {
  bootGroupDue,
  dayMayBeDue,
  hourMayBeDue,
  nameShard,
  scheduleHintDue,
  type Hint,
  type HintClock,
  type HintKind,
} from '../policy/hints';

export { BUCKET_SECONDS, bucketNames, hintsFor, nameShard } from '../policy/hints';
export type { Hint, HintClock, HintKind } from '../policy/hints';

/** A hint without an entry is removed only once it is this old (create writes hints first). */
const STALE_HINT_MS = 60_000;

function key(h: Hint): string {
  return `${h.kind}/${h.outer}/${h.inner}/${h.id}`;
}

/** Hints in `a` that are not in `b`. */
export function hintsMinus(a: Hint[], b: Hint[]): Hint[] {
  const keys = new Set(b.map(key));
  return a.filter((h) => !keys.has(key(h)));
}

export type TopDir = (kind: HintKind, create: boolean) => DirHandle | null;

/**
 * Opens (creating with `create`) `name` under `parent`; null if absent or
 * removed concurrently. ENOENT from mkdir means `parent` itself was just
 * removed as empty by another process's removeHints: null, and the caller
 * starts again from the top.
 */
function subdir(parent: DirHandle, name: string, create: boolean, made?: Map<string, DirHandle>): DirHandle | null {
  if (create) {
    try {
      parent.mkdir(name, 0o700);
      made?.set(parent.path, parent);
    } catch (err) {
      if (hasCode(err, 'ENOENT')) return null;
      if (!hasCode(err, 'EEXIST')) throw err;
    }
  }
  return parent.tryOpenDir(name);
}

/** Retries of one hint against concurrent removal of its empty folders; each retry means another process made progress. */
const MAX_HINT_ATTEMPTS = 64;

/**
 * Creates hint files; with `durable`, also fsyncs the folders that changed.
 * Hints only speed up bounded sweeps: a full sweep reads every entry, so a
 * hint lost to a power cut costs no safety.
 */
export function addHints(top: TopDir, hints: Hint[], durable = true): void {
  if (hints.length === 0) return;
  const toSync = new Map<string, DirHandle>();
  const opened: DirHandle[] = [];
  try {
    for (const h of hints) {
      const root = top(h.kind, true)!;
      for (let attempt = 1; ; attempt++) {
        // A concurrent cleanup may remove an empty folder between our mkdir
        // and open, or between open and create: make it again.
        const retry = (err?: unknown): void => {
          if (attempt >= MAX_HINT_ATTEMPTS) throw err ?? new Error(`hint folders for ${h.id} keep being removed`);
        };
        const outer = subdir(root, h.outer, true, toSync);
        if (outer === null) {
          retry();
          continue;
        }
        opened.push(outer);
        const inner = subdir(outer, h.inner, true, toSync);
        if (inner === null) {
          retry();
          continue;
        }
        opened.push(inner);
        let file: FileHandle;
        try {
          file = inner.openFile(h.id, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_NONBLOCK, 0o600);
        } catch (err) {
          if (!hasCode(err, 'ENOENT')) throw err;
          retry(err);
          continue;
        }
        try {
          if (h.mtime !== null) {
            try {
              file.setTimes(Date.now() / 1000, h.mtime);
            } catch {
              // an out-of-range time only costs precision in the current bucket
            }
          }
        } finally {
          file[Symbol.dispose]();
        }
        toSync.set(inner.path, inner);
        break;
      }
    }
    if (durable) for (const d of toSync.values()) d.fsync();
  } finally {
    for (const d of opened) d.close();
  }
}

/** Removes hint files (missing ones are fine) and then-empty folders. Not fsynced: a stale hint is harmless. */
export function removeHints(top: TopDir, hints: Hint[]): void {
  for (const h of hints) {
    const root = top(h.kind, false);
    const outer = root?.tryOpenDir(h.outer) ?? null;
    if (root === null || outer === null) continue;
    try {
      const inner = outer.tryOpenDir(h.inner);
      if (inner !== null) {
        try {
          inner.unlink(h.id);
        } catch (err) {
          if (!hasCode(err, 'ENOENT')) throw err;
        } finally {
          inner.close();
        }
      }
      try {
        outer.rmdir(h.inner);
        root.rmdir(h.outer);
      } catch {
        // not empty (or already gone): fine
      }
    } finally {
      outer.close();
    }
  }
}

/**
 * Ids filed under names starting with `prefix` (exact names included); null
 * when there is no names/ folder at all.
 */
export function idsByNamePrefix(top: TopDir, prefix: string): string[] | null {
  const root = top('names', false);
  if (root === null) return null;
  if (prefix.length === 0) return [];
  const shard = root.tryOpenDir(nameShard(prefix));
  if (shard === null) return [];
  const ids: string[] = [];
  try {
    for (const e of shard.entries()) {
      const name = e.name.toString('utf8');
      if (!name.startsWith(prefix) || !Buffer.from(name, 'utf8').equals(e.name)) continue;
      const dir = shard.tryOpenDir(e.name);
      if (dir === null) continue;
      try {
        for (const id of names(dir)) if (ID_RE.test(id)) ids.push(id);
      } finally {
        dir.close();
      }
    }
  } finally {
    shard.close();
  }
  return ids;
}

function names(dir: DirHandle): string[] {
  const out: string[] = [];
  for (const e of dir.entries()) out.push(e.name.toString('latin1'));
  return out;
}

function shuffle<T>(a: T[]): T[] {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

/** Visits the ids in `outer/inner` folders accepted by the filters, in random order, until `enough()`. */
function collect(
  root: DirHandle,
  kind: HintKind,
  acceptOuter: (name: string) => boolean,
  acceptInner: (outer: string, inner: string) => boolean,
  acceptId: (dir: DirHandle, inner: string, id: string) => boolean,
  into: Map<string, Hint>,
  enough: () => boolean,
): void {
  for (const o of shuffle(names(root).filter(acceptOuter))) {
    if (enough()) return;
    const outer = root.tryOpenDir(o);
    if (outer === null) continue;
    try {
      for (const i of shuffle(names(outer).filter((n) => acceptInner(o, n)))) {
        if (enough()) return;
        const inner = outer.tryOpenDir(i);
        if (inner === null) continue;
        try {
          for (const id of names(inner)) {
            if (enough()) return;
            if (ID_RE.test(id) && !into.has(id) && acceptId(inner, i, id)) into.set(id, { kind, outer: o, inner: i, id, mtime: null });
          }
        } finally {
          inner.close();
        }
      }
    } finally {
      outer.close();
    }
  }
}

/**
 * Ids of entries that may be due now: expired schedule buckets, and boots
 * other than the current one. At most `limit`, chosen at random among what
 * is visited (so entries that stay blocked cannot crowd out the rest); the
 * work done is bounded by the limit, not by how many entries exist.
 */
export function dueHints(
  top: TopDir,
  entryExists: (id: string) => boolean,
  clock: HintClock,
  limit: number,
): string[] {
  if (!(limit > 0)) return [];
  const candidates = new Map<string, Hint>();
  const enough = () => candidates.size >= limit * 4;
  const schedule = top('schedule', false);
  if (schedule !== null) {
    collect(
      schedule,
      'schedule',
      (d) => dayMayBeDue(d, clock),
      (_d, h) => hourMayBeDue(h, clock),
      (dir, h, id) =>
        // The current hour: its exact moment is the hint's mtime.
        scheduleHintDue(h, () => {
          const st = dir.tryStat(id);
          return st === null ? null : st.mtimeMs / 1000;
        }, clock),
      candidates,
      enough,
    );
  }
  const boots = top('boots', false);
  if (boots !== null) collect(boots, 'boots', (g) => bootGroupDue(g, clock), () => true, () => true, candidates, enough);
  const out: string[] = [];
  for (const h of shuffle([...candidates.values()])) {
    if (out.length >= limit) break;
    if (entryExists(h.id)) {
      out.push(h.id);
      continue;
    }
    // Stale: drop it once it is clearly not a create in flight.
    const outer = top(h.kind, false)?.tryOpenDir(h.outer) ?? null;
    const inner = outer?.tryOpenDir(h.inner) ?? null;
    outer?.close();
    if (inner === null) continue;
    try {
      const st = inner.tryStat(h.id);
      if (st !== null && Date.now() - st.ctimeMs > STALE_HINT_MS && !entryExists(h.id)) removeHints(top, [h]);
    } finally {
      inner.close();
    }
  }
  return out;
}
