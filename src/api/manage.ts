// Managing tracked directories by full path, exact name or unique prefix.
import * as path from 'node:path';
import type { Entry } from '../model/entry';
import { isJournalState } from '../model/entry';
import { parseDuration, parseExtension } from '../core/duration';
import { decide } from '../policy/decide';
import { displayStatus, statusNote } from '../policy/status';
import { explainModel, type ExplainModel } from '../policy/explain';
import { openDirectory } from '../fs/walk';
import { EphemdirError, ErrorCodes, hasCode, invalidArgument } from '../errors';
import { readMarker, MARKER_NAME } from './marker';
import { locate, closeLocated, probeEntry, ParentCache } from './probe';
import { scanSize } from './size';
import { removeEntry, recoverEntry, type Outcome } from './removal';
import { openContext, requireContext, nowSeconds, type ApiContext } from './context';
import type { RemoveResult, Stats, TrackedDirectory } from './types';

export type Scope = 'active' | 'journal' | 'all';

function inScope(e: Entry, scope: Scope): boolean {
  if (scope === 'all') return true;
  return scope === 'active' ? e.state === 'active' : isJournalState(e.state);
}

/** Entries matching a full path, an exact name, or else a name prefix. */
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

export function pickOne(ctx: ApiContext, target: string, scope: Scope): Entry {
  const entries = ctx.registry.list().entries.filter((e) => inScope(e, scope));
  const found = matchEntries(entries, target);
  if (found.length === 0) {
    const what = scope === 'journal' ? 'interrupted deletion' : 'tracked directory';
    throw new EphemdirError(ErrorCodes.NOT_FOUND, `no ${what} matches '${target}'`, { target });
  }
  if (found.length > 1) {
    const names = found.map((e) => e.path).sort();
    throw new EphemdirError(ErrorCodes.AMBIGUOUS, `'${target}' is ambiguous; it matches: ${names.join(', ')}`, { target, matches: names });
  }
  return found[0]!;
}

function withContext<T>(fn: (ctx: ApiContext) => T): T {
  const ctx = requireContext();
  try {
    return fn(ctx);
  } finally {
    ctx[Symbol.dispose]();
  }
}

async function withContextAsync<T>(fn: (ctx: ApiContext) => Promise<T>): Promise<T> {
  const ctx = requireContext();
  try {
    return await fn(ctx);
  } finally {
    ctx[Symbol.dispose]();
  }
}

/** All entries that match (for completion and pickers); never throws for no match. */
export async function match(target: string): Promise<Entry[]> {
  const ctx = openContext({ create: false });
  if (!ctx) return [];
  try {
    return matchEntries(ctx.registry.list().entries, target);
  } finally {
    ctx[Symbol.dispose]();
  }
}

/** Stop tracking a directory by id, keeping it on disk; removes our marker. */
export function keepById(ctx: ApiContext, id: string): string {
  const kept = ctx.registry.update(id, (current) => {
    if (!current) throw new EphemdirError(ErrorCodes.NOT_FOUND, 'it is no longer tracked', { id });
    if (current.state !== 'active') {
      throw new EphemdirError(ErrorCodes.INVALID_STATE, `${current.path} is being deleted (${current.state}); a sweep claimed it first`, { path: current.path });
    }
    return { entry: null, result: current };
  });
  const at = locate(kept);
  try {
    // Only our own marker is removed: the directory becomes an ordinary one.
    if (at.dir && at.identity === 'ours' && readMarker(at.dir) === kept.id) at.dir.unlink(MARKER_NAME);
  } finally {
    closeLocated(at);
  }
  ctx.registry.incrementStat('kept');
  return kept.path;
}

export async function keep(target: string): Promise<string> {
  return withContext((ctx) => keepById(ctx, pickOne(ctx, target, 'active').id));
}

