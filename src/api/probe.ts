// Gathering the facts the pure policy decides on. Everything is opened
// fd-relative through a trusted parent chain; nothing is followed.
import * as os from 'node:os';
import * as path from 'node:path';
import { unknownProbe, type Entry, type Probe } from '../model/entry';
import { DirHandle, type Stat } from '../fs/dir-handle';
import { openDirectory } from '../fs/walk';
import { hasCode } from '../errors';
import { readMarker, parseMarker, MARKER_NAME, MARKER_MAX_BYTES } from './marker';
import type { ApiContext } from './context';
import type { InUseAnswer } from './in-use';
import { perform, runAsync, runSync, type Steps } from '../core/steps';
import { ownedPrivately } from '../core/trust';

/** The /proc and mount-table scans, loaded only by probes that ask for them (not by listings). */
function inUse(): typeof import('./in-use') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy: only probes that ask for in-use load these scans
  return require('./in-use') as typeof import('./in-use');
}

const ENOENT = -os.constants.errno.ENOENT;
const EINVAL = -os.constants.errno.EINVAL;
const ELOOP = -os.constants.errno.ELOOP;

export type Presence = Probe['presence'];
export type Identity = Probe['identity'];

export interface Located {
  presence: Presence;
  identity: Identity;
  parentSafe: boolean | null;
  /** Set when present: the open parent and directory (the caller closes them). */
  parent?: DirHandle;
  dir?: DirHandle;
  stat?: Stat;
  problem?: string;
}

/** Staging folders are named after the claim: `.ephemdir-staging-<claimId>`. */
export function stagingFolderName(claimId: string): string {
  return `.ephemdir-staging-${claimId}`;
}

export const STAGING_PREFIX = '.ephemdir-staging-';
const STAGING_RE = /^\.ephemdir-staging-[0-9a-f]{32}$/;

/**
 * The entry's staging folder (a name in its parent), from the recorded
 * stagingPath: the claim id is dropped when a claim ends (a parked entry has
 * none), the staging path never is. Null when none is recorded; undefined
 * when the recorded one is not a staging folder beside the original (a
 * hand-edited entry), which nothing may act on.
 */
export function stagingFolderOf(entry: Entry): string | null | undefined {
  const p = entry.stagingPath;
  if (p === null) return entry.claimId ? stagingFolderName(entry.claimId) : null;
  const name = path.posix.basename(p);
  return path.posix.dirname(p) === entry.parent && STAGING_RE.test(name) ? name : undefined;
}

export function closeLocated(l: Located): void {
  l.dir?.close();
  l.parent?.close();
}

/**
 * Opens `name` in `parentDir` and classifies it against the entry. At the
 * original path a directory without our marker is not ours: every managed
 * directory gets its marker before it is tracked, so one without it is a
 * replacement (an inode number reused after rm -rf + mkdir). In staging it is
 * `unverified`: the engine removes the marker last.
 */
function classify(entry: Entry, parent: DirHandle, name: string, where: 'original' | 'staging'): Located {
  let dir: DirHandle;
  try {
    dir = parent.openDir(name, { noXdev: true });
  } catch (err) {
    if (hasCode(err, 'ENOENT')) return { presence: 'missing', identity: 'unknown', parentSafe: true, parent };
    // A symlink, a file, or a mount point where our directory was: replaced.
    if (hasCode(err, 'ENOTDIR', 'EXDEV')) return { presence: 'present', identity: 'foreign', parentSafe: true, parent };
    return { presence: 'unavailable', identity: 'unknown', parentSafe: true, parent, problem: (err as Error).message };
  }
  const stat = dir.stat();
  let identity: Identity;
  try {
    const marker = readMarker(dir);
    if (stat.ino !== entry.ino) identity = 'foreign';
    else if (marker === entry.id) identity = 'ours';
    else if (marker === null) identity = where === 'staging' ? 'unverified' : 'foreign';
    else identity = 'foreign';
  } catch {
    identity = 'unknown';
  }
  return { presence: 'present', identity, parentSafe: true, parent, dir, stat };
}

/**
 * Trusted parent handles shared by the probes of one listing, so each parent
 * chain is walked once. Entries get their own dup of the cached fd.
 */
export class ParentCache implements Disposable {
  readonly #dirs = new Map<string, DirHandle | Error>();

  /** A handle of the caller's own (a dup) on the trusted parent. */
  open(parentPath: string): DirHandle {
    return this.peek(parentPath).dup();
  }

  /** The cached handle itself, for read-only use by the caller (not to be closed). */
  peek(parentPath: string): DirHandle {
    let hit = this.#dirs.get(parentPath);
    if (hit === undefined) {
      try {
        hit = openDirectory(parentPath, { trust: 'chain', final: 'parent' });
      } catch (err) {
        hit = err as Error;
      }
      this.#dirs.set(parentPath, hit);
    }
    if (hit instanceof Error) throw hit;
    return hit;
  }

