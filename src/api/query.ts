// Read-only questions about what is tracked: matching, listing, resolving.
// Kept apart from the mutating functions so that `ephemdir list` and
// `ephemdir path` load neither the deletion engine nor the protocol. Every
// call here reads entries through JournaledEntries: as the batch journals
// say, never an entry file a power cut set back (and never writing).
import * as path from 'node:path';
import type { Entry } from '../model/entry';
import { isJournalState } from '../model/entry';
import { decide } from '../policy/decide';
import { displayStatus, statusNote } from '../policy/status';
import { prunable, remedyText } from '../policy/remedies';
import { openDirectory } from '../fs/walk';
import { EphemdirError, ErrorCodes, hasCode, invalidArgument } from '../errors';
import { readMarker, MARKER_NAME } from './marker';
import { locate, closeLocated, quickProbes, ParentCache } from './probe';
import { openContext, requireContext, type ApiContext, type RegistryChoice } from './context';
import type { ListOptions, QuarantinedEntry, RegistryOptions, Stats, TrackedDirectory, TrackedList } from './types';
import type { RegistryProblem } from '../store/registry';
import { JournaledEntries, type EntrySource } from './query-journaled';
import { checkCall } from '../core/options';
import { CURRENT_TARGET, DIAGNOSE, LAST, LIST, REGISTERED, RESOLVE, STATS } from './query-signatures';

export type Scope = 'active' | 'journal' | 'all';

function inScope(e: Entry, scope: Scope): boolean {
  if (scope === 'all') return true;
  return scope === 'active' ? e.state === 'active' : isJournalState(e.state);
}

/**
 * The one name-matching rule (README: "by full path, exact name or a unique
 * prefix of the name"): a target with a `/` (or `.`, `..`) is a path and
 * matches only that path; otherwise exact names win, and only without one
 * does a prefix match. Uniqueness is the caller's (see pickOne).
 */
export function matchEntries(entries: Entry[], target: string): Entry[] {
  if (typeof target !== 'string' || target.length === 0) throw invalidArgument('a directory path, name or prefix is required');
  if (target.includes('/') || target === '.' || target === '..') {
    const abs = path.resolve(target);
    return entries.filter((e) => e.path === abs);
  }
  const exact = entries.filter((e) => e.name === target);
  if (exact.length > 0) return exact;
  return entries.filter((e) => e.name.startsWith(target));
}

/**
 * The one entry `target` names within `scope`, by {@link matchEntries};
 * `EPHEMDIR_NOT_FOUND` or `EPHEMDIR_AMBIGUOUS` (with `matches`) otherwise.
 * Every command that takes a name goes through here: a call that only
 * reports passes its JournaledEntries as `source`.
 */
export function pickOne(ctx: ApiContext, target: string, scope: Scope, source: EntrySource = ctx.registry): Entry {
  const indexed = indexedCandidates(source, target);
  let found = matchEntries(indexed.entries.filter((e) => inScope(e, scope)), target);
  let setAside = indexed.problems;
  // The name index may lack a hint lost to a power cut: never trust its "no".
  if (found.length === 0) {
    const listed = source.list();
    found = matchEntries(listed.entries.filter((e) => inScope(e, scope)), target);
    setAside = listed.problems;
  }
  const quarantined = quarantinedOf(setAside);
  if (found.length === 0) {
    const what = scope === 'journal' ? 'interrupted deletion' : 'tracked directory';
    const aside = quarantined.length ? `; ${quarantined.length} unusable entry ${quarantined.length === 1 ? 'file was' : 'files were'} set aside (see \`ephemdir doctor\`)` : '';
    throw new EphemdirError(ErrorCodes.NOT_FOUND, `no ${what} matches '${target}'${aside}`, { target, quarantined });
  }
  // A name lookup cannot return them: say so as a documented warning.
  for (const q of quarantined) warnQuarantined(q);
  if (found.length > 1) {
    const names = found.map((e) => e.path).sort();
    throw new EphemdirError(ErrorCodes.AMBIGUOUS, `'${target}' is ambiguous; it matches: ${names.join(', ')}`, { target, matches: names });
  }
  return found[0]!;
}

/** Entries whose name could match `target`, read through the name index (no full scan), and the candidates that could not be read. */
function indexedCandidates(source: EntrySource, target: string): { entries: Entry[]; problems: RegistryProblem[] } {
  if (typeof target !== 'string' || target.length === 0) return { entries: [], problems: [] };
  const isPath = target.includes('/') || target === '.' || target === '..';
  const name = isPath ? path.basename(path.resolve(target)) : target;
  return source.findByNamePrefix(name) ?? { entries: [], problems: [] };
}

/**
 * The `EPHEMDIR_QUARANTINED` process warning: an entry file that might have
 * matched a name could not be used (the answer may be missing it).
 */
