// The typed surface of the native addon. Sync functions return their result
// or a negative errno (a plain number); callers in src/fs turn that into a
// Node-shaped error. Nothing here decides policy. Every function checks its
// arguments before any syscall (native/args.h): a wrong type throws a
// TypeError (code ERR_INVALID_ARG_TYPE), a number out of range or not an
// integer (an fd below 0, a mode above 0o7777) a RangeError
// (ERR_OUT_OF_RANGE); a name holding a NUL byte answers -EINVAL, as a name
// that is not one component does.
import { loadNative } from './loader';
import type { Platform } from '../core/platform';

export interface NativeStat {
  dev: number;
  ino: number;
  mode: number;
  uid: number;
  gid: number;
  nlink: number;
  size: number;
  blocks: number;
  atimeMs: number;
  mtimeMs: number;
  ctimeMs: number;
  birthtimeMs: number | null;
  /** Mount id from statx (unique on Linux >= 6.8) or fdinfo; null when unknown. */
  mntId: number | null;
  mntIdUnique: boolean;
  /** STATX_ATTR_MOUNT_ROOT when the kernel reports it. */
  mountRoot: boolean | null;
}

/** Which kernel features the native addon found and uses (openat2, statx, mount ids, ...), as {@link capabilities} reports them. */
export interface Capabilities {
  platform: Platform;
  openat2: boolean;
  statx: boolean;
  mountId: boolean;
  mountIdUnique: boolean;
  mountIdFdinfo: boolean;
  renameNoReplace: boolean;
  fchmodat2: boolean;
  oPath: boolean;
  noFollowAny: boolean;
}

export type Name = string | Buffer;
/** Negative errno. */
export type Errno = number;
export interface ReaddirBatch {
  names: Buffer[];
  types: number[];
}
declare const readerBrand: unique symbol;
export type ReaderHandle = { readonly [readerBrand]: true };

export interface NativeConstants {
  O_RDONLY: number; O_WRONLY: number; O_RDWR: number; O_CREAT: number; O_EXCL: number;
  O_TRUNC: number; O_APPEND: number; O_NONBLOCK: number; O_DIRECTORY: number;
  O_NOFOLLOW: number; O_CLOEXEC: number;
  LOCK_SH: number; LOCK_EX: number; LOCK_UN: number; LOCK_NB: number;
  DT_UNKNOWN: number; DT_FIFO: number; DT_CHR: number; DT_DIR: number; DT_BLK: number;
  DT_REG: number; DT_LNK: number; DT_SOCK: number;
  S_IFMT: number; S_IFDIR: number; S_IFREG: number; S_IFLNK: number; S_IFIFO: number;
  S_IFSOCK: number; S_IFCHR: number; S_IFBLK: number; S_ISVTX: number;
  AT_FDCWD: number;
  RENAME_NOREPLACE: number; RENAME_EXCHANGE: number;
}

