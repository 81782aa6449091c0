// A directory opened through a trusted walk (walk.ts openDirectoryChain),
// kept with the search-only handles of the chain that led to it, so that a
// later caller can tell, fd-relatively and without walking the path again,
// whether the path still leads to that very directory. A batched sweep walks
// each parent once and re-checks it this way before each entry.
import { isDir, type DirHandle, type Stat } from './dir-handle';
import { chainProblem, euid } from '../core/trust';
import { finalProblem, openDirectoryChain, type WalkOptions } from './walk';

export interface WalkedChain {
  /** The directory itself, readable. */
  dir: DirHandle;
  /** Each step below "/": the handle of the directory holding it, its name there, and what it was when opened. */
  links: { holder: DirHandle; name: Buffer; st: Stat; shown: string }[];
  options: WalkOptions;
}

/** Closes the directory and every handle of its chain. */
export function closeChain(chain: WalkedChain): void {
  chain.dir.close();
  for (const h of new Set(chain.links.map((l) => l.holder))) h.close();
}

/**
 * Null while every step of the chain is still the same directory (device,
 * inode, mount id) under the same name in the directory held before it, and
 * still passes the walk's trust and final rules: walked again, the path
 * would open this very directory. Otherwise what changed. One statx per step,
 * relative to the handles kept. "/" itself is not re-checked: only root can
 * change it, or a root-owned symlink the walk followed there.
 */
export function chainChanged(chain: WalkedChain): string | null {
  const me = euid();
  const trust = chain.options.trust ?? 'chain';
  let last: Stat | null = null;
  for (const l of chain.links) {
    const st = l.holder.tryStat(l.name);
    if (st === null || !isDir(st) || st.dev !== l.st.dev || st.ino !== l.st.ino || st.mntId !== l.st.mntId) return `${l.shown} is no longer the directory it was`;
    if (trust === 'chain') {
      const p = chainProblem(st, me);
      if (p) return `${l.shown}: ${p}`;
    }
    last = st;
  }
  return last === null ? null : finalProblem(last, chain.options.final ?? 'any', me);
}

/** A chain that cannot be re-checked (a stat failed) counts as changed: it is walked afresh. */
function changedOrUnknown(chain: WalkedChain): boolean {
  try {
    return chainChanged(chain) !== null;
  } catch {
    return true;
  }
}

/**
 * Trusted directories shared by the entries of one batch: each path walked
 * once (openDirectoryChain), then re-checked by identity (chainChanged) at
 * every later use; a path whose chain changed is walked afresh, exactly as
 * without the cache, so a parent replaced or mounted over between two entries
 * is never reached through the old handle. Failed walks are not kept. Holds at
 * most `limit` paths (all are closed when a new one would exceed it).
 */
export class ParentChains implements Disposable {
  readonly #chains = new Map<string, WalkedChain>();
  readonly #options: WalkOptions;
  readonly #limit: number;

  constructor(options: WalkOptions, limit = 256) {
    this.#options = options;
    this.#limit = limit;
  }

  /** A handle of the caller's own (a dup) on the directory the path leads to now. */
  open(absPath: string): DirHandle {
    let chain = this.#chains.get(absPath);
    if (chain !== undefined && changedOrUnknown(chain)) {
      this.#chains.delete(absPath);
      closeChain(chain);
      chain = undefined;
    }
    if (chain === undefined) {
      if (this.#chains.size >= this.#limit) this.clear();
      chain = openDirectoryChain(absPath, this.#options);
      this.#chains.set(absPath, chain);
    }
    return chain.dir.dup();
  }

  clear(): void {
    for (const c of this.#chains.values()) closeChain(c);
    this.#chains.clear();
  }

  [Symbol.dispose](): void {
    this.clear();
  }
}
