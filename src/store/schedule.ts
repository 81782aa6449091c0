// Hint files that let a bounded sweep find due entries without reading every
// entry: `schedule/<bucket>/<id>` (bucket = floor(expiresAt / 3600), padded;
// bucket 0 for entries mid-deletion, which are always due to be resumed) and
// `boots/<boot>/<id>` for remove-on-restart entries, by creation boot. Hints
// are empty files; a schedule hint's mtime is the expiry. They may be stale
// (the caller re-reads the entry) but are written before the entry, so a
// tracked entry never lacks its hint.
import * as fs from 'node:fs';
import { native } from '../native/binding';
import { hasCode } from '../errors';
import type { DirHandle } from '../fs/dir-handle';
import type { Entry } from '../model/entry';
import { ID_RE } from './entry-codec';
import { currentBoot } from './boot';

export const BUCKET_SECONDS = 3600;
const BUCKET_DIGITS = 10;
/** Boot times (macOS) within this many seconds are the same boot. */
const BOOT_TIME_SLACK = 120;
/** A hint without an entry is removed only once it is this old (create writes hints first). */
const STALE_HINT_MS = 60_000;

export type HintKind = 'schedule' | 'boots';

export interface Hint {
  kind: HintKind;
  group: string;
  id: string;
  /** Epoch seconds stored as the hint's mtime (schedule hints). */
  mtime: number | null;
}

export function bucketName(expiresAt: number): string {
  const b = Math.max(0, Math.floor(expiresAt / BUCKET_SECONDS));
  return String(b).padStart(BUCKET_DIGITS, '0');
}

function bootGroup(entry: Entry): string | null {
  if (entry.bootId !== null) return `id-${entry.bootId}`;
  if (entry.bootTime !== null) return `time-${Math.round(entry.bootTime)}`;
  return null;
}

/** The hints an entry should have. Recovery entries have none: only `recover` acts on them. */
export function hintsFor(entry: Entry): Hint[] {
  const out: Hint[] = [];
  if (entry.state === 'moving' || entry.state === 'deleting') {
    out.push({ kind: 'schedule', group: bucketName(0), id: entry.id, mtime: 0 });
  } else if (entry.state === 'active') {
    if (entry.expiresAt !== null) out.push({ kind: 'schedule', group: bucketName(entry.expiresAt), id: entry.id, mtime: entry.expiresAt });
    const g = entry.removeOnRestart ? bootGroup(entry) : null;
    if (g !== null) out.push({ kind: 'boots', group: g, id: entry.id, mtime: null });
  }
  return out;
}

function key(h: Hint): string {
  return `${h.kind}/${h.group}/${h.id}`;
}

/** Hints in `a` that are not in `b`. */
export function hintsMinus(a: Hint[], b: Hint[]): Hint[] {
  const keys = new Set(b.map(key));
  return a.filter((h) => !keys.has(key(h)));
}

export type TopDir = (kind: HintKind, create: boolean) => DirHandle | null;

/**
 * Creates hint files; with `durable`, also fsyncs the group dirs (and top
 * dirs where a group was made). Hints only speed up bounded sweeps: a full
 * sweep reads every entry, so a hint lost to a power cut costs no safety.
 */
export function addHints(top: TopDir, hints: Hint[], durable = true): void {
  if (hints.length === 0) return;
  const c = native().constants;
  const toSync = new Map<string, DirHandle>();
  const opened: DirHandle[] = [];
  try {
    for (const h of hints) {
      const parent = top(h.kind, true)!;
      for (let attempt = 0; ; attempt++) {
        try {
          parent.mkdir(h.group, 0o700);
          toSync.set(parent.path, parent);
        } catch (err) {
          if (!hasCode(err, 'EEXIST')) throw err;
        }
        const dir = parent.tryOpenDir(h.group);
        if (dir === null) continue; // removed between mkdir and open by a concurrent cleanup
        opened.push(dir);
        let fd: number;
        try {
          fd = dir.openFile(h.id, c.O_WRONLY | c.O_CREAT | c.O_NONBLOCK, 0o600);
        } catch (err) {
          // ENOENT: the (empty) group was rmdir'ed under us; make it again.
          if (hasCode(err, 'ENOENT') && attempt < 16) continue;
          throw err;
        }
        try {
          if (h.mtime !== null) {
            try {
              fs.futimesSync(fd, Date.now() / 1000, h.mtime);
            } catch {
              // an out-of-range time only costs precision in the current bucket
            }
          }
        } finally {
          native().close(fd);
        }
        toSync.set(dir.path, dir);
        break;
      }
    }
    if (durable) for (const d of toSync.values()) d.fsync();
  } finally {
    for (const d of opened) d.close();
  }
}

