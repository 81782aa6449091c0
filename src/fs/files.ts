// Small files read and written through a directory handle: registry
// entries, markers, config. Reads refuse symlinks, FIFOs and oversized files
// and say which it was; writes are atomic, and "atomic" is written once, here:
// a fresh O_EXCL temp file, fsync, rename, directory fsync.
import * as fs from 'node:fs';
import type { Name } from '../native/binding';
import { EphemdirError, ErrorCodes, hasCode } from '../errors';
import { DirHandle, isRegular, joinDisplay, type Stat } from './dir-handle';
import type { FileHandle } from './file-handle';

/** Why {@link readFileAt} read nothing. */
export type ReadFailure = 'missing' | 'not-regular' | 'too-large' | 'unreadable';

/**
 * What {@link readFileAt} found. Every failure says why, with the error a
 * caller that gives up can throw as it is:
 * - `missing`: no such name;
 * - `not-regular`: a symlink (never followed), FIFO, socket, device or
 *   directory; `stat` describes it;
 * - `too-large`: over `maxBytes` (`size`: what fstat said, or more when it
 *   grew while read);
 * - `unreadable`: open or read failed otherwise (EACCES, EIO...); `stat` is
 *   the name's lstat when it could be taken.
 */
export type ReadFileResult =
  | { ok: true; data: Buffer; stat: Stat }
  | { ok: false; reason: 'missing'; error: Error }
  | { ok: false; reason: 'not-regular'; stat: Stat; error: Error }
  | { ok: false; reason: 'too-large'; stat: Stat; size: number; error: Error }
  | { ok: false; reason: 'unreadable'; stat: Stat | null; error: Error };

function refusal(display: string, why: string): EphemdirError {
  return new EphemdirError(ErrorCodes.INVALID_STATE, `refusing to read ${display}: ${why}`, { path: display });
}

/**
 * Reads a regular file of at most `maxBytes`. O_NONBLOCK keeps a planted FIFO
 * from hanging us; O_NOFOLLOW refuses a symlink. Never throws for what the
 * file is; only a closed `dir` throws.
 */
export function readFileAt(dir: DirHandle, name: Name, maxBytes: number): ReadFileResult {
  const display = joinDisplay(dir.path, name);
  let file: FileHandle;
  try {
    file = dir.openFile(name, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK, 0);
  } catch (err) {
    if (dir.closed) throw err;
    if (hasCode(err, 'ENOENT')) return { ok: false, reason: 'missing', error: err as Error };
    // Why the open failed (ELOOP: a symlink; ENXIO: a socket; EACCES...) is
    // said by what the name is, taken once here so that no caller re-stats.
    let st: Stat | null | undefined;
    try {
      st = dir.tryStat(name);
    } catch {
      st = undefined; // the reason stays the open's error
    }
    if (st === null) return { ok: false, reason: 'missing', error: err as Error }; // gone meanwhile
    if (st !== undefined && !isRegular(st)) return { ok: false, reason: 'not-regular', stat: st, error: err as Error };
    return { ok: false, reason: 'unreadable', stat: st ?? null, error: err as Error };
  }
  try {
    const r = file.readAll(maxBytes);
    if (r.ok) return r;
    if (r.reason === 'not-regular') return { ...r, error: refusal(display, 'not a regular file') };
    const why = r.size > r.stat.size ? `it grew over ${maxBytes} bytes` : `${r.size} bytes is over the ${maxBytes}-byte limit`;
    return { ...r, error: refusal(display, why) };
  } catch (err) {
    return { ok: false, reason: 'unreadable', stat: null, error: err as Error };
  } finally {
    file.close();
  }
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

export interface AtomicWriteOptions {
  mode?: number;
  /** fsync the file and the directory (default true). */
  durable?: boolean;
  /** Fail with EEXIST instead of replacing an existing file. */
  noReplace?: boolean;
  /**
   * The temp name to try (called again on EEXIST); default: hidden,
   * `.<name>.<pid>.<counter><clock>.tmp`.
   */
  tempName?: (name: string) => string;
}

const TEMP_ATTEMPTS = 8;

/**
 * A file written under a fresh temp name beside `name` and renamed into
 * place by {@link commit}: readers see the old content or the new, never
 * part of it. Disposing it without commit removes the temp file.
 */
export class AtomicFile implements Disposable {
  readonly #dir: DirHandle;
  readonly #name: string;
  readonly #tmp: string;
  readonly #options: AtomicWriteOptions;
  #done = false;
  /** The temp file, open for writing. */
  readonly file: FileHandle;

  /** Creates the temp file (O_EXCL; a few tries, as another process may hold the same name). */
  constructor(dir: DirHandle, name: string, options: AtomicWriteOptions = {}) {
    const make = options.tempName ?? tempName;
    for (let attempt = 0; ; attempt++) {
      const tmp = make(name);
      try {
        this.file = dir.openFile(tmp, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL, options.mode ?? 0o600);
        this.#tmp = tmp;
        break;
      } catch (err) {
        if (!hasCode(err, 'EEXIST') || attempt >= TEMP_ATTEMPTS) throw err;
      }
    }
    this.#dir = dir;
    this.#name = name;
    this.#options = options;
  }

  /**
   * fsync (when durable), close, rename over `name` (or EEXIST with
   * `noReplace`), and fsync the directory (when durable).
   */
  commit(): void {
    const durable = this.#options.durable ?? true;
    if (durable) this.file.fsync();
    this.file.close(); // once, whatever close says
    this.#dir.rename(this.#tmp, this.#dir, this.#name, { noReplace: this.#options.noReplace ?? false });
    this.#done = true;
    if (durable) this.#dir.fsync();
  }

  [Symbol.dispose](): void {
    this.file[Symbol.dispose]();
    if (this.#done) return;
    this.#done = true;
    try {
      this.#dir.unlink(this.#tmp);
    } catch {
      // best effort: a leftover temp file is named so that readers skip it
    }
  }
}

/** Replaces `name` in `dir` atomically with `data`. */
export function writeFileAtomic(dir: DirHandle, name: string, data: Buffer | string, options: AtomicWriteOptions = {}): void {
  using out = new AtomicFile(dir, name, options);
  out.file.write(data);
  out.commit();
}

/** Creates `name` exclusively (O_EXCL) with `data`; EEXIST if present. */
export function createFileExclusive(dir: DirHandle, name: Name, data: Buffer | string, options: { mode?: number; durable?: boolean } = {}): void {
  using file = dir.openFile(name, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL, options.mode ?? 0o600);
  file.write(data);
  if (options.durable ?? true) file.fsync();
}
