// One sweep as `sweep` and `watch` run it when asked for metrics or a
// summary line: the sweep with its entries counted and timed, then the
// journal line and the metrics file. The target is opened (and refused)
// before the first sweep by the caller.
import type { SweepOptions, SweepReport } from '../../api/types';
import { escapeForTerminal as esc } from '../../core/humanize';
import { api } from '../api';
import { UsageError, type Ctx } from '../io';
import { entryCounter, registryCounts, sweepCounts } from './collect';
import { renderExposition } from './exposition';
import { registryFamilies, summaryLine, sweepFamilies, type SweepCounts } from './families';
import { openMetricsTarget, writeMetrics, type MetricsTarget } from './file';

export interface Observation {
  target: MetricsTarget | null;
  logSummary: boolean;
  close(): void;
}

/** `--metrics-file` and `--log-summary`, checked (and the folder opened) before anything is swept. */
export function observation(metricsFile: string | undefined, logSummary: boolean, dryRun = false): Observation {
  if (dryRun && (metricsFile !== undefined || logSummary)) {
    throw new UsageError('--metrics-file and --log-summary describe a real sweep; leave out --dry-run');
  }
  const target = metricsFile !== undefined ? openMetricsTarget(metricsFile, process.cwd()) : null;
  return { target, logSummary, close: () => target?.dir.close() };
}

/** Runs one sweep, counting the entries removed and timing it. */
export async function countedSweep(
  options: SweepOptions,
  onProgress?: (p: { entriesRemoved: number; directoriesDone: number }) => void,
): Promise<{ report: SweepReport; counts: SweepCounts }> {
  const counter = entryCounter();
  const started = Date.now();
  const report = await api().sweep({
    ...options,
    onProgress: (p) => {
      counter.onProgress(p);
      onProgress?.(p);
    },
  });
  return { report, counts: sweepCounts(report, counter.total, started, Date.now()) };
}

/** The summary line on stderr (always, when asked: it is for the journal) and the metrics file. */
export async function publish(ctx: Ctx, obs: Observation, counts: SweepCounts): Promise<void> {
  if (obs.logSummary) ctx.streams.stderr.write(summaryLine(counts));
  if (obs.target) {
    writeMetrics(obs.target, renderExposition([...registryFamilies(await registryCounts()), ...sweepFamilies(counts)]));
    ctx.info(`wrote metrics to ${esc(obs.target.display)}`);
  }
}
