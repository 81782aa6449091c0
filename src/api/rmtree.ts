// The library side of `ephemdir rmtree`: every argument checked against the
// protected directories before anything is removed, then each removed (or,
// for a dry run, counted) by the engine, which itself refuses `/`, the home
// directory and the cwd again by identity, follows no symlink and crosses no
// mount.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { removeTree, type RemoveTreeProgress, type RemoveTreeResult } from '../fs/remove-tree';
import { scanTree } from '../fs/scan-tree';
import { refusalOf, type ProtectedDir } from '../policy/rmtree';

export type { RemoveTreeFailure, RemoveTreeProgress, RemoveTreeResult } from '../fs/remove-tree';

/** One argument after the checks: missing, refused (with the reason) or to be removed. */
export interface RmtreeCheck {
  path: string;
  exists: boolean;
  refused: string | null;
}

function homeDir(): string | null {
  try {
    return os.homedir() || null;
  } catch {
    return null;
  }
}

/** `dir` and each of its ancestors, by identity, labelled for messages. */
function withAncestors(dir: string, label: string, out: ProtectedDir[]): void {
  let real: string;
  try {
    real = fs.realpathSync(dir);
  } catch {
    return; // a home that does not exist protects nothing on disk
  }
  for (let p = real, first = true; ; first = false) {
    const st = fs.statSync(p);
    out.push({ dev: st.dev, ino: st.ino, label: first ? label : `an ancestor of ${label}` });
    const up = path.dirname(p);
    if (up === p) return;
    p = up;
  }
}

/** The directories rmtree refuses: `/`, the home directory, the cwd and their ancestors. */
export function protectedDirs(cwd: string = process.cwd()): ProtectedDir[] {
  const out: ProtectedDir[] = [];
  withAncestors('/', 'the root directory /', out);
  withAncestors(cwd, 'the current directory', out);
  const home = homeDir();
  if (home) withAncestors(home, `the home directory (${home})`, out);
  return out;
}

/**
 * Checks every path before anything is removed. lstat's identity is what is
 * compared, so `rmtree .`, `rmtree sub/..` and a path through a symlinked
 * ancestor are caught whatever they are spelled as.
 */
export function checkRmtreeTargets(paths: readonly string[], cwd: string = process.cwd()): RmtreeCheck[] {
  const dirs = protectedDirs(cwd);
  return paths.map((p) => {
    let id: { dev: number; ino: number; isSymlink: boolean } | null = null;
    let statError: string | null = null;
    try {
      const st = fs.lstatSync(path.resolve(cwd, p));
      id = { dev: st.dev, ino: st.ino, isSymlink: st.isSymbolicLink() };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // Fail closed: a path we cannot look at is not removed.
      if (code !== 'ENOENT' && code !== 'ENOTDIR') statError = `cannot check it: ${code ?? String(err)}`;
    }
    const refused = statError ?? refusalOf({ path: p, id }, dirs);
    return { path: p, exists: id !== null, refused };
  });
}

/**
 * Threads `ephemdir rmtree` lets one removal use. What it removes (build
 * output, node_modules) is mostly waiting on the disk, where more unlinks in
 * flight pay: on a node_modules-like tree `parallel: 4` took about a quarter
 * of the serial time (README, Performance). The engine starts them only where
 * there is work to share (several subdirectories, or a directory past 2,048
 * entries), so a small tree still runs on one thread. The library's default
 * stays 1: a library call starts no threads it was not asked for.
 */
export const RMTREE_PARALLEL = 4;

/** Removes one checked path with the engine; the cwd (and so its ancestors) is protected too. */
export function removeRmtreeTarget(
  p: string,
  opts: { cwd?: string; onProgress?: (progress: RemoveTreeProgress) => void } = {},
): Promise<RemoveTreeResult> {
  const cwd = opts.cwd ?? process.cwd();
  return removeTree(path.resolve(cwd, p), {
    protect: [cwd],
    parallel: RMTREE_PARALLEL,
    ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
  });
}

/** What a removal would take: entries including the path itself (a file or a symlink counts 1). */
export async function scanRmtreeTarget(p: string, cwd: string = process.cwd()): Promise<{ entries: number; bytes: number; mounts: string[] }> {
  const abs = path.resolve(cwd, p);
  const st = fs.lstatSync(abs);
  if (!st.isDirectory()) return { entries: 1, bytes: st.blocks * 512, mounts: [] };
  const r = await scanTree(abs);
  return { entries: r.entries + 1, bytes: r.bytes, mounts: r.mounts };
}
