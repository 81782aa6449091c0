// A directory held open by fd. Every operation is relative to that fd and
// takes a single name component, so no path string is resolved after the
// handle was opened. `path` is kept for messages only and never used for I/O.
import * as os from 'node:os';
import { isAscii } from 'node:buffer';
import { native, type Name } from '../native/binding';
import { decodeMarkedDirs, decodeSmallFiles, decodeStatNames, type MarkedDir, type ShallowStat, type SmallFile } from '../native/packed';
import { EphemdirError, ErrorCodes } from '../errors';
import { boolean, checkCall, instance, nameValue, oneOf, optionsOf, signature } from '../core/options';
import { OwnedFd, check, type Stat } from './fd';
import { FileHandle } from './file-handle';
import { ownedByMe } from '../core/trust';

export { check, type Stat } from './fd';
export { FileHandle } from './file-handle';

const ENOENT = -os.constants.errno.ENOENT;

/** Display form of a name: UTF-8 where valid, with the rest escaped. */
export function nameToString(name: Name): string {
  if (typeof name === 'string') return name;
  if (isAscii(name)) return name.toString('latin1'); // the common case, without a round trip
  const text = name.toString('utf8');
  return Buffer.from(text, 'utf8').equals(name) ? text : name.toString('latin1').replace(/[\x80-\xff]/g, (c) => `\\x${c.charCodeAt(0).toString(16)}`);
}

export function joinDisplay(dir: string, name: Name): string {
  return dir === '/' ? `/${nameToString(name)}` : `${dir}/${nameToString(name)}`;
}

export function isDir(st: Stat): boolean {
  return (st.mode & 0o170000) === 0o040000;
}
export function isSymlink(st: Stat): boolean {
  return (st.mode & 0o170000) === 0o120000;
}
export function isRegular(st: Stat): boolean {
  return (st.mode & 0o170000) === 0o100000;
}

export interface DirEntry {
  name: Buffer;
  /** d_type: DT_DIR, DT_REG, DT_LNK, ... or DT_UNKNOWN (see {@link entryKind}). */
  type: number;
}

/** What a directory entry's d_type says; `unknown` when the file system does not say (lstat to know). */
export type EntryKind = 'directory' | 'file' | 'symlink' | 'other' | 'unknown';

export function entryKind(entry: DirEntry): EntryKind {
  const c = native().constants;
  switch (entry.type) {
    case c.DT_DIR:
      return 'directory';
    case c.DT_REG:
      return 'file';
    case c.DT_LNK:
      return 'symlink';
    case c.DT_UNKNOWN:
      return 'unknown';
    default:
      return 'other';
  }
}

/** One file of readSmallFiles; what statMany says of one name (decoded in src/native/packed.ts). */
export type { SmallFile, ShallowStat } from '../native/packed';

export interface OpenDirOptions {
  /** Refuse to cross into another mount (EXDEV) where openat2 exists. */
  noXdev?: boolean;
}

export interface RenameOptions {
  /** Fail with EEXIST rather than replace. */
  noReplace?: boolean;
  /** Swap the two names atomically. */
  exchange?: boolean;
}

export interface LockOptions {
  /** Block until the lock is granted (default: fail at once with `false`). */
  wait?: boolean;
}

/**
 * An open directory file descriptor (O_CLOEXEC) with the fd-relative calls
 * ephemdir is built on: open a child without following symlinks, stat,
 * mkdir, lock, remove by name. Made by {@link openDirectory}; close it with
 * `close()` or `using`.
 */
export class DirHandle extends OwnedFd {
  /** The root directory, the only absolute path ever opened by string. */
  static openRoot(): DirHandle {
    return new DirHandle(check(native().openRoot(), 'open', '/'), '/');
  }

  /**
   * Opens the subdirectory `name` without following a symlink. With
   * `noXdev` the kernel refuses to cross into another mount (EXDEV) where
   * openat2 exists; callers compare mount ids otherwise. A symlink or a
   * non-directory gives ENOTDIR.
   */
  openDir(name: Name, options: OpenDirOptions = {}): DirHandle {
    checkCall(OPEN_DIR, [name], options);
    const path = joinDisplay(this.path, name);
    return new DirHandle(check(native().openDirAt(this.fd, name, options.noXdev ?? false), 'open', path), path);
  }

