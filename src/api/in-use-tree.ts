// What a managed tree is, by identity: its root's (dev, ino) and the inodes
// of its entries, gathered by a bounded scan through its open handle that
// never crosses a mount. An in-use probe matches what processes hold
// against it; when the scan stops early it says why, and the probe must then
// treat what it cannot place as unknown.
import * as fs from 'node:fs';
import type { DirHandle } from '../fs/dir-handle';
import { hasCode } from '../errors';
import { ownedPrivately } from '../core/trust';

/** How many entries the identity scan of a tree gathers before giving up (then unknowns can arise). */
export const TREE_SCAN_LIMIT = 100_000;
/** How deep the scan goes, and how many `..` steps a walk up takes at most. */
export const MAX_DEPTH = 4096;

/** What the tree is, by identity. */
export interface TreeIdentity {
  dev: number;
  ino: number;
  /** Inodes of the tree's entries (all on `dev`). */
  inodes: Set<number>;
  /** False when the scan stopped early; `why` says where. */
  complete: boolean;
  why: string | null;
  /** The root grants no access to group or others and is owned by the scanning user. */
  private: boolean;
}

/** Bounded scan of the tree's inodes through its open handle; never crosses a mount. */
export function treeIdentity(dir: DirHandle, limit = TREE_SCAN_LIMIT): TreeIdentity {
  const root = fs.fstatSync(dir.fd);
  const tree: TreeIdentity = {
    dev: root.dev,
    ino: root.ino,
    inodes: new Set([root.ino]),
    complete: true,
    why: null,
    private: ownedPrivately(root, { private: true }),
  };
  const stop = (why: string): void => {
    if (tree.complete) tree.why = why;
    tree.complete = false;
  };
  const visit = (d: DirHandle, depth: number): void => {
    const names: Buffer[] = [];
    for (const e of d.entries()) names.push(e.name);
    const stats = d.statMany(names);
    const subdirs: Buffer[] = [];
    for (let i = 0; i < names.length; i++) {
      const st = stats[i]!;
      if (st.errno !== 0) continue; // gone since the listing
      if (tree.inodes.size >= limit) return stop(`it has more than ${limit} entries`);
      tree.inodes.add(st.ino);
      if ((st.mode & 0o170000) === 0o040000) subdirs.push(names[i]!);
    }
    for (const name of subdirs) {
      if (!tree.complete) return;
      if (depth >= MAX_DEPTH) return stop(`it is deeper than ${MAX_DEPTH} levels`);
      let sub: DirHandle;
      try {
        sub = d.openDir(name, { noXdev: true });
      } catch (err) {
        if (hasCode(err, 'ENOENT')) continue;
        stop(`${d.path}/${name.toString()} cannot be scanned: ${(err as Error).message}`);
        continue;
      }
      try {
        // Where openat2 is missing noXdev is not enforced: compare devices.
        if (fs.fstatSync(sub.fd).dev !== tree.dev) stop(`a file system is mounted at ${sub.path}`);
        else visit(sub, depth + 1);
      } finally {
        sub.close();
      }
    }
  };
  try {
    visit(dir, 0);
  } catch (err) {
    stop(`it cannot be scanned: ${(err as Error).message}`);
  }
  return tree;
}

/** Whether `st` is one of the tree's entries (or its root). */
export function member(tree: TreeIdentity, st: { dev: number; ino: number }): boolean {
  return st.dev === tree.dev && tree.inodes.has(st.ino);
}