export function extendById(ctx: ApiContext, id: string, lifetime: number | string | null, relative = false): Entry {
  let seconds: number | null;
  if (typeof lifetime === 'string' && lifetime.trim().startsWith('+')) {
    seconds = parseExtension(lifetime).seconds;
    relative = true;
  } else {
    seconds = parseDuration(lifetime);
  }
  if (relative && seconds === null) throw invalidArgument('a relative extension needs a duration, e.g. +1h');
  return ctx.registry.update(id, (current) => {
    if (!current) throw new EphemdirError(ErrorCodes.NOT_FOUND, 'it is no longer tracked', { id });
    if (current.state !== 'active') {
      throw new EphemdirError(ErrorCodes.INVALID_STATE, `${current.path} is being deleted (${current.state})`, { path: current.path });
    }
    const now = nowSeconds();
    const base = relative ? Math.max(current.expiresAt ?? now, now) : now;
    const next: Entry = { ...current, expiresAt: seconds === null ? null : base + seconds, cleanup: 'auto' };
    return { entry: next, result: next };
  });
}

export async function extend(target: string, lifetime: number | string | null, opts: { relative?: boolean } = {}): Promise<Entry> {
  return withContext((ctx) => extendById(ctx, pickOne(ctx, target, 'active').id, lifetime, opts.relative ?? false));
}

export function outcomeError(entry: Entry, o: Outcome): EphemdirError | Error | null {
  switch (o.kind) {
    case 'removed':
      return null;
    case 'busy':
      return new EphemdirError(ErrorCodes.BUSY, `${entry.path} is being processed by another ephemdir process`, { path: entry.path });
    case 'refused': {
      const code = o.blockers.includes('locked') || o.blockers.includes('in-use') ? ErrorCodes.IN_USE : o.blockers.includes('identity-changed') || o.blockers.includes('ownership-unverified') ? ErrorCodes.NOT_OURS : ErrorCodes.INVALID_STATE;
      return new EphemdirError(code, `refusing to remove ${entry.path}: ${o.message}`, { path: entry.path, blockers: o.blockers });
    }
    case 'failed':
      return o.error;
    case 'reconciled':
      return o.action === 'completed' ? null : new EphemdirError(ErrorCodes.RECOVERY_REQUIRED, `${entry.path}: ${o.message}`, { path: entry.path });
  }
}

export async function removeById(ctx: ApiContext, entry: Entry): Promise<RemoveResult> {
  const o = await removeEntry(ctx, entry, { waitMs: 10_000, honourInUse: false });
  const err = outcomeError(entry, o);
  if (err) throw err;
  ctx.registry.incrementStat('removed');
  return { path: entry.path, name: entry.name, entriesRemoved: o.kind === 'removed' ? o.entriesRemoved : 0 };
}

export async function remove(target: string): Promise<RemoveResult> {
  return withContextAsync((ctx) => removeById(ctx, pickOne(ctx, target, 'active')));
}

export async function resolve(target: string): Promise<string> {
  return withContext((ctx) => {
    const entry = pickOne(ctx, target, 'active');
    const at = locate(entry);
    closeLocated(at);
    if (at.presence === 'missing') {
      throw new EphemdirError(ErrorCodes.NOT_FOUND, `${entry.path} is tracked but missing; the entry was kept (run \`ephemdir prune\` to forget it)`, { path: entry.path });
    }
    return entry.path;
  });
}

export async function explain(target: string): Promise<ExplainModel> {
  return withContextAsync(async (ctx) => {
    const entry = pickOne(ctx, target, 'all');
    const probe = await probeEntry(ctx, entry, { inUse: true, lock: true, mounts: true });
    if (entry.maxSize !== null && probe.presence === 'present') probe.size = await scanSize(entry);
    const dctx = ctx.decision('full');
    return explainModel(entry, probe, decide(entry, probe, dctx), dctx);
  });
}

