// Resolving a path to a directory fd, one component at a time, each opened
// relative to its parent's fd with O_NOFOLLOW. Ancestors are opened for
// search only (O_PATH on Linux), so a directory we may pass through but not
// list (a mode-0711 home) is no obstacle; only the directory handed back by
// openDirectory is opened for reading.
//
// Three trust levels decide what happens at a symlink:
// - 'nofollow' and 'chain' follow only a root-owned symlink directly in a
//   root-owned "/" that only root can write (macOS /tmp -> private/tmp, /var,
//   a merged /bin): whoever can change it is root already. 'chain' also
//   requires every directory to be owned by root or the caller and, when
//   others can write it, sticky, so no other user can swap a component of a
//   directory ephemdir manages (the registry stores the path; later sweeps
//   walk it again).
// - 'safe' (removeTree, scanTree) also follows a symlink no other user can
//   have planted or changed -- systemd's chase() CHASE_SAFE rule: the link
//   and the directory holding it are owned by the caller or root, and no
//   step of the resolved chain goes from a directory owned by one user into
//   one owned by another unless the first is root's. `..` is resolved
//   physically, against the chain as resolved so far.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EphemdirError, ErrorCodes, hasCode, invalidArgument, systemError } from '../errors';
import { DirHandle, isDir, isSymlink, joinDisplay, nameToString, type Stat } from './dir-handle';
import { lastComponentProblem, pathBytes, splitComponents, type PathLike } from './tree-path';
import { checkCall } from '../core/options';
import { OPEN_DIRECTORY } from './signatures';
import { chainProblem, euid, ownedByMeOrRoot, ownershipProblem, rootOnly } from '../core/trust';
import { assertNever } from '../core/never';
import type { WalkedChain } from './walk-chain';

export type FinalPolicy =
  /** No extra rule for the last directory. */
  | 'any'
  /** A parent ephemdir creates in: owned by the caller, or root-owned and sticky (like /tmp). */
  | 'parent'
  /** Owned by the caller and writable by nobody else (ephemdir's own data). */
  | 'owned';

export type Trust = 'nofollow' | 'chain' | 'safe';

export interface WalkOptions {
  trust?: Trust;
  final?: FinalPolicy;
  /** Create missing components with mode 0700 (each creation is fsynced). */
  create?: boolean;
}

/** Symlinks followed in one resolution before ELOOP (the kernel's own limit). */
export const MAX_SYMLINK_HOPS = 40;
const ELOOP = -os.constants.errno.ELOOP;
const ENOENT = -os.constants.errno.ENOENT;

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

export { chainProblem };

/** The rule for the directory a managed directory lives in (see FinalPolicy). */
export function finalProblem(st: Stat, policy: FinalPolicy, me = euid()): string | null {
  switch (policy) {
    case 'any':
      return null;
    case 'owned':
      return ownershipProblem(st, {}, me);
    case 'parent':
      // The chain rule, with a message that says which parents are used.
      if (!ownedByMeOrRoot(st, me)) return `it is owned by uid ${st.uid}; only your own directories or root-owned sticky ones like /tmp are used`;
      return chainProblem(st, me);
    default:
      return assertNever(policy, 'final policy');
  }
}

/** Plain facts about one symlink met on the way, for {@link followProblem}. */
export interface LinkFacts {
  /** uid of the directory holding the link, and whether it is "/" (root-owned, writable by root only). */
  holderUid: number;
  holderIsTrustedRoot: boolean;
  linkUid: number;
  /** The first unsafe ownership transition on the chain up to the holder, or null. */
  unsafeAbove: string | null;
  me: number;
}

/**
 * Whether a symlink met while resolving may be followed under `trust`:
 * null when it may, else why not (for the message).
 */
