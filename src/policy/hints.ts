// Which hint files an entry should have, and when a hint says "maybe due
// now": the rules behind the bounded sweep's index (store/schedule.ts keeps
// the files). Both come from the due-ness rules in reasons.ts, so a hint can
// never disagree with decide() about expiry or restart. Hints only narrow the
// search: every candidate is decided again from its entry.
import type { DecisionContext, Entry } from '../model/entry';
import { REASON_CODES } from './codes';
import { REASONS, reached, restartBetween, type BootFacts } from './reasons';

/**
 * Widths of the schedule's folder levels, in seconds: day, hour, minute,
 * second. Each folder holds at most 24 or 60 of the next, so a lookup lists
 * a few small folders and stats only the hints expiring in the current
 * second, however many are filed later in the same hour.
 */
export const SCHEDULE_LEVELS: readonly number[] = [86_400, 3600, 60, 1];
/** Width of the innermost schedule bucket, in seconds. */
export const BUCKET_SECONDS = SCHEDULE_LEVELS[SCHEDULE_LEVELS.length - 1]!;
/**
 * Depth of the hint files written before the second and minute levels
 * existed (schedule/<day>/<hour>/<id>); still read, and moved to the
 * current layout when found.
 */
export const LEGACY_SCHEDULE_DEPTH = 2;
const DIGITS = 10;

export type HintKind = 'schedule' | 'boots' | 'names';

export interface Hint {
  kind: HintKind;
  /** The folders below the kind's folder, outermost first (schedule: four, the others: two). */
  dirs: string[];
  id: string;
  /** Epoch seconds stored as the hint's mtime (schedule hints). */
  mtime: number | null;
}

/** What a hint's due-ness is judged against: the time and the current boot. */
export type HintClock = Pick<DecisionContext, 'now' | 'bootId' | 'bootTime' | 'platform'>;

function pad(n: number): string {
  return String(n).padStart(DIGITS, '0');
}

/** The schedule folder names for a moment (epoch seconds): [day, hour, minute, second], each counted from the epoch. */
export function bucketNames(at: number): string[] {
  const t = Math.max(0, at);
  return SCHEDULE_LEVELS.map((w) => pad(Math.floor(t / w)));
}

/** The names/ folder a name is filed under: its first byte, in hex. */
export function nameShard(name: string): string {
  return Buffer.from(name, 'utf8').subarray(0, 1).toString('hex');
}

/** The boots/ folder for the boot an entry was made in; null when that boot is unknown. */
export function bootGroup(boot: BootFacts): string | null {
  if (boot.bootId !== null) return `id-${boot.bootId}`;
  if (boot.bootTime !== null) return `time-${Math.round(boot.bootTime)}`;
  return null;
}

/** The boot a boots/ folder name stands for; null for a name bootGroup never makes. */
export function parseBootGroup(group: string): BootFacts | null {
  if (group.startsWith('id-')) return { bootId: group.slice(3), bootTime: null };
  if (group.startsWith('time-')) {
    const t = Number(group.slice(5));
    return Number.isFinite(t) ? { bootId: null, bootTime: t } : null;
  }
  return null;
}

/** The earliest moment a time-found rule (REASONS `find.by === 'time'`) can make the entry due; null when none applies. */
export function scheduledAt(entry: Entry): number | null {
  let at: number | null = null;
  for (const code of REASON_CODES) {
    const find = REASONS[code].find;
    if (find.by !== 'time') continue;
    const t = find.at(entry);
    if (t !== null && (at === null || t < at)) at = t;
  }
  return at;
}

/** Whether a boot-found rule (REASONS `find.by === 'boot'`) applies to the entry. */
function wantsBootHint(entry: Entry): boolean {
  return REASON_CODES.some((code) => {
    const find = REASONS[code].find;
    return find.by === 'boot' && find.applies(entry);
  });
}

/**
 * The hints an entry should have. Every entry is findable by name; the
 * schedule and boot hints follow the REASONS finders (recovery entries get
 * none: only `recover` acts on them).
 */
export function hintsFor(entry: Entry): Hint[] {
  const out: Hint[] = [{ kind: 'names', dirs: [nameShard(entry.name), entry.name], id: entry.id, mtime: null }];
  const at = scheduledAt(entry);
  if (at !== null) out.push({ kind: 'schedule', dirs: bucketNames(at), id: entry.id, mtime: at });
  const g = wantsBootHint(entry) ? bootGroup(entry) : null;
  if (g !== null) out.push({ kind: 'boots', dirs: [g, entry.id.slice(0, 2)], id: entry.id, mtime: null });
  return out;
}

const DIGITS_RE = /^\d+$/;

/** How many of the hints below a schedule folder are due: all, perhaps some (look inside), or none. */
export type FolderDue = 'all' | 'some' | 'none';

/**
 * How due the schedule folder `name` at `depth` (0 = day ... 3 = second) is:
 * a folder covers [start, start + width), so it is due as a whole once its
 * end is reached, and holds nothing due before its start. Names bucketNames
 * never makes are never due.
 */
export function scheduleFolderDue(depth: number, name: string, clock: HintClock): FolderDue {
  const width = SCHEDULE_LEVELS[depth];
  if (width === undefined || !DIGITS_RE.test(name)) return 'none';
  const start = Number(name) * width;
  if (reached(start + width, clock.now)) return 'all';
  return reached(start, clock.now) ? 'some' : 'none';
}

/**
 * Whether one schedule hint in a folder that is due as `folder` is due: in
 * an 'all' folder without looking; in a 'some' folder (the current second,
 * or an old-layout current hour) its exact moment is the hint's mtime, read
 * only then (`mtime()` is null when the hint vanished).
 */
export function scheduleHintDue(folder: FolderDue, mtime: () => number | null, clock: HintClock): boolean {
  if (folder !== 'some') return folder === 'all';
  const at = mtime();
  return at !== null && reached(at, clock.now);
}

/** Whether a boots/ folder names a boot the machine has restarted since (the `restarted` rule's comparison). */
export function bootGroupDue(group: string, clock: HintClock): boolean {
  const then = parseBootGroup(group);
  return then !== null && restartBetween(then, clock) === 'restarted';
}
