// A maildir-like file store (gocept.filestore, rebuilt on ephemdir's fd
// primitives): files are written in `tmp`, moved to `new` when complete and
// to `cur` by whoever processes them. Moves are single renames with
// RENAME_NOREPLACE, so when several processes move the same file exactly one
// succeeds and nothing is overwritten, lost or duplicated.
//
// Nothing is held open between calls: each call opens the store directory
// (component by component, never following a symlink) and the areas it
// needs, so a store that was removed and prepared again just works.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EphemdirError, ErrorCodes, hasCode, invalidArgument } from '../errors';
import { DirHandle, isDir, isRegular, joinDisplay } from '../fs/dir-handle';
import { AtomicFile } from '../fs/files';
import { chainProblem, openDirectory } from '../fs/walk';
import { directoryArgument, type PathLike } from '../fs/tree-path';
import { adoptFd, openOwnFileAt, type PathFileHandle } from './file-handle';
import { AREAS, RESERVED_PREFIX, checkCreateMode, type Area, type CreateMode } from './file-store-names';
import { checkCall } from '../core/options';
import { FILE_STORE, FILE_STORE_COPY, FILE_STORE_CREATE, FILE_STORE_LIST, FILE_STORE_MOVE, FILE_STORE_REMOVE } from './signatures';

export { AREAS, RESERVED_PREFIX } from './file-store-names';
export type { Area, CreateMode } from './file-store-names';

// `truncate` is not an open flag: the file is truncated only once it is
// known to be a regular file of the caller's (see openOwnFileAt).
function parseMode(mode: unknown): { open: number; truncate: boolean; reopen: number } {
  const c = fs.constants;
  switch (checkCreateMode(mode)) {
    case 'w':
      return { open: c.O_WRONLY | c.O_CREAT, truncate: true, reopen: fs.constants.O_WRONLY };
    case 'wx':
      return { open: c.O_WRONLY | c.O_CREAT | c.O_EXCL, truncate: false, reopen: fs.constants.O_WRONLY };
    case 'w+':
      return { open: c.O_RDWR | c.O_CREAT, truncate: true, reopen: fs.constants.O_RDWR };
    case 'wx+':
      return { open: c.O_RDWR | c.O_CREAT | c.O_EXCL, truncate: false, reopen: fs.constants.O_RDWR };
    case 'a':
      return { open: c.O_WRONLY | c.O_CREAT | c.O_APPEND, truncate: false, reopen: fs.constants.O_WRONLY | fs.constants.O_APPEND };
    case 'a+':
      return { open: c.O_RDWR | c.O_CREAT | c.O_APPEND, truncate: false, reopen: fs.constants.O_RDWR | fs.constants.O_APPEND };
  }
}

/**
 * A maildir-like file store (gocept.filestore): files are written in `tmp`,
 * moved to `new` when complete and to `cur` by whoever processes them. Each
 * move is one rename that never overwrites, so when several processes move
 * the same file exactly one succeeds. Call `prepare()` once to create the
 * areas.
 */
export class FileStore {
  /** Absolute path of the store directory. */
  readonly path: string;

  /** `dir` may be relative; it is resolved against the current directory now. */
  constructor(dir: PathLike) {
    checkCall(FILE_STORE, [dir]);
    this.path = path.resolve(directoryArgument(dir, 'store directory'));
  }