export function warnQuarantined(q: QuarantinedEntry): void {
  process.emitWarning(`registry entry ${q.id ?? q.file} was set aside and not considered: ${q.reason}`, {
    code: 'EPHEMDIR_QUARANTINED',
  });
}

export function withContext<T>(choice: RegistryChoice, fn: (ctx: ApiContext) => T, settle = false): T {
  const ctx = requireContext(choice, settle);
  try {
    return fn(ctx);
  } finally {
    ctx[Symbol.dispose]();
  }
}

/** All entries that match (for completion and pickers); never throws for no match. */
export async function match(target: string, options: RegistryOptions = {}): Promise<Entry[]> {
  const ctx = openContext({ create: false, dataDir: options.dataDir });
  if (!ctx) return [];
  try {
    return matchEntries(new JournaledEntries(ctx.registry).list().entries, target);
  } finally {
    ctx[Symbol.dispose]();
  }
}

/**
 * The path of a tracked directory, by full path, exact name or unique
 * prefix. Rejects with `EPHEMDIR_NOT_FOUND`, `EPHEMDIR_AMBIGUOUS` (the
 * candidates in `matches`), or when the directory is missing or was replaced
 * at its path.
 */
export async function resolve(target: string, options: RegistryOptions = {}): Promise<string> {
  checkCall(RESOLVE, [target], options);
  return withContext(options, (ctx) => {
    const entry = pickOne(ctx, target, 'active', new JournaledEntries(ctx.registry));
    const at = locate(entry);
    closeLocated(at);
    const gone = prunable(at);
    if (gone === 'missing') {
      throw new EphemdirError(ErrorCodes.NOT_FOUND, `${entry.path} is tracked but missing; the entry was kept (${remedyText(gone, entry.name)})`, { path: entry.path });
    }
    if (gone === 'replaced') {
      throw new EphemdirError(ErrorCodes.NOT_OURS, `${entry.path} was replaced by another directory (its inode or marker changed); ${remedyText(gone, entry.name)}`, { path: entry.path });
    }
    return entry.path;
  });
}

/**
 * The active tracked directory `target` names (full path, exact name or
 * unique prefix), as `remove`, `keep` and `extend` would pick it; looks at
 * nothing on disk. For previews such as `rm --dry-run`.
 */
export async function trackedEntry(target: string, options: RegistryOptions = {}): Promise<Entry> {
  checkCall(RESOLVE, [target], options);
  return withContext(options, (ctx) => pickOne(ctx, target, 'active', new JournaledEntries(ctx.registry)));
}

/**
 * Every registry entry as recorded (batch journals included: see
 * JournaledEntries), without looking at the tracked directories (empty when
 * there is no registry yet).
 */
export async function registered(options: RegistryOptions = {}): Promise<Entry[]> {
  checkCall(REGISTERED, [], options);
  const ctx = openContext({ create: false, dataDir: options.dataDir });
  if (!ctx) return [];
  try {
    return new JournaledEntries(ctx.registry).list().entries;
  } finally {
    ctx[Symbol.dispose]();
  }
}

/** The registry's unusable files as the API reports them. */
export function quarantinedOf(problems: readonly RegistryProblem[]): QuarantinedEntry[] {
  return problems.map((p) => ({ id: p.id, file: p.file, reason: p.reason }));
}

function trackedList(items: TrackedDirectory[], quarantined: QuarantinedEntry[]): TrackedList {
  Object.defineProperty(items, 'quarantined', { value: quarantined, enumerable: false });
  return items as TrackedList;
}

/**
 * The tracked directories with their status and time left, as `ephemdir
 * list` shows them (each probed on disk: missing, replaced, ...), optionally
 * only those carrying every tag in `tags`; oldest first (creation time, then
 * path), the order the CLI prints. The array also has a
 * non-enumerable `quarantined`: entry files that could not be used.
 */
export async function list(opts: ListOptions = {}): Promise<TrackedList> {
  checkCall(LIST, [], opts);
  const ctx = openContext({ create: false, dataDir: opts.dataDir });
  if (!ctx) return trackedList([], []);
  try {
    const dctx = ctx.decision('full');
    const out: TrackedDirectory[] = [];
    const source = new JournaledEntries(ctx.registry);
    const listed = source.list();
    const entries = listed.entries.filter((e) => !opts.tags || opts.tags.every((t) => e.tags.includes(t)));
    entries.sort((a, b) => a.createdAt - b.createdAt || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    using cache = new ParentCache();
    const probes = quickProbes(entries, cache);
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i]!;
      const probe = probes[i]!;
      try {
        const d = decide(entry, probe, dctx);
        const status = displayStatus(entry, probe, d, dctx);
        out.push({
          entry,
          status,
          note: statusNote(status, entry, dctx, d, { stagedByBatch: source.stagedByBatch(entry) }),
          remainingSeconds: d.remainingSeconds,
          exists: probe.presence === 'unavailable' ? null : probe.presence === 'present',
        });
      } catch (err) {
        // One entry the policy cannot place is listed as such, not fatal to the listing.
        out.push({ entry, status: 'unavailable', note: `cannot be assessed: ${(err as Error).message}`, remainingSeconds: null, exists: null });
      }
    }
    return trackedList(out, quarantinedOf(listed.problems));
  } finally {
    ctx[Symbol.dispose]();
  }
}