  /** Like openDir, but returns null when the entry does not exist (without building an error: hint folders are looked up on hot paths). */
  tryOpenDir(name: Name, options: OpenDirOptions = {}): DirHandle | null {
    checkCall(OPEN_DIR, [name], options);
    const path = joinDisplay(this.path, name);
    const r = native().openDirAt(this.fd, name, options.noXdev ?? false);
    if (r === ENOENT) return null;
    return new DirHandle(check(r, 'open', path), path);
  }

  /**
   * Opens the subdirectory `name` for search only (O_PATH on Linux, O_SEARCH
   * on macOS where it exists): enough to open, stat, unlink and readlink the
   * entries below it, with no read permission on it (a mode-0711 home).
   * Never follows a symlink: a symlink or a non-directory gives ENOTDIR.
   * Such a handle cannot list or lock.
   */
  openSearch(name: Name): DirHandle {
    const path = joinDisplay(this.path, name);
    return new DirHandle(check(native().openPathAt(this.fd, name, true), 'open', path), path);
  }

  /** An anchoring handle (O_PATH on Linux): usable for stat and chmod only. */
  openPath(name: Name, directory = true): PathHandle {
    const path = joinDisplay(this.path, name);
    return new PathHandle(check(native().openPathAt(this.fd, name, directory), 'open', path), path);
  }

  /**
   * Opens a file with open(2) `flags` (as in `fs.constants`; O_NOFOLLOW and
   * O_CLOEXEC are always added, so a symlink fails with ELOOP).
   */
  openFile(name: Name, flags: number, mode = 0o600): FileHandle {
    const path = joinDisplay(this.path, name);
    return new FileHandle(check(native().openAt(this.fd, name, flags, mode), 'open', path), path);
  }

  /** lstat of an entry; with no name, fstat of this directory. */
  stat(name?: Name): Stat {
    if (name === undefined) return this.fstat();
    return check(native().statAt(this.fd, name), 'lstat', joinDisplay(this.path, name));
  }

  /** lstat that returns null for a missing entry. */
  tryStat(name: Name): Stat | null {
    const r = native().statAt(this.fd, name);
    if (r === ENOENT) return null;
    return check(r, 'lstat', joinDisplay(this.path, name));
  }

  mountId(): { id: number; unique: boolean } {
    return check(native().mountId(this.fd), 'statx', this.path);
  }

  unlink(name: Name): void {
    check(native().unlinkAt(this.fd, name, false), 'unlink', joinDisplay(this.path, name));
  }

  rmdir(name: Name): void {
    check(native().unlinkAt(this.fd, name, true), 'rmdir', joinDisplay(this.path, name));
  }

  mkdir(name: Name, mode = 0o700): void {
    check(native().mkdirAt(this.fd, name, mode), 'mkdir', joinDisplay(this.path, name));
  }

  /**
   * Renames `name` to `toName` in `toDir`. `noReplace` fails with EEXIST
   * rather than replacing; `exchange` swaps the two atomically.
   */
  rename(name: Name, toDir: DirHandle, toName: Name, options: RenameOptions = {}): void {
    checkCall(RENAME, [name, toDir, toName], options);
    const c = native().constants;
    const flags = (options.noReplace ? c.RENAME_NOREPLACE : 0) | (options.exchange ? c.RENAME_EXCHANGE : 0);
    check(
      native().renameAt(this.fd, name, toDir.fd, toName, flags),
      'rename',
      joinDisplay(this.path, name),
      joinDisplay(toDir.path, toName),
    );
  }

  readlink(name: Name): Buffer {
    return check(native().readlinkAt(this.fd, name), 'readlink', joinDisplay(this.path, name));
  }

  /**
   * flock on this directory. Returns false when another open file
   * description holds a conflicting lock (with `wait: false`, the default).
   */
  lock(mode: 'shared' | 'exclusive', options: LockOptions = {}): boolean {
    checkCall(LOCK, [mode], options);
    return this.flock(mode, options.wait ?? false);
  }