export async function recover(target: string, opts: { forget?: boolean } = {}): Promise<{ path: string; action: string }> {
  return withContextAsync(async (ctx) => {
    const entry = pickOne(ctx, target, 'journal');
    if (opts.forget) {
      const lock = ctx.registry.lockEntry(entry.id, { waitMs: 0 });
      if (!lock) throw new EphemdirError(ErrorCodes.BUSY, `${entry.path} is being processed by another ephemdir process`, { path: entry.path });
      try {
        ctx.registry.update(entry.id, () => ({ entry: null, result: undefined }));
      } finally {
        lock.release();
      }
      return { path: entry.path, action: 'forgotten' };
    }
    const o = await recoverEntry(ctx, entry, { waitMs: 0, honourInUse: false, retry: true });
    const err = outcomeError(entry, o);
    if (err) throw err;
    return { path: entry.path, action: o.kind === 'removed' ? 'removed' : o.kind === 'reconciled' ? o.action : o.kind };
  });
}

/** Forget active entries whose directory is missing; never touches disk. */
export async function prune(): Promise<string[]> {
  const ctx = openContext({ create: false });
  if (!ctx) return [];
  try {
    const forgotten: string[] = [];
    for (const entry of ctx.registry.list().entries.filter((e) => e.state === 'active')) {
      const at = locate(entry);
      closeLocated(at);
      if (at.presence !== 'missing') continue;
      ctx.registry.update(entry.id, (cur) => ({ entry: cur && cur.state === 'active' ? null : cur, result: undefined }));
      forgotten.push(entry.path);
    }
    return forgotten;
  } finally {
    ctx[Symbol.dispose]();
  }
}

export async function registered(): Promise<Entry[]> {
  const ctx = openContext({ create: false });
  if (!ctx) return [];
  try {
    return ctx.registry.list().entries;
  } finally {
    ctx[Symbol.dispose]();
  }
}

export async function list(opts: { tags?: string[] } = {}): Promise<TrackedDirectory[]> {
  const ctx = openContext({ create: false });
  if (!ctx) return [];
  try {
    const dctx = ctx.decision('full');
    const out: TrackedDirectory[] = [];
    const entries = ctx.registry.list().entries.filter((e) => !opts.tags || opts.tags.every((t) => e.tags.includes(t)));
    using cache = new ParentCache();
    for (const entry of entries.sort((a, b) => a.createdAt - b.createdAt || a.path.localeCompare(b.path))) {
      const probe = await probeEntry(ctx, entry, { cache });
      const d = decide(entry, probe, dctx);
      const status = displayStatus(entry, probe, d, dctx);
      out.push({
        entry,
        status,
        note: statusNote(status, entry, dctx, d),
        remainingSeconds: d.remainingSeconds,
        exists: probe.presence === 'unavailable' ? null : probe.presence === 'present',
      });
    }
    return out;
  } finally {
    ctx[Symbol.dispose]();
  }
}

export async function stats(): Promise<Stats> {
  const ctx = openContext({ create: false });
  if (!ctx) return { created: 0, swept: 0, kept: 0, removed: 0, currentlyTracked: 0 };
  try {
    const s = ctx.registry.stats();
    return { ...s, currentlyTracked: ctx.registry.list().entries.filter((e) => e.state === 'active').length };
  } finally {
    ctx[Symbol.dispose]();
  }
}

/** The newest active directory that is present on disk. */
export async function last(): Promise<Entry | null> {
  const ctx = openContext({ create: false });
  if (!ctx) return null;
  try {
    const active = ctx.registry.list().entries.filter((e) => e.state === 'active').sort((a, b) => b.createdAt - a.createdAt);
    for (const entry of active) {
      const at = locate(entry);
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
export async function currentTarget(cwd: string = process.cwd()): Promise<Entry> {
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
      const found = marker ? lookup(marker) : null;
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

function lookup(id: string): Entry | null {
  const ctx = openContext({ create: false });
  if (!ctx) return null;
  try {
    return ctx.registry.get(id);
  } finally {
    ctx[Symbol.dispose]();
  }
}

/** Size of a tracked directory for `tree` (bounded scan). */
export async function sizeOf(entry: Entry): Promise<{ bytes: number; complete: boolean } | null> {
  return scanSize(entry);
}
