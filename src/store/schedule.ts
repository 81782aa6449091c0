// Hint files that let a bounded sweep find due entries without reading every
// entry. Every folder stays small, however many entries exist:
//   schedule/<day>/<hour>/<minute>/<second>/<id>
//                                (by expiry, each level counted from the epoch;
//                                 all zeros for entries mid-deletion, which are
//                                 always due to resume)
//   boots/<boot>/<shard>/<id>    (remove-on-restart entries, by creation boot;
//                                 shard = the id's first two hex digits)
//   names/<first byte>/<name>/<id>  (every entry: name and prefix lookups read
//                                 only the matching entries)
// Hints are empty files; a schedule hint's mtime is the expiry. They may be
// stale (the caller re-reads the entry) but are written before the entry, so
// a tracked entry never lacks its hint (barring a power cut at creation,
// which full sweeps, reading every entry, do not depend on).
// Older versions filed schedule hints one level deep in the hour folder
// (schedule/<day>/<hour>/<id>): a lookup that meets one moves it into the
// layout above (new hint first, then the old one unlinked, so a crash leaves
// at most a duplicate). Older readers take only id names from an hour
// folder, so they skip the minute folders and keep working (without seeing
// the new hints: those only speed bounded sweeps up). format.json's schema
// is unchanged.
// Which hints an entry gets and when a hint is due are rules of the policy
// (policy/hints.ts); this file writes and removes the files, and
// hint-lookup.ts reads them to find entries.
import * as fs from 'node:fs';
import { hasCode } from '../errors';
import type { DirHandle, FileHandle } from '../fs/dir-handle';
import { bucketNames, type Hint, type HintKind } from '../policy/hints';

export { BUCKET_SECONDS, bucketNames, hintsFor, nameShard } from '../policy/hints';
export type { Hint, HintClock, HintKind } from '../policy/hints';

/** A hint without an entry is removed only once it is this old (create writes hints first). */
export const STALE_HINT_MS = 60_000;

function key(h: Hint): string {
  return `${h.kind}/${h.dirs.join('/')}/${h.id}`;
}

/** Hints in `a` that are not in `b`. */
export function hintsMinus(a: Hint[], b: Hint[]): Hint[] {
  const keys = new Set(b.map(key));
  return a.filter((h) => !keys.has(key(h)));
}

export type TopDir = (kind: HintKind, create: boolean) => DirHandle | null;

/**
 * Opens (creating with `create`) `name` under `parent`; null if absent or
 * removed concurrently. ENOENT from mkdir means `parent` itself was just
 * removed as empty by another process's removeHints: null, and the caller
 * starts again from the top.
 */
function subdir(parent: DirHandle, name: string, create: boolean, made?: Map<string, DirHandle>): DirHandle | null {
  // Mostly there already (the day, hour and minute folders, the kept chain): open first.
  const found = parent.tryOpenDir(name);
  if (found !== null || !create) return found;
  try {
    parent.mkdir(name, 0o700);
    made?.set(parent.path, parent);
  } catch (err) {
    if (hasCode(err, 'ENOENT')) return null;
    if (!hasCode(err, 'EEXIST')) throw err;
  }
  return parent.tryOpenDir(name);
}

/** Retries of one hint against concurrent removal of its empty folders; each retry means another process made progress. */
const MAX_HINT_ATTEMPTS = 64;

/**
 * Opens the folders `dirs` below `root` (creating them with `create`); null
 * when one is missing or was removed concurrently. Every folder opened is
 * pushed to `opened` (the caller closes them), the last one is the hint's.
 */
export function openChain(root: DirHandle, dirs: string[], create: boolean, opened: DirHandle[], made?: Map<string, DirHandle>): DirHandle | null {
  let at = root;
  for (const name of dirs) {
    const next = subdir(at, name, create, made);
    if (next === null) return null;
    opened.push(next);
    at = next;
  }
  return at;
}

/**
 * The folders of entries mid-deletion (all zeros: always due) are kept when
 * empty, so that claiming a directory for deletion creates no folder and
 * has only the hint's own folder to fsync.
 */
const KEPT_DIRS = bucketNames(0);
const KEPT_CHAIN = KEPT_DIRS.join('/');

