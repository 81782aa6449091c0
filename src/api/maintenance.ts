// The bounded sweep tempdir() runs before creating: it looks only at the
// entries the schedule hints name, a handful, and runs one protocol step on
// one directory at most: a claim, or the removal and commit of a directory
// claimed before (policy/maintenance.ts decides which); the rest is left to
// later calls and to sweep().
import type { Entry } from '../model/entry';
import { decide } from '../policy/decide';
import type { SweepReasonCode } from '../policy/codes';
import { MAINTENANCE_BUDGET, MAINTENANCE_LIMIT, MAINTENANCE_LOOKS, maintenanceOrder, maintenanceStep } from '../policy/maintenance';
import { probeEntrySync } from './probe';
import { removeEntrySteps, recoverEntrySteps } from './removal';
import type { Steps } from '../core/steps';
import type { ApiContext } from './context';
import type { SweepReport } from './types';
import { countSwept, emptyReport, failure, record, registryItem, replayJournals } from './sweep';

/** Due candidates for the bounded sweep: hinted entries that really are due now, at most MAINTENANCE_LIMIT. */
function maintenanceCandidates(ctx: ApiContext, report: SweepReport): { due: Entry[]; postponed: number } {
  const due: Entry[] = [];
  let ids: string[];
  try {
    ids = ctx.registry.dueHints(ctx.decision('maintenance'), MAINTENANCE_LOOKS);
  } catch (err) {
    // The hints only speed sweeps up: without them this call sweeps nothing.
    report.failed.push(registryItem(ctx, err));
    return { due, postponed: 0 };
  }
  const entries: Entry[] = [];
  for (const id of ids) {
    try {
      const entry = ctx.registry.get(id);
      if (entry) entries.push(entry);
    } catch (err) {
      // A corrupt entry file is another entry's problem: never the caller's.
      report.failed.push(registryItem(ctx, err, id));
    }
  }
  const order = maintenanceOrder(entries);
  let looked = 0;
  for (const entry of order) {
    if (due.length >= MAINTENANCE_LIMIT) break;
    looked++;
    if (entry.state === 'active') {
      try {
        const probe = probeEntrySync(ctx, entry, { lock: true, mounts: true });
        if (!decide(entry, probe, ctx.decision('maintenance')).destructiveAllowed) continue;
      } catch (err) {
        failure(report, entry, ['due'], err);
        continue;
      }
    }
    due.push(entry);
  }
  // Hinted, maybe due, not looked at: left for later calls and sweeps.
  return { due, postponed: order.length - looked };
}

/**
 * The sweep tempdir() runs first. Bounded three times over: one directory
 * (a deletion under way before a new one), one protocol step on it (a due
 * directory is claimed by one call and removed by the next), and at most
 * MAINTENANCE_BUDGET entries removed; a bigger tree is left mid-deletion and
 * finished by later calls or the next full sweep, so the caller's latency
 * depends neither on how much is due nor on how big due trees are. Whatever
 * goes wrong with one removal is reported, never thrown at tempdir()'s caller.
 */
export function* maintenanceSweepSteps(ctx: ApiContext): Steps<SweepReport> {
  const report = emptyReport(false);
  // As in sweep(): never decide on an entry file a power cut set back behind its batch's journal.
  replayJournals(ctx, report);
  const { due, postponed } = maintenanceCandidates(ctx, report);
  report.postponed = postponed;
  let budget = MAINTENANCE_BUDGET;
  for (const entry of due) {
    if (budget <= 0) {
      report.postponed++;
      continue;
    }
    // The bounded sweep reports why it picked an entry without the full decision.
    const reasons: SweepReasonCode[] = [entry.state === 'active' ? 'due' : 'resume-deletion'];
    const opts = { waitMs: 0, honourInUse: false, budget, retry: false };
    try {
      const o =
        maintenanceStep(entry) === 'claim'
          ? yield* removeEntrySteps(ctx, entry, { ...opts, claimOnly: true })
          : yield* recoverEntrySteps(ctx, entry, opts);
      if (o.kind === 'removed' || o.kind === 'postponed') budget -= o.entriesRemoved;
      record(report, entry, reasons, o);
    } catch (err) {
      failure(report, entry, reasons, err);
    }
  }
  if (report.removed.length > 0) countSwept(ctx, report.removed.length);
  return report;
}

export { MAINTENANCE_BUDGET, MAINTENANCE_LIMIT } from '../policy/maintenance';