export function followProblem(trust: Trust, f: LinkFacts): string | null {
  if (f.holderIsTrustedRoot && f.linkUid === 0) return null;
  if (trust !== 'safe') return 'symlinks are followed only at the root, and only root-owned ones';
  const who = (uid: number): boolean => ownedByMeOrRoot({ uid }, f.me);
  if (!who(f.linkUid)) return `the link is owned by uid ${f.linkUid}, not by root or uid ${f.me}, so that user could point it anywhere`;
  if (!who(f.holderUid)) return `the directory holding it is owned by uid ${f.holderUid}, not by root or uid ${f.me}, so that user could replace it`;
  if (f.unsafeAbove) return `${f.unsafeAbove}, so another user could redirect the path`;
  return null;
}

/**
 * The chase-safe transition rule for one step down the chain: null when
 * going from a directory owned by `fromUid` into one owned by `toUid` is
 * safe (same owner, or leaving a root-owned directory).
 */
export function transitionProblem(fromUid: number, fromShown: string, toUid: number, toShown: string): string | null {
  if (fromUid === 0 || fromUid === toUid) return null;
  return `${toShown} (owned by uid ${toUid}) sits in ${fromShown} (owned by uid ${fromUid})`;
}

interface Step {
  /** Search-only handle, or readable where `readable` says so (the root always). */
  dir: DirHandle;
  readable: boolean;
  st: Stat;
  /** The name in the previous step's directory; null for "/". */
  name: Buffer | null;
  shown: string;
  /** The first unsafe ownership transition on the chain down to here, or null. */
  unsafe: string | null;
}

function realPathHint(display: string): string {
  try {
    const real = fs.realpathSync.native(display);
    return real === display ? '' : `; use its real path ${real}`;
  } catch {
    return '';
  }
}

function closeAll(stack: Step[]): void {
  for (const s of stack) s.dir.close();
  stack.length = 0;
}

/** Reopens the directory of `stack`'s last step for reading, checking it is the same inode. */
function reopenReadable(stack: Step[]): DirHandle {
  const top = stack[stack.length - 1]!;
  if (stack.length === 1) return DirHandle.openRoot();
  const h = stack[stack.length - 2]!.dir.openDir(top.name!);
  const st = h.stat();
  if (st.dev !== top.st.dev || st.ino !== top.st.ino) {
    h.close();
    throw new EphemdirError(ErrorCodes.CONCURRENT_MODIFICATION, `${top.shown} was replaced while it was being opened`, { path: top.shown });
  }
  return h;
}

/**
 * Resolves `parts` (components of an absolute path) to a chain of
 * search-only directory handles from "/". The caller owns the returned
 * handles (closeAll).
 */
