// Resolving an absolute path to a directory fd, one component at a time,
// never following a symlink. The single exception is a root-owned symlink
// directly in a root-owned "/" that only root can write (macOS /tmp -> private/tmp,
// /var, a merged /bin): whoever can change it is root already.
//
// Two trust levels: 'nofollow' only refuses symlinks (enough for removeTree,
// which works through fds afterwards); 'chain' also requires every directory
// to be owned by root or the caller and, when others can write it, sticky, so
// no other user can swap a component of a directory ephemdir manages.
import * as path from 'node:path';
import { EphemdirError, ErrorCodes, hasCode, invalidArgument } from '../errors';
import { DirHandle, isDir, isSymlink, type Stat } from './dir-handle';
import { checkCall } from '../core/options';
import { OPEN_DIRECTORY } from './signatures';

export type FinalPolicy =
  /** No extra rule for the last directory. */
  | 'any'
  /** A parent ephemdir creates in: owned by the caller, or root-owned and sticky (like /tmp). */
  | 'parent'
  /** Owned by the caller and writable by nobody else (ephemdir's own data). */
  | 'owned';

export interface WalkOptions {
  trust?: 'nofollow' | 'chain';
  final?: FinalPolicy;
  /** Create missing components with mode 0700 (each creation is fsynced). */
  create?: boolean;
}

const MAX_SYMLINK_HOPS = 8;
const S_ISVTX = 0o1000;

function euid(): number {
  return process.geteuid?.() ?? -1;
}

/** Lexically normalised absolute path; refuses relative paths and NUL bytes. */
export function normalizeAbsolute(p: string): string {
  if (typeof p !== 'string' || p.length === 0) throw invalidArgument(`path must be a non-empty string, got ${String(p)}`);
  if (p.includes('\0')) throw invalidArgument(`path contains a NUL byte: ${JSON.stringify(p)}`, { path: p });
  if (!path.isAbsolute(p)) throw invalidArgument(`path must be absolute: ${p}`, { path: p });
  return path.posix.normalize(p).replace(/(.)\/+$/, '$1');
}

export function components(abs: string): string[] {
  return abs.split('/').filter((c) => c.length > 0);
}

function unsafe(where: string, why: string): EphemdirError {
  return new EphemdirError(ErrorCodes.UNSAFE_PARENT, `refusing ${where}: ${why}`, { path: where, reason: why });
}

/** Chain rule for one directory: owned by root or the caller; sticky if others may write. */
export function chainProblem(st: Stat): string | null {
  const me = euid();
  if (st.uid !== 0 && st.uid !== me) return `it is owned by uid ${st.uid}, not by root or uid ${me}`;
  if ((st.mode & 0o022) !== 0 && (st.mode & S_ISVTX) === 0) return 'it is group/world-writable without the sticky bit';
  return null;
}

/** The rule for the directory a managed directory lives in (see FinalPolicy). */
export function finalProblem(st: Stat, policy: FinalPolicy): string | null {
  const me = euid();
  if (policy === 'any') return null;
  if (policy === 'owned') {
    if (st.uid !== me) return `it is owned by uid ${st.uid}, not by uid ${me}`;
    if ((st.mode & 0o022) !== 0) return 'it is group/world-writable';
    return null;
  }
  if (st.uid === me) {
    if ((st.mode & 0o022) !== 0 && (st.mode & S_ISVTX) === 0) return 'it is group/world-writable without the sticky bit';
    return null;
  }
  if (st.uid === 0) {
    if ((st.mode & 0o022) !== 0 && (st.mode & S_ISVTX) === 0) return 'it is group/world-writable without the sticky bit';
    return null;
  }
  return `it is owned by uid ${st.uid}; only your own directories or root-owned sticky ones like /tmp are used`;
}

function isTrustedRootSymlink(root: DirHandle, rootStat: Stat, link: Stat): boolean {
  return root.path === '/' && rootStat.uid === 0 && (rootStat.mode & 0o022) === 0 && link.uid === 0;
}

/**
 * Opens the directory at `absPath`. Every component is opened relative to
 * its parent's fd with O_NOFOLLOW; a symlinked component (other than a
 * trusted root-level one) is refused with EPHEMDIR_SYMLINK_IN_PATH.
 */
export function openDirectory(absPath: string, options: WalkOptions = {}): DirHandle {
  checkCall(OPEN_DIRECTORY, [absPath], options);
  const trust = options.trust ?? 'chain';
  const finalPolicy = options.final ?? 'any';
  const display = normalizeAbsolute(absPath);
  let pending = components(display);
  let hops = 0;
  let dir = DirHandle.openRoot();
  let dirStat = dir.stat();
  let shown = '/';
  try {
    if (trust === 'chain') {
      const p = chainProblem(dirStat);
      if (p) throw unsafe('/', p);
    }
    while (pending.length > 0) {
      const name = pending.shift()!;
      const here = shown === '/' ? `/${name}` : `${shown}/${name}`;
      let next: DirHandle | null = null;
      try {
        next = dir.openDir(name);
      } catch (err) {
        if (hasCode(err, 'ENOTDIR')) {
          const st = dir.tryStat(name);
          if (st && isSymlink(st) && isTrustedRootSymlink(dir, dirStat, st) && hops++ < MAX_SYMLINK_HOPS) {
            const target = dir.readlink(name).toString('utf8');
            const parts = components(target);
            if (target.startsWith('/')) {
              // Restart from the root with the target spliced in.
              dir.close();
              dir = DirHandle.openRoot();
              dirStat = dir.stat();
              shown = '/';
            }
            pending = [...parts, ...pending];
            continue;
          }
          if (st && isSymlink(st)) {
            throw new EphemdirError(ErrorCodes.SYMLINK_IN_PATH, `refusing ${display}: ${here} is a symlink`, {
              path: display,
              component: here,
            });
          }
          throw err;
        }
        if (hasCode(err, 'ENOENT') && options.create) {
          try {
            dir.mkdir(name, 0o700);
            dir.fsync();
          } catch (mkErr) {
            if (!hasCode(mkErr, 'EEXIST')) throw mkErr;
          }
          next = dir.openDir(name);
        } else {
          throw err;
        }
      }
      const st = next.stat();
      if (!isDir(st)) {
        next.close();
        throw new EphemdirError(ErrorCodes.UNSAFE_PARENT, `refusing ${here}: not a directory`, { path: here });
      }
      if (trust === 'chain') {
        const p = chainProblem(st);
        if (p) {
          next.close();
          throw unsafe(here, p);
        }
      }
      dir.close();
      dir = new DirHandle(next.release(), here);
      dirStat = st;
      shown = here;
    }
    const p = finalProblem(dirStat, finalPolicy);
    if (p) throw unsafe(display, p);
    return dir.path === display ? dir : new DirHandle(dir.release(), display);
  } catch (err) {
    dir.close();
    throw err;
  }
}

/**
 * Opens the parent of `absPath` and returns it with the final name, for
 * operations that must act on the last component through the parent's fd.
 */
export function openParent(absPath: string, options: WalkOptions = {}): { parent: DirHandle; name: string } {
  const abs = normalizeAbsolute(absPath);
  if (abs === '/') throw new EphemdirError(ErrorCodes.PROTECTED_PATH, 'refusing to operate on /', { path: '/' });
  return { parent: openDirectory(path.posix.dirname(abs), options), name: path.posix.basename(abs) };
}