  #openStore(create = false): DirHandle {
    return openDirectory(this.path, { trust: 'chain', final: 'parent', create });
  }

  #openArea(store: DirHandle, area: Area): DirHandle {
    let dir: DirHandle;
    try {
      dir = store.openDir(area);
    } catch (err) {
      if (hasCode(err, 'ENOENT')) {
        throw new EphemdirError(ErrorCodes.INVALID_STATE, `the store ${this.path} is not prepared (no '${area}' area): call prepare() first`, {
          path: joinDisplay(store.path, area),
        });
      }
      if (hasCode(err, 'ENOTDIR')) {
        throw new EphemdirError(ErrorCodes.INVALID_STATE, `${joinDisplay(store.path, area)} is not a directory (or is a symlink)`, {
          path: joinDisplay(store.path, area),
        });
      }
      throw err;
    }
    const problem = chainProblem(dir.stat());
    if (problem) {
      dir.close();
      throw new EphemdirError(ErrorCodes.UNSAFE_PARENT, `refusing ${dir.path}: ${problem}`, { path: dir.path, reason: problem });
    }
    return dir;
  }

  /**
   * Creates the store directory (mode 0700, with any missing parents) and its
   * `tmp`, `new` and `cur` areas (0700). Idempotent; after the store was
   * removed it creates it again.
   */
  prepare(): void {
    using store = this.#openStore(true);
    let created = false;
    for (const area of AREAS) {
      try {
        store.mkdir(area, 0o700);
        created = true;
      } catch (err) {
        if (!hasCode(err, 'EEXIST')) throw err;
      }
      this.#openArea(store, area).close();
    }
    if (created) store.fsync();
  }

  /**
   * Opens `name` in the `tmp` area for writing and resolves to an
   * `fs.promises.FileHandle` with a `path` property. Mode `w` (default)
   * creates or truncates; `wx` fails with EEXIST if the file exists; `a`
   * appends; a `+` opens for reading too. New files get 0666 minus the umask.
   * The area may be shared (sticky, world-writable): an existing name that
   * is not a regular file of the caller's with one link (a FIFO, a socket, a
   * symlink, another user's file, a hard link) is refused with
   * EPHEMDIR_NOT_OURS before anything is written or truncated, and opening
   * never blocks.
   */
  async create(name: string, mode: CreateMode | string = 'w'): Promise<PathFileHandle> {
    checkCall(FILE_STORE_CREATE, [name, mode]);
    const n = name;
    const flags = parseMode(mode);
    let file;
    {
      using store = this.#openStore();
      using tmp = this.#openArea(store, 'tmp');
      file = openOwnFileAt(tmp, n, flags.open, 0o666, flags.truncate);
    }
    return adoptFd(file, flags.reopen);
  }

  /**
   * Full paths of the files in `area`, sorted. The store's own in-progress
   * copies, and names that are not valid UTF-8 (which this API cannot create
   * or address), are left out.
   */
  list(area: Area): string[] {
    checkCall(FILE_STORE_LIST, [area]);
    const a = area;
    using store = this.#openStore();
    using dir = this.#openArea(store, a);
    const names: string[] = [];
    for (const ent of dir.entries()) {
      const text = ent.name.toString('utf8');
      if (!Buffer.from(text, 'utf8').equals(ent.name)) continue;
      if (text.startsWith(RESERVED_PREFIX)) continue;
      names.push(text);
    }
    names.sort();
    return names.map((n) => joinDisplay(dir.path, n));
  }

  #pair(f: Area, t: Area): [Area, Area] {
    if (f === t) throw invalidArgument(`source and destination areas are both '${f}'`, { value: t });
    return [f, t];
  }

  /**
   * Moves `name` from one area to another with one atomic rename that never
   * replaces: if `to` already has the name, it fails with a system error
   * `EEXIST`; if `from` does not (someone else moved it first), `ENOENT`.
   * Both errors carry `syscall: 'rename'`, `path` and `dest`.
   */
  move(name: string, from: Area, to: Area): void {
    checkCall(FILE_STORE_MOVE, [name, from, to]);
    const n = name;
    const [f, t] = this.#pair(from, to);
    using store = this.#openStore();
    using src = this.#openArea(store, f);
    using dst = this.#openArea(store, t);
    src.rename(n, dst, n, { noReplace: true });
  }

  /**
   * Copies `name` from one area to another: the data goes to a hidden
   * temporary name in `to`, is fsynced, and is renamed into place without
   * replacing (EEXIST if `to` has the name already). Only regular files are
   * copied; the permission bits come along.
   */
  async copy(name: string, from: Area, to: Area): Promise<void> {
    checkCall(FILE_STORE_COPY, [name, from, to]);
    const [f, t] = this.#pair(from, to);
    using store = this.#openStore();
    using src = this.#openArea(store, f);
    using dst = this.#openArea(store, t);
    const shown = joinDisplay(src.path, name);
    using input = src.openFile(name, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK, 0);
    const st = input.stat();
    if (!isRegular(st)) {
      throw new EphemdirError(ErrorCodes.INVALID_STATE, `refusing to copy ${shown}: not a regular file`, { path: shown });
    }
    // The copy is written under a reserved name (never listed) and renamed
    // into place without replacing.
    using out = new AtomicFile(dst, name, {
      mode: st.mode & 0o777,
      noReplace: true,
      tempName: () => `${RESERVED_PREFIX}copy-${process.pid}-${crypto.randomBytes(6).toString('hex')}`,
    });
    const buf = Buffer.allocUnsafe(1 << 20);
    for (;;) {
      const got = await input.readChunk(buf);
      if (got === 0) break;
      await out.file.writeChunk(buf, 0, got);
    }
    out.commit();
  }

  /** Removes `name` from `area` (ENOENT if it is not there). */
  remove(name: string, area: Area): void {
    checkCall(FILE_STORE_REMOVE, [name, area]);
    const n = name;
    const a = area;
    using store = this.#openStore();
    using dir = this.#openArea(store, a);
    const st = dir.tryStat(n);
    if (st !== null && isDir(st)) {
      throw new EphemdirError(ErrorCodes.INVALID_STATE, `refusing to remove ${joinDisplay(dir.path, n)}: it is a directory`, {
        path: joinDisplay(dir.path, n),
      });
    }
    dir.unlink(n);
  }
}
