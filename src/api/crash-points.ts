// A seam for the crash tests: the deletion protocol and creation call
// crashPoint(step) at each of their steps. In the package nothing is installed there, so the
// calls do nothing: no environment variable or other outside input can make
// a process kill itself. The test suite installs a hook from a module that is
// never packed (test/helpers/crash-hook.ts, loaded into the child processes
// of test/api/crash.test.ts) to kill a real process at every step in turn.
export type CrashStep =
  | 'after-intent'
  | 'after-staging-folder'
  | 'after-rename'
  | 'after-deleting'
  | 'mid-delete'
  | 'after-tree-removed'
  | 'after-staging-removed'
  // A batched sweep (sweep-batch.ts) passes the steps above for the whole
  // batch, and these in between:
  /** Some entries of the batch verified (locked, directory flocked), others not yet; nothing written. */
  | 'batch-mid-verify'
  /** The batch's intents are in its journal; no entry file says so yet. */
  | 'batch-journaled'
  /** Some entries of the batch are in staging, others not yet. */
  | 'batch-mid-rename'
  /** Some trees of the batch are removed, others not yet. */
  | 'batch-mid-removal'
  /** Every tree removed, the group commit (staging folders, entries, journal) not made. */
  | 'batch-before-commit'
  // Creation (src/api/create.ts): the directory made, no marker yet; the
  // marker durable, no entry yet; the entry written, the call not returned.
  | 'create-after-mkdir'
  | 'create-after-marker'
  | 'create-after-entry';

export type CrashHook = (step: CrashStep) => void;

let installed: CrashHook | null = null;

/** Installs the function called at each step (null removes it). For the crash tests only. */
export function setCrashHook(hook: CrashHook | null): void {
  installed = hook;
}

/** True when a hook is installed: only then is progress wired to the mid-delete step. */
export function crashHookInstalled(): boolean {
  return installed !== null;
}

export function crashPoint(step: CrashStep): void {
  installed?.(step);
}
