// Test hook for crash safety: with EPHEMDIR_CRASH_AT=<step> in the
// environment, the process kills itself with SIGKILL when it reaches that
// step of the deletion protocol. A crash is exactly what the protocol must
// survive, so the hook cannot make anything less safe; tests use it to kill
// a real process at every step in turn.
export type CrashStep =
  | 'after-intent'
  | 'after-staging-folder'
  | 'after-rename'
  | 'after-deleting'
  | 'mid-delete'
  | 'after-tree-removed'
  | 'after-staging-removed';

export function crashPoint(step: CrashStep): void {
  if (process.env.EPHEMDIR_CRASH_AT === step) process.kill(process.pid, 'SIGKILL');
}