/** Removes hint files (missing ones are fine) and then-empty groups. Not fsynced: a stale hint is harmless. */
export function removeHints(top: TopDir, hints: Hint[]): void {
  for (const h of hints) {
    const parent = top(h.kind, false);
    if (parent === null) continue;
    const dir = parent.tryOpenDir(h.group);
    if (dir === null) continue;
    try {
      try {
        dir.unlink(h.id);
      } catch (err) {
        if (!hasCode(err, 'ENOENT')) throw err;
      }
    } finally {
      dir.close();
    }
    try {
      parent.rmdir(h.group);
    } catch {
      // not empty (or already gone): fine
    }
  }
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

/**
 * Ids that may be due: schedule buckets before now's bucket, hints in now's
 * bucket whose expiry (mtime) has passed, and boot groups of other boots.
 * When more than `limit` qualify a random subset is returned, so entries that
 * stay blocked cannot starve the others. Hints whose entry file is gone (and
 * that are old enough not to belong to a create in flight) are removed.
 */
export function dueHints(
  top: TopDir,
  entryExists: (id: string) => boolean,
  now: number,
  currentBootId: string | null,
  limit: number,
): string[] {
  if (!(limit > 0)) return [];
  const candidates = new Map<string, Hint>();
  const nowBucket = Math.floor(now / BUCKET_SECONDS);
  const schedule = top('schedule', false);
  if (schedule !== null) {
    for (const g of names(schedule)) {
      if (!/^\d+$/.test(g)) continue;
      const b = Number(g);
      if (b > nowBucket) continue;
      const dir = schedule.tryOpenDir(g);
      if (dir === null) continue;
      try {
        for (const id of names(dir)) {
          if (!ID_RE.test(id) || candidates.has(id)) continue;
          if (b === nowBucket) {
            const st = dir.tryStat(id);
            if (st === null || st.mtimeMs / 1000 > now) continue;
          }
          candidates.set(id, { kind: 'schedule', group: g, id, mtime: null });
        }
      } finally {
        dir.close();
      }
    }
  }
  const boots = top('boots', false);
  if (boots !== null) {
    let bootTime: number | null | undefined;
    for (const g of names(boots)) {
      let due = false;
      if (g.startsWith('id-')) {
        due = currentBootId !== null && g.slice(3) !== currentBootId;
      } else if (g.startsWith('time-')) {
        if (bootTime === undefined) bootTime = currentBoot().bootTime;
        const t = Number(g.slice(5));
        due = bootTime !== null && Number.isFinite(t) && Math.abs(t - bootTime) > BOOT_TIME_SLACK;
      }
      if (!due) continue;
      const dir = boots.tryOpenDir(g);
      if (dir === null) continue;
      try {
        for (const id of names(dir)) if (ID_RE.test(id) && !candidates.has(id)) candidates.set(id, { kind: 'boots', group: g, id, mtime: null });
      } finally {
        dir.close();
      }
    }
  }
  const out: string[] = [];
  for (const h of shuffle([...candidates.values()])) {
    if (out.length >= limit) break;
    if (entryExists(h.id)) {
      out.push(h.id);
      continue;
    }
    // Stale: drop it once it is clearly not a create in flight.
    const parent = top(h.kind, false);
    const dir = parent?.tryOpenDir(h.group) ?? null;
    if (dir === null) continue;
    try {
      const st = dir.tryStat(h.id);
      if (st !== null && Date.now() - st.ctimeMs > STALE_HINT_MS && !entryExists(h.id)) removeHints(top, [h]);
    } finally {
      dir.close();
    }
  }
  return out;
}
