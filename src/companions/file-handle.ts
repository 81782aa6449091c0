// Turning a raw descriptor (opened fd-relative, O_NOFOLLOW|O_EXCL) into a
// real fs.promises.FileHandle. Node cannot wrap an existing fd in a
// FileHandle, so the file is reopened through the descriptor's own magic link
// (/proc/self/fd/N on Linux, /dev/fd/N on macOS). That link names the open
// file itself, not a path another user could redirect; the result is still
// compared by device and inode with the descriptor before it is handed out.
import * as fs from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { EphemdirError, ErrorCodes, hasCode } from '../errors';
import { check, isRegular, joinDisplay, type DirHandle, type Stat } from '../fs/dir-handle';
import { native } from '../native/binding';
import { euid, ownedByMe } from '../core/trust';

/** A FileHandle that also carries the path it was created at. */
export type PathFileHandle = FileHandle & { readonly path: string };

function fdLink(fd: number): string {
  return process.platform === 'linux' ? `/proc/self/fd/${fd}` : `/dev/fd/${fd}`;
}

function mismatch(path: string): EphemdirError {
  return new EphemdirError(ErrorCodes.NOT_OURS, `reopening ${path} through its descriptor gave a different file`, { path });
}

// The raw fd came from the addon, not from node:fs, so it is closed through
// the addon too: Node tracks the fds it opened itself in worker threads and
// warns about closing any other.

/**
 * Reopens `fd` as an ordinary node:fs descriptor with `flags` (access mode and
 * O_APPEND only), then closes `fd`. The result is a descriptor node:fs opened,
 * so `fs.closeSync` and worker-thread fd tracking treat it as their own.
 */
export function adoptFdSync(fd: number, path: string, flags: number): number {
  let out = -1;
  try {
    const want = fs.fstatSync(fd, { bigint: true });
    out = fs.openSync(fdLink(fd), flags);
    const got = fs.fstatSync(out, { bigint: true });
    if (got.dev !== want.dev || got.ino !== want.ino) throw mismatch(path);
    return out;
  } catch (err) {
    if (out >= 0) fs.closeSync(out);
    throw err;
  } finally {
    native().close(fd);
  }
}

/**
 * Reopens `fd` as a FileHandle with `flags` (access mode and O_APPEND only:
 * no O_CREAT or O_TRUNC, those were applied when `fd` was opened), then
 * closes `fd`. `fd` is closed on failure too.
 */
export async function adoptFd(fd: number, path: string, flags: number): Promise<PathFileHandle> {
  let handle: FileHandle | undefined;
  try {
    const want = fs.fstatSync(fd, { bigint: true });
    handle = await fs.promises.open(fdLink(fd), flags);
    const got = await handle.stat({ bigint: true });
    if (got.dev !== want.dev || got.ino !== want.ino) throw mismatch(path);
    Object.defineProperty(handle, 'path', { value: path, enumerable: true });
    return handle as PathFileHandle;
  } catch (err) {
    await handle?.close().catch(() => undefined);
    throw err;
  } finally {
    native().close(fd);
  }
}

function kindOf(st: Stat): string {
  const fmt = st.mode & 0o170000;
  if (fmt === 0o010000) return 'a FIFO';
  if (fmt === 0o140000) return 'a socket';
  if (fmt === 0o020000 || fmt === 0o060000) return 'a device';
  if (fmt === 0o040000) return 'a directory';
  if (fmt === 0o120000) return 'a symlink';
  return 'not a regular file';
}

function refused(shown: string, why: string): EphemdirError {
  return new EphemdirError(ErrorCodes.NOT_OURS, `refusing to write to ${shown}: ${why}`, { path: shown });
}

/**
 * Opens `name` in `dir` for writing, creating it if missing, in a directory
 * other users may write to (a sticky, world-writable area): never follows
 * a symlink, never blocks (O_NONBLOCK: a planted FIFO cannot hang the
 * process), and refuses, before any byte is written or truncated, anything
 * that is not a regular file of the caller's with a single link. `flags`
 * must not hold O_TRUNC: `truncate` is applied only after the checks.
 * Returns the addon's raw fd.
 */
export function openOwnFileAt(dir: DirHandle, name: string, flags: number, mode: number, truncate: boolean): number {
  const c = native().constants;
  const shown = joinDisplay(dir.path, name);
  let fd: number;
  try {
    fd = dir.openFile(name, flags | c.O_NONBLOCK, mode);
  } catch (err) {
    // ENXIO: a FIFO with no reader (opened write-only) or a socket. EACCES
    // or EPERM: the kernel's own protection of sticky directories
    // (fs.protected_symlinks, fs.protected_regular) against another user's
    // entry. A symlink otherwise fails ELOOP (O_NOFOLLOW), passed on as is.
    if (hasCode(err, 'ENXIO', 'EACCES', 'EPERM')) {
      const st = dir.tryStat(name);
      if (st && (!ownedByMe(st) || !isRegular(st))) {
        throw refused(shown, `it is ${!ownedByMe(st) && isRegular(st) ? 'a file' : kindOf(st)} owned by uid ${st.uid}`);
      }
    }
    throw err;
  }
  try {
    const st = check(native().statFd(fd), 'fstat', shown);
    if (!isRegular(st)) throw refused(shown, `it is ${kindOf(st)}`);
    if (!ownedByMe(st)) throw refused(shown, `it is owned by uid ${st.uid}, not by uid ${euid()}`);
    if (st.nlink !== 1) throw refused(shown, `it has ${st.nlink} hard links`);
    if (truncate) fs.ftruncateSync(fd, 0);
    return fd;
  } catch (err) {
    native().close(fd);
    throw err;
  }
}
