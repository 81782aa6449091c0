// Which hint files an entry should have, and when a hint says "maybe due
// now": the rules behind the bounded sweep's index (store/schedule.ts keeps
// the files). Both come from the due-ness rules in reasons.ts, so a hint can
// never disagree with decide() about expiry or restart. Hints only narrow the
// search: every candidate is decided again from its entry.
import type { DecisionContext, Entry } from '../model/entry';
import { REASON_CODES } from './codes';
import { REASONS, reached, restartBetween, type BootFacts } from './reasons';

/** Width of one schedule bucket (the inner folder), in seconds. */
export const BUCKET_SECONDS = 3600;
const DAY_SECONDS = 86_400;
const DIGITS = 10;

export type HintKind = 'schedule' | 'boots' | 'names';

export interface Hint {
  kind: HintKind;
  /** Two directory levels below the kind's folder. */
  outer: string;
  inner: string;
  id: string;
  /** Epoch seconds stored as the hint's mtime (schedule hints). */
  mtime: number | null;
}

/** What a hint's due-ness is judged against: the time and the current boot. */
export type HintClock = Pick<DecisionContext, 'now' | 'bootId' | 'bootTime' | 'platform'>;

function pad(n: number): string {
  return String(n).padStart(DIGITS, '0');
}

/** [day, hour] folder names for a moment (epoch seconds). */
export function bucketNames(at: number): [string, string] {
  const t = Math.max(0, at);
  return [pad(Math.floor(t / DAY_SECONDS)), pad(Math.floor(t / BUCKET_SECONDS))];
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
  const out: Hint[] = [{ kind: 'names', outer: nameShard(entry.name), inner: entry.name, id: entry.id, mtime: null }];
  const at = scheduledAt(entry);
  if (at !== null) {
    const [outer, inner] = bucketNames(at);
    out.push({ kind: 'schedule', outer, inner, id: entry.id, mtime: at });
  }
  const g = wantsBootHint(entry) ? bootGroup(entry) : null;
  if (g !== null) out.push({ kind: 'boots', outer: g, inner: entry.id.slice(0, 2), id: entry.id, mtime: null });
  return out;
}

const DIGITS_RE = /^\d+$/;

/** A schedule day folder that may hold due hints: today or earlier. */
export function dayMayBeDue(day: string, clock: HintClock): boolean {
  return DIGITS_RE.test(day) && day <= bucketNames(clock.now)[0];
}

/** A schedule hour folder that may hold due hints: this hour or earlier. */
export function hourMayBeDue(hour: string, clock: HintClock): boolean {
  return DIGITS_RE.test(hour) && hour <= bucketNames(clock.now)[1];
}

/**
 * Whether one schedule hint is due. A past hour is due as a whole; within
 * the current hour the exact moment is the hint's mtime, read only then
 * (`mtime()` is null when the hint vanished).
 */
export function scheduleHintDue(hour: string, mtime: () => number | null, clock: HintClock): boolean {
  if (hour !== bucketNames(clock.now)[1]) return true;
  const at = mtime();
  return at !== null && reached(at, clock.now);
}

/** Whether a boots/ folder names a boot the machine has restarted since (the `restarted` rule's comparison). */
export function bootGroupDue(group: string, clock: HintClock): boolean {
  const then = parseBootGroup(group);
  return then !== null && restartBetween(then, clock) === 'restarted';
}