function resolveChain(parts: Buffer[], display: string, options: WalkOptions, readableFinal = false): Step[] {
  const trust = options.trust ?? 'chain';
  const me = euid();
  const pending = parts.slice();
  const root = DirHandle.openRoot();
  const stack: Step[] = [];
  let hops = 0;
  let followed: string | null = null; // the first symlink followed ('safe' trust)
  try {
    stack.push({ dir: root, readable: true, st: root.stat(), name: null, shown: '/', unsafe: null });
    if (trust === 'chain') {
      const p = chainProblem(stack[0]!.st, me);
      if (p) throw unsafe('/', p);
    }
    while (pending.length > 0) {
      const name = pending.shift()!;
      if (name.length === 2 && name[0] === 0x2e && name[1] === 0x2e) {
        if (stack.length > 1) stack.pop()!.dir.close(); // ".." of "/" is "/"
        continue;
      }
      const cur = stack[stack.length - 1]!;
      const here = joinDisplay(cur.shown, name);
      let next: DirHandle;
      // The last component is opened readable straight away when the caller
      // wants it so (openDirectory): one open instead of a search-only open
      // plus a readable reopen by name and its identity check. A directory
      // we may search but not read (EACCES) falls back to search-only.
      let readable = false;
      try {
        if (readableFinal && pending.length === 0) {
          try {
            next = cur.dir.openDir(name);
            readable = true;
          } catch (err) {
            if (!hasCode(err, 'EACCES')) throw err;
            next = cur.dir.openSearch(name);
          }
        } else {
          next = cur.dir.openSearch(name);
        }
      } catch (err) {
        if (hasCode(err, 'ENOTDIR', 'ELOOP')) {
          const ls = cur.dir.tryStat(name);
          if (!ls || !isSymlink(ls)) throw err;
          const why = followProblem(trust, {
            holderUid: cur.st.uid,
            holderIsTrustedRoot: stack.length === 1 && rootOnly(cur.st),
            linkUid: ls.uid,
            unsafeAbove: cur.unsafe,
            me,
          });
          if (why) {
            const hint = trust === 'safe' ? '' : realPathHint(display);
            throw new EphemdirError(ErrorCodes.SYMLINK_IN_PATH, `refusing ${display}: ${here} is a symlink and is not followed: ${why}${hint}`, {
              path: display,
              component: here,
              reason: why,
            });
          }
          if (++hops > MAX_SYMLINK_HOPS) throw systemError(ELOOP, 'open', display);
          const target = cur.dir.readlink(name);
          if (target.length === 0) throw systemError(ENOENT, 'open', here);
          if (target[0] === 0x2f) {
            while (stack.length > 1) stack.pop()!.dir.close(); // an absolute target restarts at "/"
          }
          pending.unshift(...splitComponents(target));
          followed ??= here;
          continue;
        }
        if (hasCode(err, 'ENOENT') && options.create) {
          try {
            cur.dir.mkdir(name, 0o700);
            syncDirectory(stack);
          } catch (mkErr) {
            if (!hasCode(mkErr, 'EEXIST')) throw mkErr;
          }
          next = cur.dir.openSearch(name);
        } else {
          throw err;
        }
      }
      let st: Stat;
      try {
        st = next.stat();
      } catch (err) {
        next.close();
        throw err;
      }
      if (!isDir(st)) {
        next.close();
        throw new EphemdirError(ErrorCodes.UNSAFE_PARENT, `refusing ${here}: not a directory`, { path: here });
      }
      if (trust === 'chain') {
        const p = chainProblem(st, me);
        if (p) {
          next.close();
          throw unsafe(here, p);
        }
      }
      const step: Step = {
        dir: next,
        readable,
        st,
        name: Buffer.from(name),
        shown: here,
        unsafe: cur.unsafe ?? transitionProblem(cur.st.uid, cur.shown, st.uid, here),
      };
      stack.push(step);
      if (followed && step.unsafe) {
        throw new EphemdirError(
          ErrorCodes.SYMLINK_IN_PATH,
          `refusing ${display}: the symlink ${followed} leads through ${step.unsafe}, so another user could redirect the path`,
          { path: display, component: followed, reason: step.unsafe },
        );
      }
    }
    return stack;
  } catch (err) {
    closeAll(stack);
    root.close();
    throw err;
  }
}

/** fsync of the last directory of the chain, after creating an entry in it. */
function syncDirectory(stack: Step[]): void {
  const top = stack[stack.length - 1]!;
  if (top.readable) {
    top.dir.fsync();
    return;
  }
  let h: DirHandle;
  try {
    h = reopenReadable(stack);
  } catch (err) {
    // A directory we may search but not read cannot be fsynced by us; the
    // entry is there all the same, only its durability is the kernel's.
    if (hasCode(err, 'EACCES')) return;
    throw err;
  }
  try {
    h.fsync();
  } finally {
    h.close();
  }
}

/** The components and display form of an absolute path argument. */
function absoluteArgument(p: PathLike): { parts: Buffer[]; display: string } {
  const bytes = pathBytes(p);
  const shown = nameToString(bytes);
  if (bytes[0] !== 0x2f) throw invalidArgument(`path must be absolute: ${shown}`, { path: shown });
  const why = lastComponentProblem(bytes);
  if (why) throw invalidArgument(`refusing path ${JSON.stringify(shown)}: ${why}`, { path: shown });
  return { parts: splitComponents(bytes), display: path.posix.normalize(shown).replace(/(.)\/+$/, '$1') };
}

