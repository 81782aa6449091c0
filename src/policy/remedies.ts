// What a person runs when sweeps will not settle an entry by themselves:
// `ephemdir prune` forgets an active entry whose directory is missing or was
// replaced at its path; `ephemdir recover` finishes an interrupted deletion
// or, with --forget, drops its entry, and settles a claim a batched sweep
// journaled but that an entry file does not show yet (the next sweep, which
// replays the journal first, does too). Every message, hint and note that names
// one of these commands takes it from here, so the advice cannot drift from
// what the commands do. (Not to be confused with hints.ts: the bounded
// sweep's index files.)
import type { Probe } from '../model/entry';

/** An entry state only a person's command settles. */
export type Remedied = 'missing' | 'replaced' | 'recovery' | 'parked' | 'staged';

interface Remedy {
  /** The command, for an entry named `name`. */
  command(name: string): string;
  /** What running it does, as a predicate ("forgets the entry"). */
  effect: string;
}

const PRUNE = 'ephemdir prune';
const RECOVER = 'ephemdir recover';
const SWEEP = 'ephemdir sweep';

const REMEDIES: Readonly<Record<Remedied, Remedy>> = {
  // prune() forgets exactly the active entries prunable() names.
  missing: { command: () => PRUNE, effect: 'forgets the entry' },
  replaced: { command: () => PRUNE, effect: 'forgets the entry' },
  // An ambiguous interrupted deletion: recover retries it (or --forget drops it).
  recovery: { command: (name) => `${RECOVER} ${name}`, effect: 'finishes the deletion' },
  // A deletion recover could not finish and parked again: only forgetting is left to do.
  parked: { command: (name) => `${RECOVER} --forget ${name}`, effect: 'drops the entry (it deletes nothing)' },
  // Claimed by a batched sweep that died, its entry file set back behind the batch journal (a power cut):
  // recover replays the journal and reconciles, as the next sweep does.
  staged: {
    command: (name) => `${RECOVER} ${name}`,
    effect: `settles it now, as the next \`${SWEEP}\` does (the deletion is finished, or a directory never moved is put back)`,
  },
};

/** The command that settles an entry in `state`. */
export function remedyCommand(state: Remedied, name: string): string {
  return REMEDIES[state].command(name);
}

/** The command and what it does, for a message: "`ephemdir prune` forgets the entry". */
export function remedyText(state: Remedied, name: string): string {
  return `\`${remedyCommand(state, name)}\` ${REMEDIES[state].effect}`;
}

/** Both ways out of a `recovery` entry, for the `recovery-required` blocker's detail. */
export function recoveryChoices(name: string): string {
  return `${remedyCommand('recovery', name)} (retry) or ${remedyCommand('parked', name)}`;
}

/**
 * What to do about another filesystem left inside a tree being deleted (a
 * btrfs subvolume; a mount made after the claim's check), which ephemdir
 * never deletes through: `staged` is where the first one is now.
 */
export function boundaryAdvice(staged: string, name: string): string {
  return `remove it yourself (a subvolume: \`btrfs subvolume delete ${staged}\`; a mount: unmount it) and the next sweep finishes the deletion, or ${remedyText('parked', name)}`;
}

/** The list note of an entry staged by an interrupted batch (its file set back behind the batch journal). */
export function stagedNote(name: string): string {
  return `staged by an interrupted batch; the next sweep or \`${remedyCommand('staged', name)}\` settles it`;
}

/** The bare command for a label that names no entry ("... use ephemdir recover"). */
export const RECOVER_COMMAND = RECOVER;

/**
 * Which prune remedy applies to an active entry, from where its directory
 * was found: `missing` when nothing is at its path, `replaced` when another
 * directory is; null otherwise (present and ours, or not provable either
 * way: prune never forgets on a guess).
 */
export function prunable(at: Pick<Probe, 'presence' | 'identity'>): 'missing' | 'replaced' | null {
  if (at.presence === 'missing') return 'missing';
  if (at.presence === 'present' && at.identity === 'foreign') return 'replaced';
  return null;
}
