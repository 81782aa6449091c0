// What an in-use probe is, and the two runners that drive it. A probe is
// written once, as a generator: it does its quick reads itself and yields
// each program it needs run (lsof), the only I/O worth waiting for without
// blocking. runProbeSync runs those programs with spawnSync, runProbe with
// execFile; nothing else differs between the sync and the async answer.
// Programs run from `/` with a scrubbed environment, and one that cannot run,
// is killed or times out reads as null: the probe then answers "cannot tell"
// and callers keep the directory (fail closed).
import type { DirHandle } from '../fs/dir-handle';

export interface InUseAnswer {
  /** true: some process uses something inside; false: none does; null: cannot tell. */
  inUse: boolean | null;
  /** Which process uses what, or why it cannot be told; null when not in use. */
  detail: string | null;
}

/** A program a probe needs run: an absolute path the probe has checked, and its arguments. */
export interface ProgramRun {
  file: string;
  args: readonly string[];
  timeoutMs: number;
}

/** How it ended: its exit status and standard output; null when it could not run, was killed or timed out. */
export type ProgramResult = { status: number; stdout: string } | null;

/** One check, as steps: yields each program to run, receives how it ended, returns the answer. */
export type ProbeSteps = Generator<ProgramRun, InUseAnswer, ProgramResult>;

/** One per operating system (in-use-linux.ts, in-use-darwin.ts); in-use.ts picks this host's. */
export interface InUseProbe {
  /** Whether a process other than this one uses the tree open at `dir`. */
  check(dir: DirHandle): ProbeSteps;
  /** Mount points strictly inside `root`, or null where the platform cannot list them. */
  mountsInside(root: string): string[] | null;
}

const PROGRAM_ENV = { PATH: '/usr/bin:/bin:/usr/sbin:/sbin', LANG: 'C' };

export function runProbeSync(steps: ProbeSteps): InUseAnswer {
  let next = steps.next();
  while (!next.done) {
    const run = next.value;
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy: child_process loads only when a program is run (CLI start-up)
    const { spawnSync } = require('node:child_process') as typeof import('node:child_process');
    const r = spawnSync(run.file, run.args, { cwd: '/', env: PROGRAM_ENV, timeout: run.timeoutMs, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    // r.error: could not start, timed out or too much output; a signal: killed.
    next = steps.next(r.error || r.signal !== null || r.status === null ? null : { status: r.status, stdout: r.stdout });
  }
  return next.value;
}

export async function runProbe(steps: ProbeSteps): Promise<InUseAnswer> {
  let next = steps.next();
  while (!next.done) {
    const run = next.value;
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy: child_process loads only when a program is run (CLI start-up)
    const { execFile } = require('node:child_process') as typeof import('node:child_process');
    const result = await new Promise<ProgramResult>((resolve) => {
      execFile(run.file, [...run.args], { cwd: '/', env: PROGRAM_ENV, timeout: run.timeoutMs, encoding: 'utf8' }, (err, stdout) => {
        // A numeric code is the exit status; a string code (ENOENT, the
        // output limit), a kill or a signal means it did not finish.
        const e = err as (Error & { code?: unknown; killed?: boolean; signal?: unknown }) | null;
        if (!e) resolve({ status: 0, stdout });
        else if (typeof e.code !== 'number' || e.killed || e.signal) resolve(null);
        else resolve({ status: e.code, stdout });
      });
    });
    next = steps.next(result);
  }
  return next.value;
}