/**
 * Walks to the directory at `absPath` and checks it against `options.final`:
 * the chain of handles (the last one is the directory), for the caller to
 * take from and close.
 */
function walkToDirectory(absPath: PathLike, options: WalkOptions): { stack: Step[]; display: string } {
  checkCall(OPEN_DIRECTORY, [absPath], options);
  const { parts, display } = absoluteArgument(absPath);
  const stack = resolveChain(parts, display, options, true);
  const p = finalProblem(stack[stack.length - 1]!.st, options.final ?? 'any', euid());
  if (p) {
    closeAll(stack);
    throw unsafe(display, p);
  }
  return { stack, display };
}

/**
 * Opens the directory at `absPath` for reading (see the trust levels above).
 * A symlink that may not be followed is refused with
 * EPHEMDIR_SYMLINK_IN_PATH naming the component and why.
 */
export function openDirectory(absPath: PathLike, options: WalkOptions = {}): DirHandle {
  const { stack, display } = walkToDirectory(absPath, options);
  try {
    // Opened readable by the walk itself: the very fd that was checked, so
    // no second open by name and no identity re-check.
    const h = stack[stack.length - 1]!.readable ? stack.pop()!.dir : reopenReadable(stack);
    return new DirHandle(h.release(), display);
  } finally {
    closeAll(stack);
  }
}

/** {@link openDirectory}, keeping the chain of handles that led to it (see walk-chain.ts). */
export function openDirectoryChain(absPath: PathLike, options: WalkOptions = {}): WalkedChain {
  const { stack, display } = walkToDirectory(absPath, options);
  try {
    const top = stack[stack.length - 1]!;
    const h = top.readable ? top.dir : reopenReadable(stack);
    stack.pop();
    if (!top.readable) top.dir.close(); // the search-only handle, reopened readable above
    const dir = new DirHandle(h.release(), display);
    const links: WalkedChain['links'] = [];
    for (let i = 1; i < stack.length; i++) links.push({ holder: stack[i - 1]!.dir, name: stack[i]!.name!, st: stack[i]!.st, shown: stack[i]!.shown });
    if (top.name !== null) links.push({ holder: stack[stack.length - 1]!.dir, name: top.name, st: top.st, shown: top.shown });
    const chain: WalkedChain = { dir, links, options };
    stack.length = 0; // the handles now belong to the chain
    return chain;
  } finally {
    closeAll(stack);
  }
}

/**
 * Opens, for search only, the parent of the absolute path given by `parts`
 * and returns it with the final name, for operations that must act on the
 * last component through the parent's fd. The final name is never followed.
 */
export function openParentOf(parts: Buffer[], display: string, options: WalkOptions = {}): { parent: DirHandle; name: Buffer } {
  const name = parts[parts.length - 1];
  const up = parts.slice(0, -1);
  if (name === undefined || (name.length === 2 && name[0] === 0x2e && name[1] === 0x2e)) {
    throw new EphemdirError(ErrorCodes.PROTECTED_PATH, `refusing to operate on / (${display})`, { path: display });
  }
  const stack = resolveChain(up, display, options);
  const top = stack.pop()!;
  closeAll(stack);
  const p = finalProblem(top.st, options.final ?? 'any');
  if (p) {
    top.dir.close();
    throw unsafe(display, p);
  }
  return { parent: new DirHandle(top.dir.release(), top.shown), name: Buffer.from(name) };
}

/** {@link openParentOf} for an absolute path. */
export function openParent(absPath: PathLike, options: WalkOptions = {}): { parent: DirHandle; name: Buffer } {
  const bytes = pathBytes(absPath);
  const { parts, display } = absoluteArgument(bytes);
  return openParentOf(parts, display, options);
}