export interface NativeFs {
  stamp: string;
  constants: NativeConstants;
  capabilities(): Capabilities;
  openRoot(): number | Errno;
  openDirAt(dirfd: number, name: Name, noXdev: boolean): number | Errno;
  openPathAt(dirfd: number, name: Name, directory: boolean): number | Errno;
  openAt(dirfd: number, name: Name, flags: number, mode: number): number | Errno;
  statAt(dirfd: number, name: Name): NativeStat | Errno;
  statFd(fd: number): NativeStat | Errno;
  mountId(fd: number): { id: number; unique: boolean } | Errno;
  unlinkAt(dirfd: number, name: Name, isDir: boolean): 0 | Errno;
  mkdirAt(dirfd: number, name: Name, mode: number): 0 | Errno;
  renameAt(olddir: number, oldname: Name, newdir: number, newname: Name, flags: number): 0 | Errno;
  flock(fd: number, op: number): 0 | Errno;
  fsync(fd: number): 0 | Errno;
  close(fd: number): 0 | Errno;
  fchmod(fd: number, mode: number): 0 | Errno;
  dup(fd: number): number | Errno;
  readlinkAt(dirfd: number, name: Name): Buffer | Errno;
  readdirOpen(fd: number): ReaderHandle | Errno;
  readdirNext(reader: ReaderHandle, max: number): ReaddirBatch | Errno;
  readdirClose(reader: ReaderHandle): 0 | Errno;
  /**
   * Every regular file of at most maxBytes directly in dirfd (names starting
   * with '.' skipped), opened with O_NOFOLLOW|O_NONBLOCK, packed: see
   * SmallFilesPacked; decode with decodeSmallFiles (packed.ts).
   */
  readFilesAt(dirfd: number, maxBytes: number): SmallFilesPacked | Errno;
  /**
   * lstat (never follows) of each name under dirfd: one `layouts.statNames`
   * record per name, errno (0 or negative), mode, ino, size, mtimeMs,
   * ctimeMs (all 0 on error; converted exactly as statAt's are). A name that
   * is not a single component (or holds a NUL) gives -EINVAL in its slot; a
   * dirfd that is not an open directory (EBADF, ENOTDIR) fails the whole
   * call. Decode with decodeStatNames (packed.ts).
   */
  statNamesAt(dirfd: number, names: readonly Name[]): Float64Array | Errno;
  /**
   * Per name under dirfd, whether it is a directory and what marker file
   * (at most maxBytes, 1 to 4096) it holds: one `layouts.markedDirs` record
   * per name in `meta` (errno; mode and ino, lstat semantics; the marker's
   * length or a negative errno) and the marker's bytes at
   * markers[i * (maxBytes + 1)]. Never follows a symlink. Decode with
   * decodeMarkedDirs (packed.ts).
   */
  probeMarkedDirsAt(dirfd: number, names: readonly Name[], marker: Name, maxBytes: number): { meta: Float64Array; markers: Buffer } | Errno;
  /** Where each field of a packed record sits (native/packed.h). */
  layouts: PackedLayouts;
}

/** A packed record layout: `stride` numbers per record, each field at its slot. */
export type PackedLayout<Field extends string> = { readonly stride: number } & { readonly [F in Field]: number };

/** The addon's `layouts` export: one per batch call. */
export interface PackedLayouts {
  smallFiles: PackedLayout<'nameStart' | 'nameEnd' | 'dataStart' | 'dataEnd' | 'mode' | 'uid' | 'size' | 'errno' | 'ino' | 'mtimeMs' | 'ctimeMs'>;
  statNames: PackedLayout<'errno' | 'mode' | 'ino' | 'size' | 'mtimeMs' | 'ctimeMs'>;
  markedDirs: PackedLayout<'errno' | 'mode' | 'ino' | 'marker'>;
}

/**
 * readFilesAt's packed result: a fixed number of JS values per directory,
 * not per file. File i is the `layouts.smallFiles` record at
 * meta[stride * i ...]:
 *
 *   nameStart, nameEnd   its name is names[nameStart, nameEnd)
 *   dataStart, dataEnd   its content is data[dataStart, dataEnd); both -1
 *                        when not read (errno set, not a regular file, or
 *                        over maxBytes)
 *   mode, uid, size      from fstat of the opened file; 0 when errno is set
 *   errno                0, or the negative errno of the open/fstat/read
 *                        (-ELOOP for a symlink, which is never followed)
 *   ino, mtimeMs,        from the same fstat (0 when errno is set),
 *   ctimeMs              converted exactly as statAt's are
 *
 * A regular file that grew while read has size + 1 bytes of content, so a
 * caller comparing the two sees the mismatch.
 */
export interface SmallFilesPacked {
  /** Every name, concatenated (raw bytes, '.'-names skipped). */
  names: Buffer;
  /** Every content read, concatenated. */
  data: Buffer;
  /** One record per file, as above. */
  meta: Float64Array;
}

let cached: NativeFs | undefined;

/** The loaded addon; loads it on first use so that importing is cheap. */
export function native(): NativeFs {
  cached ??= loadNative<NativeFs>();
  return cached;
}

/** What this kernel gave us: for `doctor` and for tests that say which path ran. */
export function capabilities(): Capabilities {
  return native().capabilities();
}
