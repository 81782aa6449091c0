// The deletion guard: ephemdir never removes `/`, the home directory,
// its own data or config directories, or any ancestor of them, whatever the
// registry says. Compared by identity (dev, ino) of opened directories, so a
// hand-edited registry or a symlinked alias cannot talk it round.
import * as os from 'node:os';
import * as path from 'node:path';
import { openDirectory } from '../fs/walk';
import type { Stat } from '../fs/dir-handle';

export class DeletionGuard {
  readonly #protected = new Map<string, string>();

  /** Protects each existing path and every ancestor of it. */
  constructor(paths: string[]) {
    for (const p of paths) this.#add(p);
  }

  #add(p: string): void {
    if (!path.isAbsolute(p)) return;
    let current = p;
    for (;;) {
      try {
        const d = openDirectory(current, { trust: 'nofollow' });
        const st = d.stat();
        d.close();
        this.#protected.set(`${st.dev}:${st.ino}`, current);
      } catch {
        // a path that does not exist (yet) protects nothing by itself
      }
      const up = path.dirname(current);
      if (up === current) break;
      current = up;
    }
  }

  /** The protected path the directory is, or null when it may be removed. */
  refusal(st: Pick<Stat, 'dev' | 'ino'>): string | null {
    return this.#protected.get(`${st.dev}:${st.ino}`) ?? null;
  }

  static forUser(dataDir: string, configDir: string): DeletionGuard {
    return new DeletionGuard(['/', os.homedir(), dataDir, configDir]);
  }
}
