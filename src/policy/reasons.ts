// Every due-ness rule, one row per reason code: when an entry is due for it,
// how people are told, how `list` shows it, and how tempdir()'s bounded sweep
// finds it without reading every entry. The table is a Record over
// REASON_CODES, so a new reason fails to compile until its row says all of
// that (systemd-tmpfiles keeps its age rule in one predicate the same way).
// Pure: plain data in, plain data out.
import type { DecisionContext, Entry } from '../model/entry';
import type { ReasonCode } from './codes';

/** macOS restart detection compares boot times; clocks jitter, so differences up to this are the same boot. */
export const RESTART_TOLERANCE_SECONDS = 120;

export type RestartState = 'restarted' | 'same-boot' | 'unknown';

/** What is known of one boot: Linux's boot id, or (macOS) the boot time in epoch seconds. */
export interface BootFacts {
  bootId: string | null;
  bootTime: number | null;
}

/**
 * Has the machine restarted between boot `then` and the current one?
 * - linux: both boot ids known and different; any unknown id is `unknown` (never restarted).
 * - darwin: both boot times known and more than ±120 s apart; any unknown is `unknown`.
 */
export function restartBetween(then: BootFacts, now: BootFacts & Pick<DecisionContext, 'platform'>): RestartState {
  if (now.platform === 'linux') {
    if (!then.bootId || !now.bootId) return 'unknown';
    return then.bootId === now.bootId ? 'same-boot' : 'restarted';
  }
  const a = then.bootTime;
  const b = now.bootTime;
  if (a === null || b === null || !Number.isFinite(a) || !Number.isFinite(b)) return 'unknown';
  return Math.abs(b - a) > RESTART_TOLERANCE_SECONDS ? 'restarted' : 'same-boot';
}

/** Has the machine restarted since the entry was created? See {@link restartBetween}. */
export function restartState(entry: Entry, ctx: DecisionContext): RestartState {
  return restartBetween(entry, ctx);
}

/** A moment `at` (epoch seconds) has come: the one comparison behind expiry and its schedule hints. */
export function reached(at: number, now: number): boolean {
  return now >= at;
}

/**
 * How the measured size relates to the limit.
 * - `no-limit`: no `maxSize`;
 * - `over`: bytes > maxSize (a partial scan already over the limit counts);
 * - `within`: a complete scan at or under the limit;
 * - `partial-within`: an incomplete scan at or under the limit (cannot say either way);
 * - `unknown`: not measured or could not measure.
 */
export type SizeVerdict = 'no-limit' | 'over' | 'within' | 'partial-within' | 'unknown';

/** The facts a due-ness rule reads, gathered once per decision. */
export interface DueFacts {
  entry: Entry;
  ctx: DecisionContext;
  /** The size verdict; `no-limit` when the directory is not present. */
  size: SizeVerdict;
  restart: RestartState;
}

/**
 * How tempdir()'s bounded sweep finds an entry that becomes due for a reason
 * (see policy/hints.ts):
 * - `time`: a schedule hint at the moment `at(entry)` (null: none; the earliest one of all rules is filed);
 * - `boot`: a hint filed under the boot the entry was made in, when `applies(entry)`;
 * - `none`: the bounded sweep never finds it; full sweeps (which read every entry) do.
 */
export type Finder =
  | { by: 'time'; at: (entry: Entry) => number | null }
  | { by: 'boot'; applies: (entry: Entry) => boolean }
  | { by: 'none'; why: string };

export interface ReasonRule {
  /** Whether an active entry is due for this reason (journal entries: see journal.ts). */
  due: (f: DueFacts) => boolean;
  /** For people: "it is due because ...". */
  label: string;
  /**
   * The `list` note when this reason is why the entry shows as `expired`;
   * null for reasons that come from the sweep, not from the entry (they do not
   * change the list status).
   */
  listNote: string | null;
  find: Finder;
}

/** The rules, in REASON_CODES order (the order decisions report reasons in). */
export const REASONS: Record<ReasonCode, ReasonRule> = {
  forced: {
    due: (f) => f.ctx.mode === 'force',
    label: 'removal was forced (sweep --force)',
    listNote: null,
    find: { by: 'none', why: 'only `sweep --force` forces' },
  },
  expired: {
    due: (f) => f.entry.expiresAt !== null && reached(f.entry.expiresAt, f.ctx.now),
    label: 'its lifetime has run out',
    listNote: 'due now',
    find: { by: 'time', at: (e) => (e.state === 'active' ? e.expiresAt : null) },
  },
  restarted: {
    due: (f) => f.entry.removeOnRestart && f.restart === 'restarted',
    label: 'the machine has restarted since it was made',
    listNote: 'due now (machine restarted)',
    find: { by: 'boot', applies: (e) => e.state === 'active' && e.removeOnRestart },
  },
  'next-sweep': {
    due: (f) => f.entry.cleanup === 'next-sweep' && f.ctx.mode !== 'maintenance',
    label: 'it was set to go on the next full sweep',
    listNote: null,
    find: { by: 'none', why: 'the bounded sweep is not a full sweep' },
  },
  oversize: {
    due: (f) => f.size === 'over',
    label: 'it has grown past its size limit',
    listNote: 'due now (over its size limit)',
    find: { by: 'none', why: 'measuring sizes is too slow for tempdir()' },
  },
  'resume-deletion': {
    // Active entries never; journal entries always (decideJournal).
    due: () => false,
    label: 'a deletion already under way (claimed by an earlier call, or interrupted) will be finished',
    listNote: null,
    find: { by: 'time', at: (e) => (e.state === 'moving' || e.state === 'deleting' ? 0 : null) },
  },
};
