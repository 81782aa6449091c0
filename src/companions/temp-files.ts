// Tracked temporary files in one private folder (duplicity's tempdir,
// rebuilt on ephemdir's fd primitives). The folder is created 0700 in the
// system temp directory; files are created in it through its fd with
// O_EXCL|O_NOFOLLOW|O_CLOEXEC, mode 0600. Every name handed out is tracked
// so that cleanup() can unlink exactly those files and then rmdir the folder:
// never a recursive delete, and it never throws.
//
// Threads: a TempFiles instance belongs to the thread that made it (it holds
// fds and a Set; JavaScript objects are not shared between workers). Each
// worker thread has its own module instance, hence its own default instance
// and its own folder; names carry the pid and threadId on top of a counter,
// so no name repeats in the process.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { threadId } from 'node:worker_threads';
import { EphemdirError, ErrorCodes, hasCode } from '../errors';
import { DirHandle, chmodOwnDirectory, isDir, joinDisplay, type FileHandle } from '../fs/dir-handle';
import { openDirectory } from '../fs/walk';
import { directoryArgument, type PathLike } from '../fs/tree-path';
import { validatePrefix } from '../core/validate';
import { checkCall } from '../core/options';
import { TEMP_FILES, TEMP_FILES_FORGET } from './signatures';
import { adoptFd, type PathFileHandle } from './file-handle';
import { ownedByMe } from '../core/trust';

/** Options of `new TempFiles()`. */
export interface TempFilesOptions {
  /** Where the folder is created (absolute). Default: `os.tmpdir()`. */
  root?: PathLike;
  /** Start of the folder's name; default `ephemdir-files-`. */
  prefix?: string;
}

/** A file or folder {@link TempFiles.cleanup} could not remove, with the error. */
export interface TempFilesFailure {
  path: string;
  error: unknown;
}

/** What {@link TempFiles.cleanup} did; it never throws, failures are listed here. */
export interface TempFilesCleanup {
  /** Tracked files that were unlinked. */
  removed: string[];
  /** What could not be removed, and why (cleanup never throws). */
  failed: TempFilesFailure[];
  /**
   * `removed`: the folder is gone. `kept`: it could not be removed (see
   * `failed`, e.g. ENOTEMPTY because of untracked files). `missing`: it was
   * already gone or replaced (a replacement is left alone and listed in
   * `failed`). `not-open`: cleanup had already run.
   */
  folder: 'removed' | 'kept' | 'missing' | 'not-open';
}

let counter = 0;

/** A name never returned before in this process: pid, thread, counter, randomness. */
function freshName(): string {
  counter += 1;
  return `tmp-${process.pid}-${threadId}-${counter.toString(36)}-${crypto.randomBytes(4).toString('hex')}`;
}

const MAX_ATTEMPTS = 16;

/** One private folder of tracked temporary files. */
export class TempFiles {
  #parent: DirHandle | null;
  #folder: DirHandle | null;
  readonly #folderName: string;
  readonly #identity: { dev: number; ino: number };
  readonly #path: string;
  readonly #tracked = new Set<string>();

  /** Creates the folder now (mode 0700). Failures are thrown. */
  constructor(options: TempFilesOptions = {}) {
    checkCall(TEMP_FILES, [], options);
    const prefix = options.prefix === undefined ? 'ephemdir-files-' : validatePrefix(options.prefix);
    const root = options.root === undefined ? os.tmpdir() : directoryArgument(options.root, 'root');
    const parent = openDirectory(root, { trust: 'chain', final: 'parent' });
    try {
      let name = '';
      for (let attempt = 0; ; attempt++) {
        name = `${prefix}${crypto.randomBytes(8).toString('hex')}`;
        try {
          parent.mkdir(name, 0o700);
          break;
        } catch (err) {
          if (hasCode(err, 'EEXIST') && attempt < MAX_ATTEMPTS) continue;
          throw err;
        }
      }
      const folder = parent.openDir(name);
      try {
        const st = folder.stat();
        if (!isDir(st) || !ownedByMe(st)) {
          throw new EphemdirError(ErrorCodes.NOT_OURS, `the folder just created at ${folder.path} is not ours`, { path: folder.path });
        }
        // The umask may have taken bits away; the folder is exactly 0700.
        if ((st.mode & 0o7777) !== 0o700) {
          try {
            chmodOwnDirectory(folder, 0o700);
          } catch {
            throw new EphemdirError(ErrorCodes.INVALID_STATE, `cannot make ${folder.path} mode 0700`, { path: folder.path });
          }
        }
        this.#identity = { dev: st.dev, ino: st.ino };
      } catch (err) {
        folder.close();
        try {
          parent.rmdir(name);
        } catch {
          // leave it: it is empty and ours, or not ours at all
        }
        throw err;
      }
      this.#parent = parent;
      this.#folder = folder;
      this.#folderName = name;
      this.#path = folder.path;
    } catch (err) {
      parent.close();
      throw err;
    }
  }

  /** Absolute path of the folder. */
  dir(): string {
    return this.#path;
  }

  /** True once cleanup() has run. */
  get closed(): boolean {
    return this.#folder === null;
  }

  /** Number of names currently tracked. */
  get size(): number {
    return this.#tracked.size;
  }

