// Is a directory in use? On Linux, scan /proc for processes whose working
// directory, root, open files or mapped files lie inside it (what lsof +D
// reports, without running lsof). On macOS, run lsof from a trusted absolute
// path with a scrubbed environment; if it cannot run, the answer is unknown
// and callers keep the directory (fail closed).
import * as fs from 'node:fs';

function inside(candidate: string, roots: string[]): boolean {
  for (const root of roots) {
    if (candidate === root || candidate.startsWith(root.endsWith('/') ? root : `${root}/`)) return true;
  }
  return false;
}

function readlinkOr(p: string): string | null {
  try {
    return fs.readlinkSync(p);
  } catch {
    return null;
  }
}

/** Pids (other than ours) using anything under one of `roots`; null when /proc is unreadable. */
export function linuxUsers(roots: string[]): number[] | null {
  let pids: string[];
  try {
    pids = fs.readdirSync('/proc').filter((n) => /^\d+$/.test(n));
  } catch {
    return null;
  }
  const users: number[] = [];
  for (const pid of pids) {
    if (Number(pid) === process.pid) continue;
    const base = `/proc/${pid}`;
    let hit = false;
    for (const link of ['cwd', 'root']) {
      const t = readlinkOr(`${base}/${link}`);
      if (t && link === 'cwd' && inside(t, roots)) hit = true;
    }
    if (!hit) {
      let fds: string[] = [];
      try {
        fds = fs.readdirSync(`${base}/fd`);
      } catch {
        // gone, or not ours to read
      }
      for (const fd of fds) {
        const t = readlinkOr(`${base}/fd/${fd}`);
        if (t && inside(t, roots)) {
          hit = true;
          break;
        }
      }
    }
    if (!hit) {
      try {
        const maps = fs.readFileSync(`${base}/maps`, 'utf8');
        for (const line of maps.split('\n')) {
          const i = line.indexOf('/');
          if (i >= 0 && inside(line.slice(i).replace(/ \(deleted\)$/, ''), roots)) {
            hit = true;
            break;
          }
        }
      } catch {
        // not readable: cwd and fds were the strong signals
      }
    }
    if (hit) users.push(Number(pid));
  }
  return users;
}

const TRUSTED_LSOF = ['/usr/sbin/lsof', '/usr/bin/lsof'];

function darwinUsers(roots: string[]): Promise<number[] | null> {
  const lsof = TRUSTED_LSOF.find((p) => {
    try {
      const st = fs.lstatSync(p);
      return st.isFile() && st.uid === 0 && (st.mode & 0o022) === 0;
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

/** True/false, or null when it cannot be told. */
export async function isInUse(roots: string[]): Promise<boolean | null> {
  const users = process.platform === 'linux' ? linuxUsers(roots) : await darwinUsers(roots);
  return users === null ? null : users.length > 0;
}

export function isInUseSync(roots: string[]): boolean | null {
  if (process.platform !== 'linux') return null;
  const users = linuxUsers(roots);
  return users === null ? null : users.length > 0;
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
