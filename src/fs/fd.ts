// What every handle of this layer shares: one owned descriptor (always opened
// O_CLOEXEC by the addon), closed exactly once, and the native calls that
// work on any descriptor (fstat, flock, fsync). DirHandle, PathHandle and
// FileHandle build on it; nothing outside src/fs sees a raw fd it must close.
import * as os from 'node:os';
import { native, type NativeStat } from '../native/binding';
import { systemError } from '../errors';

export type Stat = NativeStat;

const EBADF = -os.constants.errno.EBADF;
const EWOULDBLOCK = -os.constants.errno.EWOULDBLOCK;

/** Throws a Node-shaped error when a native call returned a negative errno. */
export function check<T>(result: T | number, syscall: string, path?: string, dest?: string): T {
  if (typeof result === 'number' && result < 0) throw systemError(result, syscall, path, dest);
  return result as T;
}

export type LockMode = 'shared' | 'exclusive';

/** The file's identity: what decides "the same file", never its path. */
export interface Identity {
  dev: number;
  ino: number;
}

/** An owned descriptor; `path` is for messages only and never used for I/O. */
export abstract class OwnedFd implements Disposable {
  #fd: number;
  readonly path: string;

  /** Takes ownership of `fd`. */
  constructor(fd: number, path: string) {
    this.#fd = fd;
    this.path = path;
  }

  get fd(): number {
    if (this.#fd < 0) throw systemError(EBADF, 'fd', this.path); // used after close
    return this.#fd;
  }

  get closed(): boolean {
    return this.#fd < 0;
  }

  /** fstat of the open file. */
  protected fstat(): Stat {
    return check(native().statFd(this.fd), 'fstat', this.path);
  }

  /**
   * flock on the open file description. Returns false when another
   * description holds a conflicting lock and `wait` is false.
   */
  protected flock(mode: LockMode, wait: boolean): boolean {
    const c = native().constants;
    const r = native().flock(this.fd, (mode === 'shared' ? c.LOCK_SH : c.LOCK_EX) | (wait ? 0 : c.LOCK_NB));
    if (r === EWOULDBLOCK) return false;
    check(r, 'flock', this.path);
    return true;
  }

  /** Releases a flock taken on this description. */
  unlock(): void {
    check(native().flock(this.fd, native().constants.LOCK_UN), 'flock', this.path);
  }

  fsync(): void {
    check(native().fsync(this.fd), 'fsync', this.path);
  }

  /**
   * Gives up ownership of the fd without closing it (for callers that hand
   * the fd to something else).
   */
  release(): number {
    const fd = this.fd;
    this.#fd = -1;
    return fd;
  }

  /**
   * Closes the fd once; later calls do nothing. Returns 0 or the negative
   * errno of close(2), which is never retried: the fd is gone either way,
   * and a second close could hit a descriptor reused meanwhile.
   */
  protected closeOnce(): number {
    if (this.#fd < 0) return 0;
    const fd = this.#fd;
    this.#fd = -1;
    return native().close(fd);
  }

  /** Closes the fd (once; a failed close is not reported). */
  close(): void {
    this.closeOnce();
  }

  [Symbol.dispose](): void {
    this.closeOnce();
  }
}
