// An open file, made by DirHandle.openFile (fd-relative, O_NOFOLLOW and
// O_CLOEXEC always). It owns its descriptor: closed once, by close() or
// `using`. The layers above read, write, lock and fsync through it and never
// touch the raw fd or the addon.
import * as fs from 'node:fs';
import { promisify } from 'node:util';
import type { FileHandle as NodeFileHandle } from 'node:fs/promises';
import { native } from '../native/binding';
import { EphemdirError, ErrorCodes } from '../errors';
import { OwnedFd, check, type Identity, type LockMode, type Stat } from './fd';
import { requirePlatform, type Platform } from '../core/platform';

/** Where each platform lists this process's descriptors as links to the open files. */
const FD_LINKS: Record<Platform, string> = { linux: '/proc/self/fd', darwin: '/dev/fd' };

const readAsync = promisify(fs.read);
const writeAsync = promisify(fs.write);

/** What {@link FileHandle.readAll} found. */
export type ReadAllResult =
  | { ok: true; data: Buffer; stat: Stat }
  | { ok: false; reason: 'not-regular'; stat: Stat }
  /** `size`: what fstat said, or more when the file grew while read. */
  | { ok: false; reason: 'too-large'; stat: Stat; size: number };

function isRegularMode(mode: number): boolean {
  return (mode & 0o170000) === 0o100000;
}

// The descriptor's own magic link names the open file itself, not a path
// another user could redirect.
function fdLink(fd: number): string {
  return `${FD_LINKS[requirePlatform()]}/${fd}`;
}

export class FileHandle extends OwnedFd {
  /** fstat of the open file. */
  stat(): Stat {
    return this.fstat();
  }

  /** Device and inode of the open file. */
  identity(): Identity {
    const st = this.fstat();
    return { dev: st.dev, ino: st.ino };
  }

  /**
   * The whole content, when fstat says it is a regular file of at most
   * `maxBytes`. Reads one byte more than fstat claims, to notice growth;
   * the buffer is never zero-filled, only what was read is returned.
   */
  readAll(maxBytes: number): ReadAllResult {
    const stat = this.fstat();
    if (!isRegularMode(stat.mode)) return { ok: false, reason: 'not-regular', stat };
    if (stat.size > maxBytes) return { ok: false, reason: 'too-large', stat, size: stat.size };
    const buf = Buffer.allocUnsafe(Math.min(maxBytes + 1, Math.max(stat.size + 1, 64)));
    let len = 0;
    for (;;) {
      const n = fs.readSync(this.fd, buf, len, buf.length - len, null);
      if (n === 0) break;
      len += n;
      if (len > maxBytes) return { ok: false, reason: 'too-large', stat, size: len };
      // What fstat reported is the whole file: ours are replaced by rename,
      // never grown in place, and the size cap was checked against it.
      if (len === buf.length || len >= stat.size) break;
    }
    return { ok: true, data: buf.subarray(0, len), stat };
  }

  /** Reads up to `length` bytes at the current offset into `buffer` (on the thread pool); 0 at the end. */
  async readChunk(buffer: Buffer, offset = 0, length = buffer.length - offset): Promise<number> {
    return (await readAsync(this.fd, buffer, offset, length, null)).bytesRead;
  }

  /** Writes all of `data` at the current offset. */
  write(data: Buffer | string): void {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let off = 0;
    while (off < bytes.length) off += fs.writeSync(this.fd, bytes, off, bytes.length - off);
  }

  /** Writes all of `data` at byte `position` (pwrite: the file offset does not move). */
  writeAt(data: Buffer | string, position: number): void {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let off = 0;
    while (off < bytes.length) off += fs.writeSync(this.fd, bytes, off, bytes.length - off, position + off);
  }

  /** Writes all of `buffer[offset, offset + length)` at the current offset (on the thread pool). */
  async writeChunk(buffer: Buffer, offset = 0, length = buffer.length - offset): Promise<void> {
    const end = offset + length;
    while (offset < end) offset += (await writeAsync(this.fd, buffer, offset, end - offset, null)).bytesWritten;
  }

  truncate(length = 0): void {
    fs.ftruncateSync(this.fd, length);
  }

  /** Sets access and modification times (seconds since the epoch). */
  setTimes(atime: number, mtime: number): void {
    fs.futimesSync(this.fd, atime, mtime);
  }

  /** chmod of the open file (one the caller just created: the umask may have taken bits away). */
  chmod(mode: number): void {
    check(native().fchmod(this.fd, mode), 'chmod', this.path);
  }

  /**
   * flock on this open file description. Returns false when another
   * description holds a conflicting lock and `wait` is false (the default).
   * The lock goes with the description: closing the handle releases it.
   */
  lock(mode: LockMode, options: { wait?: boolean } = {}): boolean {
    return this.flock(mode, options.wait ?? false);
  }

  /**
   * Closes the descriptor, once. Throws a Node-shaped error when close(2)
   * reports one (a deferred write error on some file systems); the
   * descriptor is gone either way.
   */
  override close(): void {
    check(this.closeOnce(), 'close', this.path);
  }

  /**
   * Reopens the file as a descriptor node:fs opened itself, with `flags`
   * (access mode and O_APPEND only: creation and truncation were applied
   * when this handle was opened), and closes this handle. Node cannot wrap
   * a foreign fd, so the file is reopened through the descriptor's own magic
   * link (/proc/self/fd/N, /dev/fd/N); the result is compared by device and
   * inode with this handle before it is returned. Node tracks the fds it
   * opened in worker threads, so `fs.closeSync` on the result is safe.
   */
  adoptSync(flags: number): number {
    let out = -1;
    try {
      const want = fs.fstatSync(this.fd, { bigint: true });
      out = fs.openSync(fdLink(this.fd), flags);
      const got = fs.fstatSync(out, { bigint: true });
      if (got.dev !== want.dev || got.ino !== want.ino) throw this.#mismatch();
      return out;
    } catch (err) {
      if (out >= 0) fs.closeSync(out);
      throw err;
    } finally {
      this.closeOnce();
    }
  }

  /** Like {@link adoptSync}, giving an `fs.promises.FileHandle`. This handle is closed on failure too. */
  async adopt(flags: number): Promise<NodeFileHandle> {
    let handle: NodeFileHandle | undefined;
    try {
      const want = fs.fstatSync(this.fd, { bigint: true });
      handle = await fs.promises.open(fdLink(this.fd), flags);
      const got = await handle.stat({ bigint: true });
      if (got.dev !== want.dev || got.ino !== want.ino) throw this.#mismatch();
      return handle;
    } catch (err) {
      await handle?.close().catch(() => undefined);
      throw err;
    } finally {
      this.closeOnce();
    }
  }

  #mismatch(): EphemdirError {
    return new EphemdirError(ErrorCodes.NOT_OURS, `reopening ${this.path} through its descriptor gave a different file`, { path: this.path });
  }
}