function isKept(h: Hint): boolean {
  return h.kind === 'schedule' && h.dirs.join('/') === KEPT_CHAIN;
}

/**
 * The innermost folder of the kept chain, held open across hint writes by
 * the registry: a batch of claims then opens it once instead of five folders
 * per entry. Nothing removes those folders; one removed by hand all the same
 * is dropped (forget) and opened again.
 */
export class KeptFolder implements Disposable {
  #dir: DirHandle | null = null;

  /** The folder (null when absent); folders opened on the way go to `opened`, which the caller closes. */
  open(top: TopDir, create: boolean, opened: DirHandle[], made?: Map<string, DirHandle>): DirHandle | null {
    if (this.#dir !== null) return this.#dir;
    const root = top('schedule', create);
    if (root === null) return null;
    const chain: DirHandle[] = [];
    const inner = openChain(root, KEPT_DIRS, create, chain, made);
    for (const d of chain) if (d !== inner) opened.push(d);
    this.#dir = inner;
    return inner;
  }

  forget(): void {
    this.#dir?.close();
    this.#dir = null;
  }

  [Symbol.dispose](): void {
    this.forget();
  }
}

/**
 * Creates hint files; with `durable`, also fsyncs the folders that changed.
 * Hints only speed up bounded sweeps: a full sweep reads every entry, so a
 * hint lost to a power cut costs no safety.
 */
export function addHints(top: TopDir, hints: Hint[], durable = true, kept?: KeptFolder): void {
  if (hints.length === 0) return;
  const toSync = new Map<string, DirHandle>();
  const opened: DirHandle[] = [];
  try {
    for (const h of hints) {
      const root = top(h.kind, true)!;
      for (let attempt = 1; ; attempt++) {
        // A concurrent cleanup may remove an empty folder between our mkdir
        // and open, or between open and create: make it again.
        const retry = (err?: unknown): void => {
          if (attempt >= MAX_HINT_ATTEMPTS) throw err ?? new Error(`hint folders for ${h.id} keep being removed`);
        };
        const keptHere = kept !== undefined && isKept(h);
        const inner = keptHere ? kept.open(top, true, opened, toSync) : openChain(root, h.dirs, true, opened, toSync);
        if (inner === null) {
          retry();
          continue;
        }
        let file: FileHandle;
        try {
          file = inner.openFile(h.id, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_NONBLOCK, 0o600);
        } catch (err) {
          if (!hasCode(err, 'ENOENT')) throw err;
          if (keptHere) kept.forget(); // removed by hand: open it again
          retry(err);
          continue;
        }
        try {
          // The kept chain is due as a whole: its hints' mtimes are never read.
          if (h.mtime !== null && !isKept(h)) {
            try {
              file.setTimes(Date.now() / 1000, h.mtime);
            } catch {
              // an out-of-range time only costs precision in the current bucket
            }
          }
        } finally {
          file[Symbol.dispose]();
        }
        toSync.set(inner.path, inner);
        break;
      }
    }
    if (durable) for (const d of toSync.values()) d.fsync();
  } finally {
    for (const d of opened) d.close();
  }
}

/** Removes hint files (missing ones are fine) and then-empty folders. Not fsynced: a stale hint is harmless. */
export function removeHints(top: TopDir, hints: Hint[], kept?: KeptFolder): void {
  for (const h of hints) {
    const root = top(h.kind, false);
    if (root === null) continue;
    const keepFolders = isKept(h);
    const opened: DirHandle[] = [];
    try {
      const inner = keepFolders && kept !== undefined ? kept.open(top, false, opened) : openChain(root, h.dirs, false, opened);
      if (inner !== null) {
        try {
          inner.unlink(h.id);
        } catch (err) {
          if (!hasCode(err, 'ENOENT')) throw err;
        }
      }
      // Then-empty folders, innermost first; the first one still in use ends it.
      for (let i = keepFolders ? -1 : opened.length - 1; i >= 0; i--) {
        try {
          (i === 0 ? root : opened[i - 1]!).rmdir(h.dirs[i]!);
        } catch {
          break; // not empty (or already gone): fine
        }
      }
    } finally {
      for (const d of opened) d.close();
    }
  }
}