  [Symbol.dispose](): void {
    for (const d of this.#dirs.values()) if (!(d instanceof Error)) d.close();
    this.#dirs.clear();
  }
}

/**
 * Where trusted parents come from when several entries share them: each call
 * hands back a handle of the caller's own on the directory the path leads to
 * (ParentCache for a listing; fs/walk-chain.ts ParentChains, which re-checks
 * each reuse by identity, for sweeps).
 */
export interface ParentLookup {
  open(parentPath: string): DirHandle;
}

/**
 * The mount table read once for the entries of a batch (one read of
 * /proc/self/mountinfo instead of one per entry). Only a snapshot: the
 * batched sweep reads it again right before its renames, and the engine
 * itself never crosses into another mount while removing.
 */
export class MountSnapshot {
  readonly #points: string[] | null;

  constructor() {
    // Every mount point below "/": each entry's are picked by prefix.
    this.#points = inUse().mountsInside('/');
  }

  /** Mount points strictly inside `root`, as in-use.ts mountsInside answers; null where the platform cannot list them. */
  inside(root: string): string[] | null {
    return this.#points === null ? null : mountsBelow(this.#points, root);
  }
}

/** The mount points of `points` strictly inside `root` (the same prefix rule as in-use.ts mountsInside). */
export function mountsBelow(points: readonly string[], root: string): string[] {
  const prefix = root.endsWith('/') ? root : `${root}/`;
  return points.filter((mp) => mp.length > prefix.length && mp.startsWith(prefix));
}

/**
 * Finds the entry's directory at its original path, or (with `staging`) in
 * its private staging folder. The parent chain must be trusted.
 */
export function locate(entry: Entry, where: 'original' | 'staging' = 'original', cache?: ParentLookup): Located {
  let parent: DirHandle;
  try {
    parent = cache ? cache.open(entry.parent) : openDirectory(entry.parent, { trust: 'chain', final: 'parent' });
  } catch (err) {
    if (hasCode(err, 'ENOENT', 'ENOTDIR')) return { presence: 'missing', identity: 'unknown', parentSafe: null };
    if (hasCode(err, 'EPHEMDIR_UNSAFE_PARENT', 'EPHEMDIR_SYMLINK_IN_PATH')) {
      return { presence: 'present', identity: 'unknown', parentSafe: false, problem: (err as Error).message };
    }
    return { presence: 'unavailable', identity: 'unknown', parentSafe: null, problem: (err as Error).message };
  }
  if (where === 'original') return classify(entry, parent, entry.name, 'original');
  const folder = stagingFolderOf(entry);
  if (folder == null) {
    parent.close();
    if (folder === null) return { presence: 'missing', identity: 'unknown', parentSafe: true };
    return { presence: 'present', identity: 'foreign', parentSafe: false, problem: `its staging path ${entry.stagingPath} is not a staging folder beside it` };
  }
  let staging: DirHandle;
  try {
    staging = parent.openDir(folder, { noXdev: true });
  } catch (err) {
    parent.close();
    if (hasCode(err, 'ENOENT')) return { presence: 'missing', identity: 'unknown', parentSafe: true };
    return { presence: 'unavailable', identity: 'unknown', parentSafe: true, problem: (err as Error).message };
  }
  parent.close();
  // The staging folder is ours and private: nobody else can have put anything in it.
  const st = staging.stat();
  if (!ownedPrivately(st, { private: true })) {
    staging.close();
    return { presence: 'present', identity: 'foreign', parentSafe: false, problem: `staging folder ${staging.path} is not private` };
  }
  return classify(entry, staging, entry.name, 'staging');
}

/** What a listing's probe makes of a parent that could not be opened as trusted. */
function parentProbe(err: unknown): Probe {
  const probe = unknownProbe('missing');
  if (hasCode(err, 'ENOENT', 'ENOTDIR')) return probe;
  if (hasCode(err, 'EPHEMDIR_UNSAFE_PARENT', 'EPHEMDIR_SYMLINK_IN_PATH')) return { ...probe, presence: 'present', parentSafe: false };
  return { ...probe, presence: 'unavailable' };
}

type MarkedDir = ReturnType<DirHandle['probeMarkedDirs']>[number];

/** What a listing's probe makes of one name and its marker, read through the trusted parent (as classify decides). */
function markedProbe(entry: Entry, st: MarkedDir | null): Probe {
  const probe = unknownProbe('missing');
  probe.parentSafe = true;
  if (st === null || (st.errno !== 0 && st.errno !== ENOENT)) probe.presence = 'unavailable';
  else if (st.errno === 0) {
    probe.presence = 'present';
    if ((st.mode & 0o170000) !== 0o040000 || st.ino !== entry.ino) probe.identity = 'foreign';
    else if (typeof st.marker !== 'number') probe.identity = parseMarker(st.marker) === entry.id ? 'ours' : 'foreign';
    // No marker, or not a small regular file (a symlink, a FIFO): not ours.
    else if (st.marker === ENOENT || st.marker === EINVAL || st.marker === ELOOP) probe.identity = 'foreign';
    else probe.identity = 'unknown';
  }
  return probe;
}

/**
 * Cheap probes for a listing, in the order of `entries`: per parent, one
 * trusted open (cached) and one native call that opens every name as a
 * directory (never following a symlink) and reads its marker, comparing
 * type, inode and marker id: a directory replaced at its path, or whose
 * marker changed, lists as replaced.
 */
export function quickProbes(entries: readonly Entry[], cache: ParentCache): Probe[] {
  const out = new Array<Probe>(entries.length);
  const byParent = new Map<string, number[]>();
  for (let i = 0; i < entries.length; i++) {
    const at = byParent.get(entries[i]!.parent);
    if (at) at.push(i);
    else byParent.set(entries[i]!.parent, [i]);
  }
  for (const [parentPath, indexes] of byParent) {
    let parent: DirHandle;
    try {
      parent = cache.peek(parentPath);
    } catch (err) {
      for (const i of indexes) out[i] = parentProbe(err);
      continue;
    }
    let stats: MarkedDir[] | null = null;
    try {
      stats = parent.probeMarkedDirs(indexes.map((i) => entries[i]!.name), MARKER_NAME, MARKER_MAX_BYTES);
    } catch {
      // the whole batch failed: every entry under this parent is unavailable
    }
    for (let k = 0; k < indexes.length; k++) out[indexes[k]!] = markedProbe(entries[indexes[k]!]!, stats?.[k] ?? null);
  }
  return out;
}

export interface ProbeOptions {
  inUse?: boolean;
  lock?: boolean;
  mounts?: boolean;
  cache?: ParentLookup;
  /** With `mounts`: read the mounts from this snapshot instead of the mount table itself. */
  mountTable?: MountSnapshot;
}

/**
 * The facts `locate` found, plus the guard's verdict; in use, locks, size and
 * mounts are left unknown for the caller to fill in. Shared by the probes
 * here and by the claim, which gathers them again under the entry lock.
 */
export function locatedProbe(ctx: ApiContext, entry: Entry, located: Located): Probe {
  const probe: Probe = {
    presence: located.presence,
    identity: located.identity,
    guard: null,
    parentSafe: located.parentSafe,
    inUse: null,
    lockedByOther: null,
    size: null,
    mountsInside: null,
  };
  if (located.stat) {
    const refusal = ctx.guard.refusal(located.stat, entry.path);
    if (refusal) probe.guard = `it is ${refusal}, which ephemdir never removes`;
  }
  return probe;
}

function baseProbe(ctx: ApiContext, entry: Entry, opts: ProbeOptions): { probe: Probe; located: Located } {
  const located = locate(entry, 'original', opts.cache);
  const probe = locatedProbe(ctx, entry, located);
  if (located.dir && opts.lock) {
    const free = located.dir.lock('exclusive');
    if (free) located.dir.unlock();
    probe.lockedByOther = !free;
  }
  if (located.presence === 'present' && opts.mounts) probe.mountsInside = opts.mountTable ? opts.mountTable.inside(entry.path) : inUse().mountsInside(entry.path);
  return { probe, located };
}

function setInUse(probe: Probe, answer: { inUse: boolean | null; detail: string | null }): void {
  probe.inUse = answer.inUse;
  if (answer.detail !== null) probe.inUseDetail = answer.detail;
}

/** Probe for decisions and listings. Size is measured separately (it can be slow). */
function* probing(ctx: ApiContext, entry: Entry, opts: ProbeOptions): Steps<Probe> {
  const { probe, located } = baseProbe(ctx, entry, opts);
  try {
    const dir = located.dir;
    if (opts.inUse && entry.keepWhileInUse && dir) {
      // The one step whose flavours differ (see in-use.ts for what each form can check).
      setInUse(probe, yield* perform<InUseAnswer>({ sync: () => inUse().inUseAtSync(dir), async: () => inUse().inUseAt(dir) }));
    }
    return probe;
  } finally {
    closeLocated(located);
  }
}

export function probeEntry(ctx: ApiContext, entry: Entry, opts: ProbeOptions = {}): Promise<Probe> {
  return runAsync(probing(ctx, entry, opts));
}

export function probeEntrySync(ctx: ApiContext, entry: Entry, opts: ProbeOptions = {}): Probe {
  return runSync(probing(ctx, entry, opts));
}
