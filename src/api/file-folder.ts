// A folder held open by fd in which the CLI writes the user's own files
// outside the registry: the scheduler's units and the metrics file. The CLI
// reaches fs/ only through this: the folder is opened once, component by
// component, and every name after that is one component relative to it.
import { openDirectory } from '../fs/walk';
import * as nodePath from 'node:path';
import { isDir, isRegular, isSymlink, type DirHandle } from '../fs/dir-handle';
import { readFileAt, writeFileAtomic, type ReadFailure } from '../fs/files';
import { hasCode } from '../errors';

/** What a name in the folder is (lstat: a symlink is `other`, never followed). */
export interface FolderEntry {
  type: 'file' | 'directory' | 'other';
  uid: number;
}

export class FileFolder implements Disposable {
  readonly #dir: DirHandle;

  private constructor(dir: DirHandle) {
    this.#dir = dir;
  }

  /**
   * Opens (and with `create`, makes) a folder that must be the caller's own:
   * every folder on the way owned by the user or root (sticky if others may
   * write it), no symlink, the last one owned by the user and writable by
   * nobody else. Null when it does not exist and `create` is false.
   */
  static openOwned(path: string, create: boolean): FileFolder | null {
    try {
      return new FileFolder(openDirectory(path, { trust: 'chain', final: 'owned', create }));
    } catch (err) {
      if (!create && hasCode(err, 'ENOENT')) return null;
      throw err;
    }
  }

  /**
   * Opens the folder of a file the user names: a symlink on the way is
   * followed only when no other user could have planted or changed it, and
   * the folder must be the caller's own, or root-owned and sticky (like /tmp).
   */
  static openParentOf(folder: string): FileFolder {
    return new FileFolder(openDirectory(folder, { trust: 'safe', final: 'parent' }));
  }

  /** The folder's path, for messages. */
  get path(): string {
    return this.#dir.path;
  }

  /** What `name` is, or null when absent. */
  entry(name: string): FolderEntry | null {
    const st = this.#dir.tryStat(name);
    if (st === null) return null;
    return { type: isRegular(st) ? 'file' : isDir(st) ? 'directory' : 'other', uid: st.uid };
  }

  /** The text of the regular file `name` (at most `maxBytes`), or why it was not read. */
  read(name: string, maxBytes: number): { ok: true; text: string } | { ok: false; reason: ReadFailure } {
    const r = readFileAt(this.#dir, name, maxBytes);
    return r.ok ? { ok: true, text: r.data.toString('utf8') } : { ok: false, reason: r.reason };
  }

  /** Replaces `name` atomically (temp file, fsync, rename, folder fsync). */
  writeAtomic(name: string, text: string, mode: number): void {
    writeFileAtomic(this.#dir, name, text, { mode });
  }

  /** Unlinks `name` and fsyncs the folder. */
  remove(name: string): void {
    this.#dir.unlink(name);
    this.#dir.fsync();
  }

  /**
   * Unlinks the symlink `sub/name` when it resolves (lexically, from `sub`) to
   * `target`; returns whether it did. `sub` is opened without following a
   * symlink, so a link planted in place of the folder is left alone; anything
   * unreadable counts as "not ours" and stays.
   */
  removeLinkIn(sub: string, name: string, target: string): boolean {
    let dir: DirHandle | null;
    try {
      dir = this.#dir.tryOpenDir(sub);
    } catch {
      return false;
    }
    if (!dir) return false;
    try {
      const st = dir.tryStat(name);
      if (!st || !isSymlink(st)) return false;
      if (nodePath.resolve(nodePath.join(this.#dir.path, sub), dir.readlink(name).toString()) !== target) return false;
      dir.unlink(name);
      return true;
    } catch {
      return false;
    } finally {
      dir.close();
    }
  }

  close(): void {
    this.#dir.close();
  }

  [Symbol.dispose](): void {
    this.close();
  }
}
