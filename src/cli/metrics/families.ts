// What ephemdir exposes to Prometheus, and the one-line sweep summary for the
// service's journal. Pure: counts in, families and text out.
//
// Gauges and counters: the textfile is rewritten by every sweep and describes
// that sweep, so its per-sweep counts (removed, deferred, ...) start again at
// zero each time; they are gauges ("in the last sweep"), never `_total`.
// Only the registry's own ledger (stats.json: created, swept, kept, removed),
// which only ever grows, is exposed as counters.
import { STATUSES } from '../../policy/status';
import type { MetricFamily } from './exposition';

/** What stats and list can know at any time. */
export interface RegistryCounts {
  /** Tracked directories by display status (as `ephemdir list` shows them). */
  byStatus: Readonly<Record<string, number>>;
  quarantined: number;
  ledger: { created: number; swept: number; kept: number; removed: number };
}

/** What one (non-dry) sweep did. */
export interface SweepCounts {
  removed: number;
  deferred: number;
  failed: number;
  recovered: number;
  quarantined: number;
  /** Files and directories removed, counted by completed removals. */
  entriesRemoved: number;
  /** When the sweep finished, unix seconds. */
  finishedAt: number;
  durationSeconds: number;
}

/** Every known status with its count, known ones first (0 when none), so series do not vanish. */
export function countStatuses(statuses: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of STATUSES) out[s] = 0;
  for (const s of statuses) out[s] = (out[s] ?? 0) + 1;
  return out;
}

function gauge(name: string, help: string, value: number): MetricFamily {
  return { name, help, type: 'gauge', samples: [{ value }] };
}

function counter(name: string, help: string, value: number): MetricFamily {
  return { name, help, type: 'counter', samples: [{ value }] };
}

/** The families `stats --format prometheus` prints (and every metrics file carries). */
export function registryFamilies(c: RegistryCounts): MetricFamily[] {
  return [
    {
      name: 'ephemdir_tracked_directories',
      help: 'Directories in the registry, by status as `ephemdir list` shows it.',
      type: 'gauge',
      samples: Object.entries(c.byStatus).map(([status, value]) => ({ labels: { status }, value })),
    },
    gauge('ephemdir_quarantined_entries', 'Registry entry files set aside as unusable (corrupt, foreign, unsafe).', c.quarantined),
    counter('ephemdir_created_directories_total', 'Directories created, from the registry ledger.', c.ledger.created),
    counter('ephemdir_swept_directories_total', 'Directories removed by sweeps, from the registry ledger.', c.ledger.swept),
    counter('ephemdir_kept_directories_total', 'Directories released with keep, from the registry ledger.', c.ledger.kept),
    counter('ephemdir_removed_directories_total', 'Directories removed with rm, from the registry ledger.', c.ledger.removed),
  ];
}

/** The per-sweep families of `sweep --metrics-file`, after the registry's. */
export function sweepFamilies(s: SweepCounts): MetricFamily[] {
  return [
    gauge('ephemdir_sweep_due_directories', 'Directories that were due in the last sweep (removed + deferred + failed).', s.removed + s.deferred + s.failed),
    gauge('ephemdir_sweep_removed_directories', 'Directories removed by the last sweep.', s.removed),
    gauge('ephemdir_sweep_deferred_directories', 'Due directories the last sweep held back (in use, locked, ...).', s.deferred),
    gauge('ephemdir_sweep_failed_directories', 'Due directories the last sweep could not remove.', s.failed),
    gauge('ephemdir_sweep_recovered_directories', 'Interrupted deletions the last sweep finished or settled.', s.recovered),
    gauge('ephemdir_sweep_removed_entries', 'Files and directories removed by the last sweep.', s.entriesRemoved),
    gauge('ephemdir_last_sweep_timestamp_seconds', 'When the last sweep finished, in unix seconds.', s.finishedAt),
    gauge('ephemdir_sweep_duration_seconds', 'How long the last sweep took, in seconds.', s.durationSeconds),
  ];
}

/**
 * The stable journal line of one sweep: `ephemdir sweep: key=value ...`,
 * keys in a fixed order, integers except the duration (seconds, 3 decimals).
 */
export function summaryLine(s: SweepCounts): string {
  const fields: Array<[string, string]> = [
    ['removed', String(s.removed)],
    ['deferred', String(s.deferred)],
    ['failed', String(s.failed)],
    ['recovered', String(s.recovered)],
    ['due', String(s.removed + s.deferred + s.failed)],
    ['quarantined', String(s.quarantined)],
    ['entries_removed', String(s.entriesRemoved)],
    ['duration_seconds', s.durationSeconds.toFixed(3)],
  ];
  return `ephemdir sweep: ${fields.map(([k, v]) => `${k}=${v}`).join(' ')}\n`;
}
