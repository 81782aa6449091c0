// tempman, rebuilt on ephemdir's fd primitives: temporary directories that
// are removed by `close()` (or `using` / `await using`), and a `Root` whose
// old subdirectories are cleaned up by age.
//
// A TemporaryDirectory keeps its parent directory open and remembers the
// device and inode of the directory it created. Removal goes through the
// deletion engine relative to that parent fd, with that identity expected:
// a directory someone renamed away and replaced is refused, never deleted.
import * as crypto from 'node:crypto';
import * as os from 'node:os';
import { EphemdirError, ErrorCodes, hasCode, invalidArgument } from '../errors';
import { DirHandle, isDir, joinDisplay, type Stat } from '../fs/dir-handle';
import { normalizeAbsolute, openDirectory } from '../fs/walk';
import { directoryArgument, type PathLike } from '../fs/tree-path';
import { removeTreeAtSteps } from '../fs/remove-tree';
import { scanTreeSteps, type ScanTreeResult } from '../fs/scan-tree';
import { runAsync, runSync, type Steps } from '../core/steps';
import {
  TREE_AGE_SCAN,
  candidates,
  ready,
  recordFailure,
  settleRemoval,
  treeIsOld,
  type AgeBy,
  type CleanupReport,
} from './tempman-cleanup';

export type { AgeBy, CleanupReport, SkippedEntry, SkipReason } from './tempman-cleanup';
import { parseDuration } from '../core/duration';
import { validatePrefix } from '../core/validate';
import { checkCall } from '../core/options';
import { CREATE_TEMP_DIR, ROOT, ROOT_CONSTRUCTOR } from './signatures';
import { ownedByMe } from '../core/trust';

/** Options of {@link createTempDir} (and of `withTempDir`). */
export interface CreateTempDirOptions {
  /** Parent directory (absolute). Default: `os.tmpdir()`. It must exist. */
  dir?: PathLike;
  /** Start of the directory's name; default `tmp-`. */
  prefix?: string;
}

interface Identity {
  dev: number;
  ino: number;
}

// A TemporaryDirectory that is dropped without close() must not leak its
// parent's fd. The directory itself is left in place (only close() deletes).
// The handle, held here, does not point back at its TemporaryDirectory.
const fdRegistry = new FinalizationRegistry<DirHandle>((parent) => {
  parent.close();
});

const MAX_NAME_ATTEMPTS = 16;

/** Makes a fresh 0700 directory in `parent`; the caller owns `parent` from here on. */
function makeIn(parent: DirHandle, prefix: string): TemporaryDirectory {
  for (let attempt = 0; ; attempt++) {
    const name = `${prefix}${crypto.randomBytes(8).toString('hex')}`;
    try {
      parent.mkdir(name, 0o700);
    } catch (err) {
      if (hasCode(err, 'EEXIST') && attempt < MAX_NAME_ATTEMPTS) continue;
      throw err;
    }
    let st: Stat;
    {
      using dir = parent.openDir(name);
      st = dir.stat();
    }
    if (!isDir(st) || !ownedByMe(st)) {
      throw new EphemdirError(ErrorCodes.NOT_OURS, `the directory just created at ${joinDisplay(parent.path, name)} is not ours`, {
        path: joinDisplay(parent.path, name),
      });
    }
    return new TemporaryDirectory(parent, name, { dev: st.dev, ino: st.ino });
  }
}

/**
 * A temporary directory that is removed, with everything in it, by
 * `close()` / `closeSync()` or at the end of a `using` / `await using` block.
 * Made by {@link createTempDir} or {@link Root.createTempDir}.
 */
export class TemporaryDirectory implements Disposable, AsyncDisposable {
  /** Absolute path of the directory. */
  readonly path: string;
  #parent: DirHandle | null;
  readonly #name: string;
  readonly #identity: Identity;
  #pending: Promise<void> | null = null;

  /** @internal Use {@link createTempDir}. Takes ownership of `parent`. */
  constructor(parent: DirHandle, name: string, identity: Identity) {
    this.#parent = parent;
    this.#name = name;
    this.#identity = identity;
    this.path = joinDisplay(parent.path, name);
    fdRegistry.register(this, parent, this);
  }

  /** True once the directory was removed (or found gone or replaced). */
  get closed(): boolean {
    return this.#parent === null;
  }

