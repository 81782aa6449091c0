// Is a managed tree in use? (macOS.) There is no /proc to read, so ask lsof,
// run from a trusted absolute path (root-owned, writable by nobody else):
// `lsof -t +D <tree>` lists the processes holding anything under the tree.
// lsof exits 1 when nothing matched, so any exit status counts as an answer;
// a missing lsof, or one that cannot run, is killed or times out, leaves the
// answer unknown and callers keep the directory. Mount points inside a tree
// are not listed here (null); the removal engine refuses to cross them.
import * as fs from 'node:fs';
import type { DirHandle } from '../fs/dir-handle';
import type { InUseProbe, ProbeSteps } from './in-use-probe';
import { rootOnly } from '../core/trust';

export const TRUSTED_LSOF: readonly string[] = ['/usr/sbin/lsof', '/usr/bin/lsof'];
const LSOF_TIMEOUT_MS = 10_000;

/** The first candidate that is a regular file owned by root that only root can write. */
function trustedProgram(candidates: readonly string[]): string | null {
  return (
    candidates.find((p) => {
      try {
        const st = fs.lstatSync(p);
        return st.isFile() && rootOnly(st);
      } catch {
        return false;
      }
    }) ?? null
  );
}

/** The process ids of `lsof -t` output, without this process (which holds the tree open to check it). */
export function lsofPids(stdout: string, self: number = process.pid): number[] {
  return stdout
    .split('\n')
    .filter((l) => /^\d+$/.test(l))
    .map(Number)
    .filter((p) => p !== self);
}

/** The lsof probe; `candidates` are the paths lsof is looked for at (tests pass others). */
export function lsofProbe(candidates: readonly string[] = TRUSTED_LSOF): InUseProbe {
  return {
    *check(dir: DirHandle): ProbeSteps {
      const lsof = trustedProgram(candidates);
      if (lsof === null) return { inUse: null, detail: 'lsof could not run' };
      const r = yield { file: lsof, args: ['-t', '+D', dir.path], timeoutMs: LSOF_TIMEOUT_MS };
      if (r === null) return { inUse: null, detail: 'lsof could not run' };
      const users = lsofPids(r.stdout);
      return users.length > 0 ? { inUse: true, detail: `process ${users[0]}` } : { inUse: false, detail: null };
    },
    mountsInside: () => null,
  };
}

export const darwinProbe: InUseProbe = lsofProbe();
