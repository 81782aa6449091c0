// Small files read and written through a directory handle: registry
// entries, markers, config. Reads refuse symlinks, FIFOs and oversized files;
// writes are atomic (a fresh O_EXCL temp file, fsync, rename, directory fsync).
import * as fs from 'node:fs';
import { native, type Name } from '../native/binding';
import { EphemdirError, ErrorCodes, hasCode } from '../errors';
import { DirHandle, isRegular, joinDisplay, check, type Stat } from './dir-handle';

export interface ReadResult {
  data: Buffer;
  stat: Stat;
}

/**
 * Reads a regular file of at most `maxBytes`. O_NONBLOCK keeps a planted FIFO
 * from hanging us; O_NOFOLLOW refuses a symlink. Returns null if absent.
 */
export function readFileAt(dir: DirHandle, name: Name, maxBytes: number): ReadResult | null {
  const c = native().constants;
  let fd: number;
  try {
    fd = dir.openFile(name, c.O_RDONLY | c.O_NONBLOCK, 0);
  } catch (err) {
    if (hasCode(err, 'ENOENT')) return null;
    throw err;
  }
  try {
    const stat = check(native().statFd(fd), 'fstat', joinDisplay(dir.path, name));
    if (!isRegular(stat)) {
      throw new EphemdirError(ErrorCodes.INVALID_STATE, `refusing to read ${joinDisplay(dir.path, name)}: not a regular file`, {
        path: joinDisplay(dir.path, name),
      });
    }
    if (stat.size > maxBytes) {
      throw new EphemdirError(ErrorCodes.INVALID_STATE, `refusing to read ${joinDisplay(dir.path, name)}: ${stat.size} bytes is over the ${maxBytes}-byte limit`, {
        path: joinDisplay(dir.path, name),
      });
    }
    // One byte more than the file claims, to notice growth; never zero-filled.
    const buf = Buffer.allocUnsafe(Math.min(maxBytes + 1, Math.max(stat.size + 1, 64)));
    let len = 0;
    for (;;) {
      const n = fs.readSync(fd, buf, len, buf.length - len, null);
      if (n === 0) break;
      len += n;
      if (len > maxBytes) {
        throw new EphemdirError(ErrorCodes.INVALID_STATE, `refusing to read ${joinDisplay(dir.path, name)}: it grew over ${maxBytes} bytes`, {
          path: joinDisplay(dir.path, name),
        });
      }
      // What fstat reported is the whole file: ours are replaced by rename,
      // never grown in place, and the size cap was checked against it.
      if (len === buf.length || len >= stat.size) break;
    }
    return { data: buf.subarray(0, len), stat };
  } finally {
    native().close(fd);
  }
}

/** Writes all of `data` to a raw fd. */
export function writeAll(fd: number, data: Buffer): void {
  let off = 0;
  while (off < data.length) off += fs.writeSync(fd, data, off, data.length - off);
}

let tempCounter = 0;

/**
 * A temp name for `name`: unique per process (pid, a counter, the monotonic
 * clock), and created with O_EXCL, so a clash fails instead of sharing a
 * file. The leading '.' makes every reader of the folder skip it.
 */
function tempName(name: string): string {
  return `.${name}.${process.pid}.${(++tempCounter).toString(36)}${process.hrtime.bigint().toString(36)}.tmp`;
}

/** Opens a fresh temp file beside `name` (a few tries: another process may hold the same name). */
function openTemp(dir: DirHandle, name: string, mode: number): { fd: number; tmp: string } {
  const c = native().constants;
  for (let attempt = 0; ; attempt++) {
    const tmp = tempName(name);
    try {
      return { fd: dir.openFile(tmp, c.O_WRONLY | c.O_CREAT | c.O_EXCL, mode), tmp };
    } catch (err) {
      if (!hasCode(err, 'EEXIST') || attempt >= 8) throw err;
    }
  }
}

export interface AtomicWriteOptions {
  mode?: number;
  /** fsync the file and the directory (default true). */
  durable?: boolean;
  /** Fail with EEXIST instead of replacing an existing file. */
  noReplace?: boolean;
}

/** Replaces `name` in `dir` atomically with `data`. */
export function writeFileAtomic(dir: DirHandle, name: string, data: Buffer | string, options: AtomicWriteOptions = {}): void {
  const mode = options.mode ?? 0o600;
  const durable = options.durable ?? true;
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const { fd, tmp } = openTemp(dir, name, mode);
  let open = true;
  let renamed = false;
  try {
    writeAll(fd, bytes);
    if (durable) check(native().fsync(fd), 'fsync', joinDisplay(dir.path, tmp));
    open = false; // closed once, whatever close says: a second close could hit a reused fd
    check(native().close(fd), 'close', joinDisplay(dir.path, tmp));
    dir.rename(tmp, dir, name, { noReplace: options.noReplace ?? false });
    renamed = true;
    if (durable) dir.fsync();
  } finally {
    if (open) native().close(fd);
    if (!renamed) {
      try {
        dir.unlink(tmp);
      } catch {
        // best effort: a leftover temp file is named so that readers skip it
      }
    }
  }
}

/** Creates `name` exclusively (O_EXCL) with `data`; EEXIST if present. */
export function createFileExclusive(dir: DirHandle, name: Name, data: Buffer | string, options: { mode?: number; durable?: boolean } = {}): void {
  const c = native().constants;
  const fd = dir.openFile(name, c.O_WRONLY | c.O_CREAT | c.O_EXCL, options.mode ?? 0o600);
  try {
    writeAll(fd, typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
    if (options.durable ?? true) check(native().fsync(fd), 'fsync', joinDisplay(dir.path, name));
  } finally {
    native().close(fd);
  }
}