  /**
   * Streams the entries (never "." or ".."), in batches of `batch`, from the
   * start of the directory.
   */
  *entries(batch = 1024): Generator<DirEntry> {
    const n = native();
    const reader = check(n.readdirOpen(this.fd), 'scandir', this.path);
    try {
      for (;;) {
        const b = check(n.readdirNext(reader, batch), 'scandir', this.path);
        if (b.names.length === 0) return;
        for (let i = 0; i < b.names.length; i++) yield { name: b.names[i]!, type: b.types[i]! };
      }
    } finally {
      n.readdirClose(reader);
    }
  }

  /**
   * Every file directly in this directory whose name does not start with
   * '.', in one native call: each is opened with O_NOFOLLOW|O_NONBLOCK (a
   * symlink or FIFO cannot trap us) and read only when fstat says it is a
   * regular file of at most `maxBytes`. Type and ownership rules are the
   * caller's, from mode and uid. The names and contents are views into two
   * shared buffers, not copies.
   */
  readSmallFiles(maxBytes: number): SmallFile[] {
    return decodeSmallFiles(check(native().readFilesAt(this.fd, maxBytes), 'scandir', this.path));
  }

  /**
   * lstat of many entries in one native call, reduced to type/mode, inode,
   * size and times.
   * Per-name failures (ENOENT, EINVAL for a name that is not one component)
   * are in each result's `errno`; only a failure of the whole call throws.
   */
  statMany(names: readonly Name[]): ShallowStat[] {
    return decodeStatNames(check(native().statNamesAt(this.fd, names), 'lstat', this.path));
  }

  /**
   * For each name, in one native call: lstat's type and inode, and for a
   * directory the content of its file `marker` (at most `maxBytes`), read
   * without following a symlink. `marker` is the content, or the negative
   * errno that kept it from being read (-ENOENT: no marker; -EINVAL: not a
   * small regular file; -ENOTDIR: the name is no directory).
   */
  probeMarkedDirs(names: readonly Name[], marker: Name, maxBytes: number): MarkedDir[] {
    return decodeMarkedDirs(check(native().probeMarkedDirsAt(this.fd, names, marker, maxBytes), 'open', this.path), maxBytes);
  }

  /** A second, independent handle on the same directory (shares locks' description). */
  dup(): DirHandle {
    return new DirHandle(check(native().dup(this.fd), 'dup', this.path), this.path);
  }
}

/**
 * chmod through a handle on a directory owned by the caller; anything else is
 * refused (PROTECTED_PATH): changing it could reach a file outside the tree
 * through a hard link. Not a method of DirHandle, whose public methods take
 * names only.
 */
export function chmodOwnDirectory(handle: DirHandle | PathHandle, mode: number): void {
  const st = handle.stat();
  if (!isDir(st) || !ownedByMe(st)) {
    throw new EphemdirError(ErrorCodes.PROTECTED_PATH, `refusing to chmod ${handle.path}: only directories owned by the caller are repaired`, {
      path: handle.path,
    });
  }
  check(native().fchmod(handle.fd, mode), 'chmod', handle.path);
}

/** An O_PATH anchor (Linux) on a directory or file: stat and chmod only. */
export class PathHandle extends OwnedFd {
  stat(): Stat {
    return this.fstat();
  }

  /**
   * chmod through the anchor, for directories owned by the caller only:
   * changing anything else could reach a file outside the tree through a
   * hard link.
   */
  chmodOwnDirectory(mode: number): void {
    chmodOwnDirectory(this, mode);
  }
}

// The arguments of the methods that take flags or options (see
// core/options.ts). A name that is not a single component is refused by the
// addon with EINVAL, as for every other method of the handle.
const openHandle = instance(DirHandle, 'an open DirHandle', (h) => !h.closed);
const name = nameValue();
const OPEN_DIR = signature('DirHandle.openDir', { name }, optionsOf<OpenDirOptions>({ noXdev: boolean() }));
const RENAME = signature(
  'DirHandle.rename',
  { name, toDir: openHandle, toName: name },
  optionsOf<RenameOptions>({ noReplace: boolean(), exchange: boolean() }),
);
const LOCK = signature('DirHandle.lock', { mode: oneOf('shared', 'exclusive') }, optionsOf<LockOptions>({ wait: boolean() }));

/** The DirHandle signatures, for the coverage test. */
export const DIR_HANDLE_SIGNATURES = [OPEN_DIR, RENAME, LOCK];
