// Gathering the counts the metrics families are rendered from (I/O: the
// registry, through the CLI's API slice).
import type { SweepReport } from '../../api/types';
import { api } from '../api';
import { countStatuses, type RegistryCounts, type SweepCounts } from './families';

/** Tracked directories by status, quarantined entry files, and the ledger, read now. */
export async function registryCounts(): Promise<RegistryCounts> {
  const listed = await api().list();
  const s = await api().stats();
  return {
    byStatus: countStatuses(listed.map((d) => d.status)),
    quarantined: listed.quarantined.length,
    ledger: { created: s.created, swept: s.swept, kept: s.kept, removed: s.removed },
  };
}

/**
 * Counts entries removed from the sweep's progress calls: the first call that
 * reports one more directory done carries the total after that directory;
 * the calls in between also count a removal still under way, which may fail.
 */
export function entryCounter(): { onProgress(p: { entriesRemoved: number; directoriesDone: number }): void; readonly total: number } {
  let done = 0;
  let total = 0;
  return {
    onProgress(p) {
      if (p.directoriesDone === done) return;
      done = p.directoriesDone;
      total = p.entriesRemoved;
    },
    get total() {
      return total;
    },
  };
}

export function sweepCounts(r: SweepReport, entriesRemoved: number, startedMs: number, finishedMs: number): SweepCounts {
  return {
    removed: r.removed.length,
    deferred: r.deferred.length,
    failed: r.failed.length,
    recovered: r.recovered.length,
    quarantined: r.quarantined?.length ?? 0,
    entriesRemoved,
    finishedAt: finishedMs / 1000,
    durationSeconds: Math.max(0, finishedMs - startedMs) / 1000,
  };
}
