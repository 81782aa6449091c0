// Is a managed directory in use? On Linux, by the identity of what each
// process holds (in-use-linux.ts). On macOS, run lsof from a trusted absolute
// path with a scrubbed environment; if it cannot run, the answer is unknown
// and callers keep the directory (fail closed).
import * as fs from 'node:fs';
import type { DirHandle } from '../fs/dir-handle';
import type { InUseAnswer } from './in-use-linux';
import { rootOnly } from '../core/trust';

export type { InUseAnswer } from './in-use-linux';

function linux(): typeof import('./in-use-linux') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('./in-use-linux') as typeof import('./in-use-linux');
}

const TRUSTED_LSOF = ['/usr/sbin/lsof', '/usr/bin/lsof'];

function darwinUsers(roots: string[]): Promise<number[] | null> {
  const lsof = TRUSTED_LSOF.find((p) => {
    try {
      const st = fs.lstatSync(p);
      return st.isFile() && rootOnly(st);
    } catch {
      return false;
    }
  });
  if (!lsof) return Promise.resolve(null);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { execFile } = require('node:child_process') as typeof import('node:child_process');
  return new Promise((resolve) => {
    execFile(
      lsof,
      ['-t', '+D', roots[0]!],
      { cwd: '/', env: { PATH: '/usr/bin:/bin:/usr/sbin:/sbin', LANG: 'C' }, timeout: 10_000 },
      (err, stdout) => {
        // lsof exits 1 when nothing matched. A missing, killed or timed-out
        // lsof (a string code, a signal) means we cannot tell.
        const e = err as (Error & { code?: unknown; killed?: boolean; signal?: unknown }) | null;
        if (e && (typeof e.code !== 'number' || e.killed || e.signal)) {
          resolve(null);
          return;
        }
        resolve(stdout.split('\n').filter((l) => /^\d+$/.test(l)).map(Number).filter((p) => p !== process.pid));
      },
    );
  });
}

/** Whether a process uses the tree open at `dir`, and who, or why that cannot be told. */
export async function inUseAt(dir: DirHandle): Promise<InUseAnswer> {
  if (process.platform === 'linux') return linux().linuxInUse(dir);
  const users = await darwinUsers([dir.path]);
  if (users === null) return { inUse: null, detail: 'lsof could not run' };
  return users.length > 0 ? { inUse: true, detail: `process ${users[0]}` } : { inUse: false, detail: null };
}

export function inUseAtSync(dir: DirHandle): InUseAnswer {
  if (process.platform === 'linux') return linux().linuxInUse(dir);
  return { inUse: null, detail: `no synchronous in-use check on ${process.platform}` };
}

/** Mount points strictly inside `root` (Linux /proc/self/mountinfo); null elsewhere. */
export function mountsInside(root: string): string[] | null {
  if (process.platform !== 'linux') return null;
  let text: string;
  try {
    text = fs.readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    return null;
  }
  const prefix = root.endsWith('/') ? root : `${root}/`;
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const field = line.split(' ')[4];
    if (!field) continue;
    const mp = field.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
    if (mp.startsWith(prefix)) out.push(mp);
  }
  return out;
}