  #open(): DirHandle {
    if (this.#folder === null) {
      throw new EphemdirError(ErrorCodes.INVALID_STATE, `the temporary folder ${this.#path} was already cleaned up`, { path: this.#path });
    }
    return this.#folder;
  }

  /**
   * A path in the folder that no call in this process returned before. The
   * file is not created, only tracked for cleanup. Prefer {@link mkstemp}.
   */
  mktemp(): string {
    this.#open();
    const name = freshName();
    this.#tracked.add(name);
    return joinDisplay(this.#path, name);
  }

  /**
   * Creates a new file (O_RDWR|O_CREAT|O_EXCL|O_NOFOLLOW|O_CLOEXEC, mode
   * 0600) and returns its raw fd and path. The caller closes the fd
   * (`fs.closeSync(fd)`); the file is tracked for cleanup.
   */
  mkstemp(): { fd: number; path: string } {
    const file = this.#create();
    return { fd: file.adoptSync(fs.constants.O_RDWR), path: file.path };
  }

  /** Creates and tracks a new file. */
  #create(): FileHandle {
    const folder = this.#open();
    for (let attempt = 0; ; attempt++) {
      const name = freshName();
      let file: FileHandle;
      try {
        file = folder.openFile(name, fs.constants.O_RDWR | fs.constants.O_CREAT | fs.constants.O_EXCL, 0o600);
      } catch (err) {
        if (hasCode(err, 'EEXIST') && attempt < MAX_ATTEMPTS) continue;
        throw err;
      }
      this.#tracked.add(name);
      try {
        // The umask may have taken bits away; the file is exactly 0600.
        if ((file.stat().mode & 0o7777) !== 0o600) file.chmod(0o600);
      } catch (err) {
        file[Symbol.dispose]();
        throw err;
      }
      return file;
    }
  }

  /**
   * Like {@link mkstemp}, but resolves to an `fs.promises.FileHandle` (open
   * for reading and writing) with a `path` property. See the documentation for
   * how the descriptor becomes a FileHandle.
   */
  async mkstempFile(): Promise<PathFileHandle> {
    const file = this.#create();
    const path = file.path;
    const handle = await adoptFd(file, fs.constants.O_RDWR);
    if (this.closed) {
      // cleanup() ran while we were reopening: the file is unlinked already.
      await handle.close();
      throw new EphemdirError(ErrorCodes.INVALID_STATE, `the temporary folder ${this.#path} was cleaned up meanwhile`, { path });
    }
    return handle;
  }

  /**
   * Stops tracking `path` (call it after deleting the file yourself). Returns
   * whether it was tracked.
   */
  forget(path: string): boolean {
    checkCall(TEMP_FILES_FORGET, [path]);
    const prefix = this.#path === '/' ? '/' : `${this.#path}/`;
    if (!path.startsWith(prefix)) return false;
    return this.#tracked.delete(path.slice(prefix.length));
  }

  /**
   * Unlinks every tracked file through the folder's fd (a file already gone
   * is fine), then removes the folder if it is empty. Never recursive, never
   * throws: what failed is returned. Later calls do nothing.
   */
  cleanup(): TempFilesCleanup {
    const result: TempFilesCleanup = { removed: [], failed: [], folder: 'not-open' };
    const folder = this.#folder;
    const parent = this.#parent;
    if (folder === null || parent === null) return result;
    this.#folder = null;
    this.#parent = null;
    try {
      for (const name of this.#tracked) {
        const path = joinDisplay(this.#path, name);
        try {
          folder.unlink(name);
          result.removed.push(path);
        } catch (err) {
          if (!hasCode(err, 'ENOENT')) result.failed.push({ path, error: err });
        }
      }
      this.#tracked.clear();
      result.folder = this.#removeFolder(parent, result);
    } catch (err) {
      // Defensive: nothing above should throw, but cleanup must not.
      result.failed.push({ path: this.#path, error: err });
      result.folder = 'kept';
    } finally {
      folder.close();
      parent.close();
    }
    return result;
  }

  #removeFolder(parent: DirHandle, result: TempFilesCleanup): TempFilesCleanup['folder'] {
    let st;
    try {
      st = parent.tryStat(this.#folderName);
    } catch (err) {
      result.failed.push({ path: this.#path, error: err });
      return 'kept';
    }
    if (st === null) return 'missing';
    if (st.dev !== this.#identity.dev || st.ino !== this.#identity.ino) {
      result.failed.push({
        path: this.#path,
        error: new EphemdirError(ErrorCodes.NOT_OURS, `${this.#path} is no longer the folder TempFiles created; left alone`, { path: this.#path }),
      });
      return 'missing';
    }
    try {
      parent.rmdir(this.#folderName);
      return 'removed';
    } catch (err) {
      if (hasCode(err, 'ENOENT')) return 'missing';
      result.failed.push({ path: this.#path, error: err });
      return 'kept';
    }
  }
}

let defaultInstance: TempFiles | null = null;
let exitHookInstalled = false;

/**
 * The default instance of this thread, created on first use (and again after
 * its cleanup). Creation failures are thrown. It is cleaned up when the
 * process (or worker thread) exits.
 */
export function defaultTempFiles(): TempFiles {
  if (defaultInstance === null || defaultInstance.closed) {
    defaultInstance = new TempFiles();
    if (!exitHookInstalled) {
      exitHookInstalled = true;
      process.on('exit', () => {
        defaultInstance?.cleanup();
      });
    }
  }
  return defaultInstance;
}
