// The usage ledger `stats.json`, updated read-modify-write under the flock on
// `stats.lock`, so concurrent processes never lose an increment.
//
// The update rewrites the file in place (one pwrite at offset 0, padded to at
// least the old length, so no byte of the old content survives past the new
// one) rather than by a temp file renamed over it: on ext4 a rename over an
// existing file forces the new file's data out and frees the old inode,
// which cost every tempdir() about as much as its own two fsyncs. Readers take
// no lock, so the file carries `sum`, the sum of the counters: a read that
// raced a write does not add up and is read again.
import * as fs from 'node:fs';
import type { DirHandle } from '../fs/dir-handle';
import type { FileHandle } from '../fs/file-handle';
import { readFileAt, writeFileAtomic } from '../fs/files';
import { EphemdirError, ErrorCodes, invalidArgument } from '../errors';
import { lockFile, unlockFile } from './locks';
import { ownedPrivately } from '../core/trust';

export type StatName = 'created' | 'swept' | 'kept' | 'removed';
export type Stats = Record<StatName, number>;

export const STATS_FILE = 'stats.json';
export const STATS_LOCK = 'stats.lock';
const STAT_NAMES: readonly StatName[] = ['created', 'swept', 'kept', 'removed'];
const MAX_STATS_BYTES = 64 * 1024;

export function zeroStats(): Stats {
  return { created: 0, swept: 0, kept: 0, removed: 0 };
}

/** Sum of the counters, kept with them (see the header); exact while under 2^53. */
function sumOf(s: Stats): number {
  return STAT_NAMES.reduce((a, k) => a + s[k], 0);
}

/** The counters in `data`; null when the bytes are a torn read (their `sum` does not add up). */
function decodeStats(data: Buffer): Stats | null {
  const out = zeroStats();
  let raw: unknown;
  try {
    raw = JSON.parse(data.toString('utf8'));
  } catch {
    return out;
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return out;
  for (const k of STAT_NAMES) {
    const v = (raw as Record<string, unknown>)[k];
    if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) out[k] = v;
  }
  const sum = (raw as Record<string, unknown>).sum;
  if (sum !== undefined && sum !== sumOf(out)) return null; // written before the sum existed: no check
  return out;
}

/** A read that raced an in-place write is read again this many times before it counts as zeros. */
const READ_ATTEMPTS = 5;

/** Reads the ledger; a missing, foreign, oversized or corrupt one reads as zeros (it is a ledger, not state). */
export function readStats(dir: DirHandle): Stats {
  for (let attempt = 0; attempt < READ_ATTEMPTS; attempt++) {
    const r = readFileAt(dir, STATS_FILE, MAX_STATS_BYTES);
    if (!r.ok) return zeroStats();
    if (!ownedPrivately(r.stat)) return zeroStats();
    const s = decodeStats(r.data);
    if (s !== null) return s;
  }
  return zeroStats();
}

function encodeStats(s: Stats): string {
  return JSON.stringify({ ...s, sum: sumOf(s) }, null, 2);
}

/**
 * Under the lock: stats.json opened for an in-place update with what it
 * holds, or null when it is not a plain private file of ours with a single
 * link (then it is replaced by rename, as a corrupt or foreign file always was).
 */
function openForUpdate(dir: DirHandle): { file: FileHandle; data: Buffer } | null {
  let file: FileHandle;
  try {
    file = dir.openFile(STATS_FILE, fs.constants.O_RDWR | fs.constants.O_CREAT | fs.constants.O_NONBLOCK, 0o600);
  } catch {
    return null; // a symlink (ELOOP), a directory...: replaced below
  }
  const r = file.readAll(MAX_STATS_BYTES);
  if (!r.ok || !ownedPrivately(r.stat) || r.stat.nlink !== 1) {
    file.close();
    return null;
  }
  return { file, data: r.data };
}

export function incrementStats(dir: DirHandle, name: StatName, by: number, waitMs: number): void {
  if (!STAT_NAMES.includes(name)) throw invalidArgument(`unknown statistic ${JSON.stringify(name)}`);
  if (!Number.isSafeInteger(by) || by < 0) throw invalidArgument(`a statistic grows by a non-negative integer, got ${String(by)}`);
  if (by === 0) return;
  const held = lockFile(dir, STATS_LOCK, waitMs);
  if (held === null) {
    throw new EphemdirError(ErrorCodes.BUSY, `${dir.path}/${STATS_LOCK} is locked by another ephemdir process`, { path: `${dir.path}/${STATS_LOCK}` });
  }
  try {
    const open = openForUpdate(dir);
    if (open === null) {
      const s = readStats(dir);
      s[name] = Math.min(Number.MAX_SAFE_INTEGER, s[name] + by);
      writeFileAtomic(dir, STATS_FILE, `${encodeStats(s)}\n`, { mode: 0o600, durable: false }); // counters are best-effort
      return;
    }
    const { file, data } = open;
    try {
      // Under the lock no write races this read: what it holds is whole.
      const s = decodeStats(data) ?? zeroStats();
      s[name] = Math.min(Number.MAX_SAFE_INTEGER, s[name] + by);
      const body = encodeStats(s);
      // Padded with spaces (JSON allows them) to cover every old byte: counters only grow, so this is rare.
      file.writeAt(`${body}${' '.repeat(Math.max(0, data.length - body.length - 1))}\n`, 0); // not fsynced: counters are best-effort
    } finally {
      file.close();
    }
  } finally {
    unlockFile(held);
  }
}
