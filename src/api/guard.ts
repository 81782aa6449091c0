// The deletion guard: ephemdir never removes `/`, the home directory, its
// own data or config directories, any ancestor of them, anything inside the
// data or config directory, or a staging folder of its own protocol,
// whatever the registry says. Decided by identity (dev, ino) of the
// candidate and of every directory above it, so a hand-edited registry, a
// symlinked alias or a bind mount of the data directory cannot talk it round.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { openDirectory } from '../fs/walk';
import { homeDir } from '../store/paths';
import type { Stat } from '../fs/dir-handle';

const STAGING_PREFIX = '.ephemdir-staging-';

function key(st: { dev: number; ino: number }): string {
  return `${st.dev}:${st.ino}`;
}

/** The identity of the directory at `p` (never following a symlink we would not trust), or null. */
function identityOf(p: string): string | null {
  try {
    const d = openDirectory(p, { trust: 'nofollow' });
    try {
      return key(d.stat());
    } finally {
      d.close();
    }
  } catch {
    // A symlinked component (a symlinked home, macOS /tmp): what it leads to
    // is what must be protected.
    try {
      const st = fs.statSync(p);
      return st.isDirectory() ? key(st) : null;
    } catch {
      return null;
    }
  }
}

function realpath(p: string): string | null {
  try {
    return fs.realpathSync(p);
  } catch {
    return null;
  }
}

/** `map`'s answer for `p`, computing it the first time. */
function once(map: Map<string, string | null>, p: string, compute: (p: string) => string | null): string | null {
  let v = map.get(p);
  if (v === undefined) {
    v = compute(p);
    map.set(p, v);
  }
  return v;
}

export class DeletionGuard {
  /** Identities never removed themselves: the protected paths and every ancestor of them. */
  readonly #protected = new Map<string, string>();
  /** Identities nothing inside of which is removed: the data and config directories. */
  readonly #inner = new Map<string, string>();
  /**
   * Identities of the paths looked at so far, each looked up once: one guard
   * serves one call, and the protected paths share most of their ancestors
   * (each lookup is a trusted walk from `/`).
   */
  readonly #seen = new Map<string, string | null>();
  readonly #real = new Map<string, string | null>();

  /** Protects each path and every ancestor of it; with `contents`, everything inside it too. */
  constructor(paths: string[], contents: string[] = []) {
    for (const p of paths) this.#add(p);
    for (const p of contents) {
      this.#add(p);
      for (const q of [p, this.#realpath(p)]) {
        if (q === null || !path.isAbsolute(q)) continue;
        const id = this.#identity(q);
        if (id !== null) this.#inner.set(id, q);
      }
    }
  }

  #add(p: string): void {
    if (!path.isAbsolute(p)) return;
    for (const start of [p, this.#realpath(p)]) {
      if (start === null) continue;
      for (let current = start; ; current = path.dirname(current)) {
        // A path that does not exist (yet) protects nothing by itself.
        const id = this.#identity(current);
        if (id !== null && !this.#protected.has(id)) this.#protected.set(id, current);
        if (path.dirname(current) === current) break;
      }
    }
  }

  #identity(p: string): string | null {
    return once(this.#seen, p, identityOf);
  }

  #realpath(p: string): string | null {
    return once(this.#real, p, realpath);
  }

  /**
   * Why the directory must not be removed, or null when it may be. `st` is
   * the candidate as opened; `where` its tracked path, whose every ancestor
   * is checked by identity against the data and config directories.
   */
  refusal(st: Pick<Stat, 'dev' | 'ino'>, where?: string): string | null {
    const own = this.#protected.get(key(st));
    if (own !== undefined) return own;
    const inside = this.#inner.get(key(st));
    if (inside !== undefined) return inside;
    if (where === undefined || !path.isAbsolute(where)) return null;
    if (path.basename(where).startsWith(STAGING_PREFIX)) return `${where}, a staging folder of ephemdir's deletion protocol`;
    for (let up = path.dirname(where); ; up = path.dirname(up)) {
      if (path.basename(up).startsWith(STAGING_PREFIX)) return `inside ${up}, a staging folder of ephemdir's deletion protocol`;
      const id = this.#identity(up);
      if (id === null) return `not provably outside ephemdir's own folders (${up} cannot be examined)`;
      const dir = this.#inner.get(id);
      if (dir !== undefined) return `inside ${dir}, ephemdir's own folder`;
      if (path.dirname(up) === up) return null;
    }
  }

  /** For a call on the registry in `dataDirs[0]`: `/`, the home (when there is one), the data and config folders. */
  static forUser(dataDirs: string[], configDir: string | null): DeletionGuard {
    const home = homeDir();
    return new DeletionGuard(home === null ? ['/'] : ['/', home], configDir === null ? dataDirs : [...dataDirs, configDir]);
  }
}