/**
 * The batch journals that cannot be used (not ours, or not decodable): no
 * sweep applies them and no reader shows what they say, so the entries they
 * name may be shown behind their batch. For `doctor`; empty without a registry.
 */
export async function unusableJournals(options: RegistryOptions = {}): Promise<Array<{ path: string; message: string }>> {
  checkCall(DIAGNOSE, [], options);
  const ctx = openContext({ create: false, dataDir: options.dataDir });
  if (!ctx) return [];
  try {
    return [...new JournaledEntries(ctx.registry).unusableJournals];
  } finally {
    ctx[Symbol.dispose]();
  }
}

/** Counters kept by the registry (created, swept, kept, removed) and how many directories are tracked now. */
export async function stats(options: RegistryOptions = {}): Promise<Stats> {
  checkCall(STATS, [], options);
  const ctx = openContext({ create: false, dataDir: options.dataDir });
  if (!ctx) return { created: 0, swept: 0, kept: 0, removed: 0, currentlyTracked: 0 };
  try {
    const s = ctx.registry.stats();
    return { ...s, currentlyTracked: new JournaledEntries(ctx.registry).list().entries.filter((e) => e.state === 'active').length };
  } finally {
    ctx[Symbol.dispose]();
  }
}

/** The newest active directory that is present on disk. */
export async function last(options: RegistryOptions = {}): Promise<Entry | null> {
  checkCall(LAST, [], options);
  const ctx = openContext({ create: false, dataDir: options.dataDir });
  if (!ctx) return null;
  try {
    const listed = new JournaledEntries(ctx.registry).list();
    // The newest might be one that could not be read: say so (see warnQuarantined).
    for (const q of quarantinedOf(listed.problems)) warnQuarantined(q);
    const active = listed.entries.filter((e) => e.state === 'active').sort((a, b) => b.createdAt - a.createdAt);
    for (const entry of active) {
      let at;
      try {
        at = locate(entry);
      } catch {
        continue; // cannot be inspected now: not the one to return
      }
      closeLocated(at);
      if (at.presence === 'present' && at.identity === 'ours') return entry;
    }
    return null;
  } finally {
    ctx[Symbol.dispose]();
  }
}

/**
 * The tracked directory you stand in: the nearest ancestor of `cwd` with a
 * `.ephemdir` marker must be an active entry with that marker and inode.
 * It never falls through to a higher marker.
 */
export async function currentTarget(cwd: string = process.cwd(), options: RegistryOptions = {}): Promise<Entry> {
  checkCall(CURRENT_TARGET, [cwd], options);
  let dir = path.resolve(cwd);
  for (;;) {
    let marker: string | null = null;
    let ino = -1;
    let present = false;
    try {
      const h = openDirectory(dir, { trust: 'nofollow' });
      try {
        present = h.tryStat(MARKER_NAME) !== null;
        marker = readMarker(h);
        ino = h.stat().ino;
      } finally {
        h.close();
      }
    } catch (err) {
      if (!hasCode(err, 'ENOENT', 'EACCES', 'EPHEMDIR_SYMLINK_IN_PATH')) throw err;
    }
    if (present) {
      const found = marker ? lookup(marker, options) : null;
      if (found && found.state === 'active' && found.path === dir && found.ino === ino) return found;
      throw new EphemdirError(
        ErrorCodes.NOT_OURS,
        `${dir} has an .ephemdir marker, but it does not match an active tracked directory; refusing to guess`,
        { path: dir },
      );
    }
    const up = path.dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  throw new EphemdirError(ErrorCodes.NOT_FOUND, 'not inside a tracked ephemdir directory; pass a name or path, or cd into one', { path: cwd });
}

function lookup(id: string, choice: RegistryChoice): Entry | null {
  const ctx = openContext({ create: false, dataDir: choice.dataDir });
  if (!ctx) return null;
  try {
    return new JournaledEntries(ctx.registry).get(id);
  } finally {
    ctx[Symbol.dispose]();
  }
}

/** Size of a tracked directory for `tree` (bounded scan). */
export async function sizeOf(entry: Entry): Promise<{ bytes: number; complete: boolean } | null> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy: the size scan loads only when a size is asked for
  const { scanSize } = require('./size') as typeof import('./size');
  return scanSize(entry);
}
