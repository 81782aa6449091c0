// Listing the registry: every entry file of every shard, read in one native
// call per shard and decoded strictly, or taken from the shard's listing
// cache when the shard folder and each of its files are exactly as they were
// when the cache was written (see listing-cache.ts for why that is enough).
import { isAscii } from 'node:buffer';
import { DirHandle, joinDisplay, nameToString } from '../fs/dir-handle';
import { readFileAt, writeFileAtomic } from '../fs/files';
import { EphemdirError, ErrorCodes } from '../errors';
import type { Entry } from '../model/entry';
import { extrasOf, MAX_ENTRY_BYTES, withExtras } from './entry-codec';
import { ownershipProblem } from '../core/trust';
import {
  decodeShardCache, encodeShardCache, identityOf, MAX_CACHE_BYTES, sameIdentity, settled,
  type CachedFile, type ShardCache,
} from './listing-cache';

const ENTRY_FILE_RE = /^([0-9a-f]{32})\.json$/;
const SHARD_RE = /^[0-9a-f]$/;

export interface RegistryProblem {
  /** The entry id, or null for a file that is not named like an entry. */
  id: string | null;
  /** Display path of the file. */
  file: string;
  reason: string;
}

/** What listing needs of the registry: its folders and its strict per-file paths. */
export interface ListingSource {
  /** entries/, or null when there is none. */
  entriesDir(): DirHandle | null;
  /** entries/<name>/ (throws REGISTRY_UNUSABLE for an unusable one). */
  shard(name: string): DirHandle | null;
  /** listing/, created when `create`; null when absent (or it cannot be used). */
  cacheDir(create: boolean): DirHandle | null;
  /** Owner/mode checks, then the strict decoder (REGISTRY_UNUSABLE, with `reason`). */
  decode(id: string, data: Buffer, st: { uid: number; mode: number }, display: string): Entry;
  /** The per-file path for anything unusual: it says precisely what is wrong. */
  read(id: string): Entry | null;
}

export interface ListOptions {
  /** The clock for the settle rule (milliseconds since the epoch); tests move it. */
  nowMs?: number;
  /** false: read every shard from its files, neither using nor writing the cache. */
  cache?: boolean;
}

function reasonOf(err: unknown): string {
  if (!(err instanceof EphemdirError) || err.code !== ErrorCodes.REGISTRY_UNUSABLE) throw err;
  return (err as EphemdirError & { reason: string }).reason;
}

/** The shard's cache when it still describes the shard exactly, else null. */
function cachedShard(src: ListingSource, name: string, dir: DirHandle): Entry[] | null {
  let cache: ShardCache | null = null;
  try {
    const at = src.cacheDir(false);
    const r = at ? readFileAt(at, `${name}.json`, MAX_CACHE_BYTES) : null;
    if (r?.ok && ownershipProblem(r.stat) === null) cache = decodeShardCache(r.data, name);
  } catch {
    return null; // unreadable, oversized, not a regular file: read the shard instead
  }
  if (cache === null || !sameIdentity(cache.dir, identityOf(dir.stat()))) return null;
  const stats = dir.statMany(cache.files.map((f) => `${f.id}.json`));
  const entries: Entry[] = [];
  for (let i = 0; i < cache.files.length; i++) {
    const f = cache.files[i]!;
    const st = stats[i]!;
    // The fields compared one by one: no identity array per entry file (this runs for every entry).
    const id = f.file;
    if (st.errno !== 0 || st.ino !== id[0] || st.size !== id[1] || st.mtimeMs !== id[2] || st.ctimeMs !== id[3]) return null;
    entries.push(f.extras.length > 0 ? withExtras(f.entry, f.extras) : f.entry);
  }
  return entries;
}

/** Writes (or, when it cannot be trusted, removes) a shard's cache. Best effort: it is only a cache. */
function storeShardCache(src: ListingSource, cache: ShardCache | null, name: string): void {
  try {
    const at = src.cacheDir(cache !== null);
    if (at === null) return;
    if (cache === null) at.unlink(`${name}.json`);
    else writeFileAtomic(at, `${name}.json`, encodeShardCache(cache), { mode: 0o600, durable: false });
  } catch {
    // absent already, a read-only data dir, a full disk: list without a cache
  }
}

/**
 * Reads a shard from its files: one native call, anything unusual through
 * the per-file path. Returns the cache to keep for it, or null when some
 * file or the folder itself is too recent (or unusual) to be cached.
 */
function readShard(src: ListingSource, name: string, dir: DirHandle, nowMs: number, entries: Entry[], problems: RegistryProblem[]): ShardCache | null {
  const dirId = identityOf(dir.stat());
  let cacheable = settled(dirId, nowMs);
  const files: CachedFile[] = [];
  for (const f of dir.readSmallFiles(MAX_ENTRY_BYTES)) {
    const raw = f.name;
    const text = nameToString(raw);
    const m = isAscii(raw) ? ENTRY_FILE_RE.exec(text) : null;
    if (m === null || !m[1]!.startsWith(name)) {
      problems.push({ id: null, file: joinDisplay(dir.path, raw), reason: 'unexpected file: not named like an entry of this shard (<32 hex>.json)' });
      cacheable = false;
      continue;
    }
    const id = m[1]!;
    const fast = f.data !== null && f.errno === 0 && (f.mode & 0o170000) === 0o100000 && f.data.length === f.size;
    try {
      const e = fast ? src.decode(id, f.data!, f, joinDisplay(dir.path, text)) : src.read(id);
      if (e !== null) entries.push(e);
      const fileId = identityOf(f);
      if (!fast || e === null || !settled(fileId, nowMs)) cacheable = false;
      else if (cacheable) files.push({ id, file: fileId, entry: e, extras: extrasOf(e) });
    } catch (err) {
      problems.push({ id, file: joinDisplay(dir.path, text), reason: reasonOf(err) });
      cacheable = false;
    }
  }
  return cacheable ? { shard: name, dir: dirId, files } : null;
}

/** Every tracked entry (oldest first), plus every file that could not be used, which stays in place. */
export function listEntries(src: ListingSource, opts: ListOptions = {}): { entries: Entry[]; problems: RegistryProblem[] } {
  const entries: Entry[] = [];
  const problems: RegistryProblem[] = [];
  const top = src.entriesDir();
  if (top === null) return { entries, problems };
  const useCache = opts.cache ?? true;
  for (const s of top.entries()) {
    const name = nameToString(s.name);
    if (!SHARD_RE.test(name)) {
      problems.push({ id: null, file: joinDisplay(top.path, s.name), reason: 'unexpected file: not an entry shard (one hex digit)' });
      continue;
    }
    let dir: DirHandle | null;
    try {
      dir = src.shard(name);
    } catch (err) {
      // One unusable shard (foreign-owned, unreadable) must not hide the others.
      problems.push({ id: null, file: joinDisplay(top.path, s.name), reason: (err as Error).message });
      continue;
    }
    if (dir === null) continue;
    const hit = useCache ? cachedShard(src, name, dir) : null;
    if (hit !== null) {
      for (const e of hit) entries.push(e);
      continue;
    }
    // The clock is read before the shard, so anything changed while it is read counts as recent.
    const cache = readShard(src, name, dir, opts.nowMs ?? Date.now(), entries, problems);
    if (useCache) storeShardCache(src, cache, name);
  }
  entries.sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { entries, problems };
}
