// The listing cache: per entry shard, the entries a full read produced,
// with the identity (inode, size, mtime, ctime) of the shard folder and of
// every entry file they came from. A later listing uses a shard's cache only
// when the folder and every file still have exactly those identities, so
// `ephemdir list` costs one lstat per entry instead of a read and a strict
// decode. Pure functions over plain data: the I/O is in listing.ts.
//
// Why identities are enough: every registry write is a rename into the shard
// (the folder's mtime and ctime move) and any in-place edit moves the file's
// ctime. The one blind spot is a change inside the same clock tick as the
// read that built the cache ("racy git"), so nothing changed less than
// SETTLE_MS before the read is ever cached.
import { isAscii } from 'node:buffer';
import type { Entry } from '../model/entry';
import { ID_RE, KNOWN_KEYS } from './entry-codec';

export const LISTING_FORMAT = 1;
/** Files and folders younger than this (by mtime or ctime) are never cached. */
export const SETTLE_MS = 2000;
/** A cache file larger than this is ignored (a shard of a very large registry is re-read). */
export const MAX_CACHE_BYTES = 64 * 1024 * 1024;

/** What identifies one version of a file or folder: [ino, size, mtimeMs, ctimeMs]. */
export type Identity = [number, number, number, number];

export interface CachedFile {
  id: string;
  file: Identity;
  entry: Entry;
  /** Unknown fields the entry file had (see entry-codec), usually none. */
  extras: [string, unknown][];
}

export interface ShardCache {
  shard: string;
  dir: Identity;
  files: CachedFile[];
}

export function identityOf(st: { ino: number; size: number; mtimeMs: number; ctimeMs: number }): Identity {
  return [st.ino, st.size, st.mtimeMs, st.ctimeMs];
}

export function sameIdentity(a: Identity, b: Identity): boolean {
  return a[0] === b[0] && a[1] === b[1] && a[2] === b[2] && a[3] === b[3];
}

/** True when nothing can still change within the clock tick this identity was read in. */
export function settled(id: Identity, readStartedMs: number): boolean {
  return id[2] < readStartedMs - SETTLE_MS && id[3] < readStartedMs - SETTLE_MS;
}

/**
 * The shape of an Entry this version writes and reads. A cache written by a
 * version with other fields is ignored rather than trusted.
 */
export const ENTRY_FIELDS = KNOWN_KEYS.join(',');

export function encodeShardCache(cache: ShardCache): Buffer {
  const files = cache.files.map((f) => [f.id, f.file, f.entry, f.extras]);
  return Buffer.from(JSON.stringify({ format: LISTING_FORMAT, fields: ENTRY_FIELDS, shard: cache.shard, dir: cache.dir, files }), 'utf8');
}

function isIdentity(v: unknown): v is Identity {
  if (!Array.isArray(v) || v.length !== 4) return false;
  for (let i = 0; i < 4; i++) if (typeof v[i] !== 'number' || !Number.isFinite(v[i])) return false;
  return true;
}

/**
 * Reads a cache file's bytes; null for anything but a well-formed cache of
 * this shard, this format and this entry shape (the caller then re-reads the
 * shard). The entries inside were decoded strictly when the cache was
 * written; here each is checked for its id only.
 */
export function decodeShardCache(data: Buffer, shard: string): ShardCache | null {
  let raw: unknown;
  try {
    raw = JSON.parse(data.toString(isAscii(data) ? 'latin1' : 'utf8'));
  } catch {
    return null;
  }
  if (typeof raw !== 'object' || raw === null) return null;
  const o = raw as Record<string, unknown>;
  if (o.format !== LISTING_FORMAT || o.fields !== ENTRY_FIELDS || o.shard !== shard || !isIdentity(o.dir) || !Array.isArray(o.files)) return null;
  const files: CachedFile[] = [];
  const list = o.files as unknown[];
  for (let i = 0; i < list.length; i++) {
    const f = list[i];
    if (!Array.isArray(f) || f.length !== 4) return null;
    const id: unknown = f[0];
    const file: unknown = f[1];
    const entry: unknown = f[2];
    const extras: unknown = f[3];
    if (typeof id !== 'string' || id[0] !== shard || !ID_RE.test(id) || !isIdentity(file)) return null;
    if (typeof entry !== 'object' || entry === null || (entry as Entry).id !== id || !Array.isArray(extras)) return null;
    files.push({ id, file, entry: entry as Entry, extras: extras as [string, unknown][] });
  }
  return { shard, dir: o.dir, files };
}