  /**
   * Removes the directory and everything in it. A second call does nothing;
   * concurrent calls share one removal. A directory that is already gone
   * counts as removed. If the name now holds a different directory (renamed
   * away and replaced by someone else), that directory is left alone, the
   * call rejects with `EPHEMDIR_NOT_OURS`, and the instance counts as closed.
   * Any other failure (e.g. `EPHEMDIR_INCOMPLETE`) rejects and leaves the
   * instance open so that `close()` can be retried.
   */
  close(): Promise<void> {
    if (this.#parent === null) return Promise.resolve();
    if (this.#pending) return this.#pending;
    this.#pending = runAsync(this.#closing(this.#parent)).finally(() => {
      this.#pending = null;
    });
    return this.#pending;
  }

  /** Synchronous {@link close}. */
  closeSync(): void {
    if (this.#parent === null) return;
    if (this.#pending) {
      throw new EphemdirError(ErrorCodes.INVALID_STATE, `${this.path} is already being removed by close()`, { path: this.path });
    }
    runSync(this.#closing(this.#parent));
  }

  /** close() and closeSync(): remove the directory we made, if it is still the one. */
  *#closing(parent: DirHandle): Steps<void> {
    try {
      yield* removeTreeAtSteps(parent, this.#name, { expect: this.#identity });
    } catch (err) {
      this.#settleFailure(err);
      return;
    }
    this.#finish();
  }

  #settleFailure(err: unknown): void {
    if (hasCode(err, 'ENOENT')) {
      this.#finish();
      return;
    }
    if (hasCode(err, ErrorCodes.NOT_OURS)) this.#finish();
    throw err;
  }

  #finish(): void {
    const parent = this.#parent;
    this.#parent = null;
    if (parent) {
      fdRegistry.unregister(this);
      parent.close();
    }
  }

