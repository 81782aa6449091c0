// Turning a raw descriptor (opened fd-relative, O_NOFOLLOW|O_EXCL) into a
// real fs.promises.FileHandle. Node cannot wrap an existing fd in a
// FileHandle, so the file is reopened through the descriptor's own magic link
// (/proc/self/fd/N on Linux, /dev/fd/N on macOS). That link names the open
// file itself, not a path another user could redirect; the result is still
// compared by device and inode with the descriptor before it is handed out.
import * as fs from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { EphemdirError, ErrorCodes } from '../errors';
import { native } from '../native/binding';

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
