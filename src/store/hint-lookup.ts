// Finding entries through the hint files that schedule.ts writes: the ones
// that may be due now, for a bounded sweep, and the ones filed under a name
// prefix. The work grows with what is due or matched, never with how many
// entries exist.
import { hasCode } from '../errors';
import type { DirHandle } from '../fs/dir-handle';
import { ID_RE } from './entry-codec';
import {
  LEGACY_SCHEDULE_DEPTH,
  SCHEDULE_LEVELS,
  bootGroupDue,
  bucketNames,
  nameShard,
  scheduleFolderDue,
  scheduleHintDue,
  type FolderDue,
  type Hint,
  type HintClock,
} from '../policy/hints';
import { STALE_HINT_MS, addHints, openChain, removeHints, type TopDir } from './schedule';

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

/** What a walk of the hint folders collects into, and when it has enough. */
interface Haul {
  into: Map<string, Hint>;
  enough: () => boolean;
}

/** The boots/<boot>/<shard>/<id> hints of boots the machine has restarted since, in random order. */
function collectBoots(root: DirHandle, clock: HintClock, haul: Haul): void {
  for (const g of shuffle(names(root).filter((n) => bootGroupDue(n, clock)))) {
    if (haul.enough()) return;
    const group = root.tryOpenDir(g);
    if (group === null) continue;
    try {
      for (const s of shuffle(names(group))) {
        if (haul.enough()) return;
        const shard = group.tryOpenDir(s);
        if (shard === null) continue;
        try {
          for (const id of names(shard)) {
            if (haul.enough()) return;
            if (ID_RE.test(id) && !haul.into.has(id)) haul.into.set(id, { kind: 'boots', dirs: [g, s], id, mtime: null });
          }
        } finally {
          shard.close();
        }
      }
    } finally {
      group.close();
    }
  }
}

/** A hint file's mtime in epoch seconds (null when it vanished); rounded to the millisecond expiries are made of. */
function hintTime(dir: DirHandle, id: string): number | null {
  const st = dir.tryStat(id);
  return st === null ? null : Math.round(st.mtimeMs) / 1000;
}

/**
 * Collects the due schedule hints below `dir` (the folders `dirs` below
 * schedule/, due as `due`), in random order: folders are entered only when
 * the policy says they may hold due hints, and a hint file is stat'ed only
 * in a folder that is due in part (the current second). Old-layout hints
 * met on the way are moved (see the top of this file).
 */
function collectSchedule(top: TopDir, dir: DirHandle, dirs: string[], due: FolderDue, clock: HintClock, haul: Haul, skip?: string): void {
  const depth = dirs.length;
  for (const name of shuffle(names(dir))) {
    if (haul.enough()) return;
    if (name === skip) continue;
    if (depth === SCHEDULE_LEVELS.length) {
      if (!ID_RE.test(name) || haul.into.has(name)) continue;
      if (scheduleHintDue(due, () => hintTime(dir, name), clock)) haul.into.set(name, { kind: 'schedule', dirs, id: name, mtime: null });
      continue;
    }
    if (depth === LEGACY_SCHEDULE_DEPTH && ID_RE.test(name)) {
      const moved = moveLegacyHint(top, dir, name);
      if (moved !== null && !haul.into.has(name) && scheduleHintDue(due, () => moved.mtime, clock)) haul.into.set(name, moved);
      continue;
    }
    const sub = scheduleFolderDue(depth, name, clock);
    if (sub === 'none') continue;
    const next = dir.tryOpenDir(name);
    if (next === null) continue;
    try {
      collectSchedule(top, next, [...dirs, name], sub, clock, haul);
    } finally {
      next.close();
    }
  }
}

/**
 * Moves the old-layout hint `id` in `hourDir` to where hintsFor files it now
 * (its mtime is the expiry): the new hint is written first, so a crash in
 * between leaves a duplicate, never a loss. Null when it vanished.
 */
function moveLegacyHint(top: TopDir, hourDir: DirHandle, id: string): Hint | null {
  const at = hintTime(hourDir, id);
  if (at === null) return null;
  const moved: Hint = { kind: 'schedule', dirs: bucketNames(at), id, mtime: at };
  // Not fsynced, as at creation: a hint lost to a power cut costs no safety.
  addHints(top, [moved], false);
  try {
    hourDir.unlink(id);
  } catch (err) {
    if (!hasCode(err, 'ENOENT')) throw err;
  }
  return moved;
}

/**
 * Ids of entries that may be due now: expired schedule buckets, and boots
 * other than the current one. At most `limit`: deletions under way first
 * (in half the places at most), the rest chosen at random among what is
 * visited, so entries that stay blocked cannot crowd out the rest. The work
 * done grows with what is due (bounded by the limit), not with how many
 * entries exist or are scheduled later.
 */
export function dueHints(
  top: TopDir,
  entryExists: (id: string) => boolean,
  clock: HintClock,
  limit: number,
): string[] {
  if (!(limit > 0)) return [];
  // Deletions under way (the all-zero day) are gathered apart, so that they
  // come first but cannot fill every place.
  const resuming: Haul = { into: new Map<string, Hint>(), enough: () => resuming.into.size >= limit };
  const haul: Haul = { into: new Map<string, Hint>(), enough: () => haul.into.size >= limit * 4 };
  const schedule = top('schedule', false);
  if (schedule !== null) {
    const zeroDay = bucketNames(0)[0]!;
    const day = schedule.tryOpenDir(zeroDay);
    if (day !== null) {
      try {
        collectSchedule(top, day, [zeroDay], 'all', clock, resuming);
      } finally {
        day.close();
      }
    }
    collectSchedule(top, schedule, [], 'some', clock, haul, zeroDay);
  }
  const boots = top('boots', false);
  if (boots !== null) collectBoots(boots, clock, haul);
  const out: string[] = [];
  // In half the places at most: one that keeps failing must not crowd out everything else.
  const resume = shuffle([...resuming.into.values()]);
  const first = resume.splice(0, Math.ceil(limit / 2));
  const others = shuffle([...haul.into.values()].filter((h) => !resuming.into.has(h.id)));
  for (const h of [...first, ...others, ...resume]) {
    if (out.length >= limit) break;
    if (entryExists(h.id)) {
      out.push(h.id);
      continue;
    }
    // Stale: drop it once it is clearly not a create in flight.
    const root = top(h.kind, false);
    if (root === null) continue;
    const opened: DirHandle[] = [];
    try {
      const inner = openChain(root, h.dirs, false, opened);
      const st = inner?.tryStat(h.id) ?? null;
      if (st !== null && Date.now() - st.ctimeMs > STALE_HINT_MS && !entryExists(h.id)) removeHints(top, [h]);
    } finally {
      for (const d of opened) d.close();
    }
  }
  return out;
}
