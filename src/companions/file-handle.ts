// Files the companions hand to their callers: opened fd-relative
// (O_NOFOLLOW, O_CLOEXEC) through src/fs, then handed out as an ordinary
// fs.promises.FileHandle (see FileHandle.adopt in src/fs/file-handle.ts for
// how a descriptor is reopened and checked to be the same file).
import * as fs from 'node:fs';
import type { FileHandle as NodeFileHandle } from 'node:fs/promises';
import { EphemdirError, ErrorCodes, hasCode } from '../errors';
import { isRegular, joinDisplay, type DirHandle, type FileHandle, type Stat } from '../fs/dir-handle';
import { euid, ownedByMe } from '../core/trust';

/** A FileHandle that also carries the path it was created at. */
export type PathFileHandle = NodeFileHandle & { readonly path: string };

/**
 * Reopens `file` as a FileHandle with `flags` (access mode and O_APPEND
 * only: no O_CREAT or O_TRUNC, those were applied when `file` was opened),
 * with its path as `path`, then closes `file` (on failure too).
 */
export async function adoptFd(file: FileHandle, flags: number): Promise<PathFileHandle> {
  const path = file.path;
  const handle = await file.adopt(flags);
  Object.defineProperty(handle, 'path', { value: path, enumerable: true });
  return handle as PathFileHandle;
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
 * Returns the open file.
 */
export function openOwnFileAt(dir: DirHandle, name: string, flags: number, mode: number, truncate: boolean): FileHandle {
  const shown = joinDisplay(dir.path, name);
  let file: FileHandle;
  try {
    file = dir.openFile(name, flags | fs.constants.O_NONBLOCK, mode);
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
    const st = file.stat();
    if (!isRegular(st)) throw refused(shown, `it is ${kindOf(st)}`);
    if (!ownedByMe(st)) throw refused(shown, `it is owned by uid ${st.uid}, not by uid ${euid()}`);
    if (st.nlink !== 1) throw refused(shown, `it has ${st.nlink} hard links`);
    if (truncate) file.truncate(0);
    return file;
  } catch (err) {
    file[Symbol.dispose]();
    throw err;
  }
}