  [Symbol.dispose](): void {
    this.closeSync();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/**
 * Creates a temporary directory (mode 0700) under `options.dir` (default
 * `os.tmpdir()`). The parent is opened without following symlinks and must be
 * yours or root-owned and sticky, like /tmp.
 */
export function createTempDir(options: CreateTempDirOptions = {}): TemporaryDirectory {
  checkCall(CREATE_TEMP_DIR, [], options);
  const prefix = options.prefix === undefined ? 'tmp-' : validatePrefix(options.prefix);
  const dir = options.dir === undefined ? os.tmpdir() : directoryArgument(options.dir, 'dir');
  const parent = openDirectory(dir, { trust: 'chain', final: 'parent' });
  try {
    return makeIn(parent, prefix);
  } catch (err) {
    parent.close();
    throw err;
  }
}

/** Options of {@link root} and `new Root()`. */
export interface RootOptions {
  /**
   * Age after which a subdirectory is removed by cleanup: a number of
   * SECONDS (like tempman) or a duration string ("30m", "1h30m", "7d").
   * `null` / absent: never.
   */
  timeout?: number | string | null;
  /** The same in milliseconds. Giving both `timeout` and `timeoutMs` is an error. */
  timeoutMs?: number | null;
  /** Start of created directories' names; default `tmp-`. */
  prefix?: string;
  /**
   * How a sub-directory's age is measured. `'self'` (default, as tempman):
   * by its own mtime and atime only, which a job writing only deep inside it
   * does not change -- such a job is protected only if it holds the
   * directory with flock or touches it now and then. `'tree'`: by the newest
   * mtime of anything inside it too, found with the engine's scanner
   * (bounded, never following a symlink or crossing a mount); a tree too big
   * or too slow to scan is left, reported as 'age-unknown'.
   */
  ageBy?: AgeBy;
}

function resolveTimeoutMs(options: RootOptions): number | null {
  const hasSeconds = options.timeout !== undefined && options.timeout !== null;
  const hasMs = options.timeoutMs !== undefined && options.timeoutMs !== null;
  if (hasSeconds && hasMs) {
    throw invalidArgument('give either timeout (seconds or a duration string) or timeoutMs (milliseconds), not both');
  }
  if (hasMs) return options.timeoutMs as number; // checked by the signature
  if (hasSeconds) {
    const seconds = parseDuration(options.timeout as number | string);
    return seconds === null ? null : seconds * 1000;
  }
  return null;
}

/**
 * A fixed parent for temporary directories; with a timeout, subdirectories
 * older than it are removed by {@link Root.cleanup} and before every
 * {@link Root.createTempDir}.
 */
export class Root {
  /** Absolute path of the root directory. */
  readonly path: string;
  /** The timeout in milliseconds, or null for none. */
  readonly timeoutMs: number | null;
  /** What the cleanup run by the last createTempDir() did. */
  lastCleanup: CleanupReport | null = null;
  readonly #prefix: string;
  readonly #ageBy: AgeBy;

  constructor(dir: PathLike, options: RootOptions = {}) {
    checkCall(ROOT_CONSTRUCTOR, [dir], options);
    const given = directoryArgument(dir, 'root directory');
    this.timeoutMs = resolveTimeoutMs(options);
    this.#prefix = options.prefix === undefined ? 'tmp-' : validatePrefix(options.prefix);
    this.#ageBy = options.ageBy ?? 'self'; // checked by ROOT_CONSTRUCTOR above
    // Only validated and normalised here (it may not exist yet); every call reopens it.
    this.path = normalizeAbsolute(given);
  }

  #open(create: boolean): DirHandle {
    return openDirectory(this.path, { trust: 'chain', final: 'parent', create });
  }

  /**
   * Runs {@link cleanup}, then creates a temporary directory in the root (the
   * root itself is created, mode 0700, if missing). The cleanup's report is
   * kept in {@link lastCleanup}.
   */
  createTempDir(): Promise<TemporaryDirectory> {
    return runAsync(this.#creating());
  }

  /** Synchronous {@link createTempDir}. */
  createTempDirSync(): TemporaryDirectory {
    return runSync(this.#creating());
  }

  *#creating(): Steps<TemporaryDirectory> {
    const dir = this.#open(true);
    try {
      this.lastCleanup = yield* this.#cleaningIn(dir);
      return makeIn(dir, this.#prefix);
    } catch (err) {
      dir.close();
      throw err;
    }
  }

  /**
   * Removes the direct subdirectories whose age (now minus the later of
   * their modification and access times; with ageBy 'tree', also of the
   * newest modification time inside them) exceeds the timeout. Never follows
   * a symlink, never crosses into another mount, leaves directories owned by
   * other users and directories a process holds with flock. Per-directory
   * failures are reported in `skipped`, not thrown; a root that cannot be
   * opened throws. Without a timeout it does nothing.
   */
  cleanup(): Promise<CleanupReport> {
    return runAsync(this.#cleaning());
  }

  /** Synchronous {@link cleanup}. */
  cleanupSync(): CleanupReport {
    return runSync(this.#cleaning());
  }

  *#cleaning(): Steps<CleanupReport> {
    // Without a timeout there is nothing to do: the root is not even opened.
    if (this.timeoutMs === null) return { removed: [], skipped: [] };
    using dir = this.#open(false);
    return yield* this.#cleaningIn(dir);
  }

  *#cleaningIn(dir: DirHandle): Steps<CleanupReport> {
    const report: CleanupReport = { removed: [], skipped: [] };
    const timeoutMs = this.timeoutMs;
    if (timeoutMs === null) return report;
    for (const c of candidates(dir, timeoutMs, report)) {
      if (this.#ageBy === 'tree') {
        let scan: ScanTreeResult | { error: unknown };
        try {
          scan = yield* scanTreeSteps({ parent: dir, name: c.name }, TREE_AGE_SCAN);
        } catch (error) {
          scan = { error };
        }
        if (!treeIsOld(report, c, scan, Date.now(), timeoutMs)) continue;
      }
      if (!ready(dir, c, report)) continue;
      try {
        const r = yield* removeTreeAtSteps(dir, c.name, { expect: c.expect, skipLocked: true });
        settleRemoval(report, c.path, r);
      } catch (err) {
        recordFailure(report, c.path, err);
      }
    }
    return report;
  }
}

/**
 * A {@link Root} for `dir`. `options.timeout` is in seconds (or a duration
 * string); `options.timeoutMs` in milliseconds.
 */
export function root(dir: PathLike, options: RootOptions = {}): Root {
  checkCall(ROOT, [dir], options);
  return new Root(dir, options);
}
