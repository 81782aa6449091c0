// The usage ledger `stats.json`, updated read-modify-write under the flock on
// `stats.lock`, so concurrent processes never lose an increment. Readers take
// no lock: the file is only ever replaced by an atomic rename.
import type { DirHandle } from '../fs/dir-handle';
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

/** Reads the ledger; a missing, foreign, oversized or corrupt one reads as zeros (it is a ledger, not state). */
export function readStats(dir: DirHandle): Stats {
  const r = readFileAt(dir, STATS_FILE, MAX_STATS_BYTES);
  if (!r.ok) return zeroStats();
  if (!ownedPrivately(r.stat)) return zeroStats();
  let raw: unknown;
  try {
    raw = JSON.parse(r.data.toString('utf8'));
  } catch {
    return zeroStats();
  }
  const out = zeroStats();
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return out;
  for (const k of STAT_NAMES) {
    const v = (raw as Record<string, unknown>)[k];
    if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) out[k] = v;
  }
  return out;
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
    const s = readStats(dir);
    s[name] = Math.min(Number.MAX_SAFE_INTEGER, s[name] + by);
    writeFileAtomic(dir, STATS_FILE, `${JSON.stringify(s, null, 2)}\n`, { mode: 0o600, durable: false }); // counters are best-effort; atomic is enough
  } finally {
    unlockFile(held);
  }
}
