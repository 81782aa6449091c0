// Sweeping: first reconcile interrupted deletions, then decide every active
// entry with the pure policy and remove the due ones through the protocol.
// The maintenance sweep run by tempdir() is bounded: it looks only at the
// entries the schedule hints name, at most a handful, and leaves the rest.
import * as path from 'node:path';
import type { Entry, SweepMode } from '../model/entry';
import { isJournalState } from '../model/entry';
import { decide } from '../policy/decide';
import type { BlockerCode, SweepReasonCode } from '../policy/codes';
import { assertNever } from '../core/never';
import type { ReconcileAction } from './protocol';
import { scanSize } from './size';
import { probeEntry, probeEntrySync } from './probe';
import { removeEntrySteps, recoverEntry, recoverEntrySteps, type Outcome } from './removal';
import type { Steps } from '../core/steps';
import { openContext, type ApiContext } from './context';
import { abortError } from '../fs/abort';
import type { SweepItem, SweepOptions, SweepReport } from './types';
import { checkCall } from '../core/options';
import { SWEEP } from './signatures';
import { escapeMessage } from '../errors';
import { quarantinedOf } from './query';
import { BATCH_SIZE, BatchSession, sweepBatch, type BatchItem } from './sweep-batch';

/** How many due directories a tempdir() call looks at before creating. */
export const MAINTENANCE_LIMIT = 4;
/** How many entries (files, directories) a tempdir() call removes at most. */
export const MAINTENANCE_BUDGET = 1_000;

function emptyReport(dryRun: boolean): SweepReport {
  return { dryRun, removed: [], deferred: [], failed: [], recovered: [], postponed: 0, quarantined: [] };
}

function item(entry: Entry, reasons: SweepReasonCode[], blockers: BlockerCode[], error?: Error): SweepItem {
  const it: SweepItem = { path: entry.path, name: entry.name, reasons, blockers };
  if (error) it.error = { code: (error as { code?: string }).code ?? 'ERROR', message: escapeMessage(error.message) };
  return it;
}

/** One entry that could not be handled: reported, and the sweep goes on with the others. */
function failure(report: SweepReport, entry: Entry, reasons: SweepReasonCode[], err: unknown): void {
  report.failed.push(item(entry, reasons, [], err instanceof Error ? err : new Error(String(err))));
}

function hasTags(entry: Entry, tags: string[] | undefined): boolean {
  return !tags || tags.every((t) => entry.tags.includes(t));
}

function record(report: SweepReport, entry: Entry, reasons: SweepReasonCode[], outcome: Outcome): void {
  switch (outcome.kind) {
    case 'removed':
      report.removed.push(item(entry, reasons, []));
      return;
    case 'postponed':
      report.postponed++;
      return;
    case 'refused':
      report.deferred.push(item(entry, reasons, outcome.blockers));
      return;
    case 'busy':
      report.deferred.push(item(entry, reasons, ['busy']));
      return;
    case 'failed':
      report.failed.push(item(entry, reasons, [], outcome.error));
      return;
    case 'reconciled':
      recordReconciled(report, entry, reasons, outcome.action, outcome.message);
      return;
    default:
      assertNever(outcome, 'removal outcome');
  }
}

function recordReconciled(report: SweepReport, entry: Entry, reasons: SweepReasonCode[], action: ReconcileAction, message: string): void {
  switch (action) {
    case 'parked':
      report.failed.push(item(entry, reasons, ['recovery-required'], new Error(message)));
      return;
    case 'unavailable':
      // Cannot be inspected now (the next sweep tries again): held back, and said so.
      report.deferred.push(item(entry, reasons, ['unavailable'], new Error(message)));
      return;
    case 'reactivated':
    case 'completed':
      report.recovered.push(item(entry, [action], []));
      return;
    case 'left':
      return;
    default:
      assertNever(action, 'reconcile action');
  }
}

/** Rejects (with the report so far) once `signal` is aborted. */
function checkAborted(signal: AbortSignal | undefined, report: SweepReport): void {
  if (signal?.aborted) throw abortError(signal, { report });
}

/**
 * Removes every tracked directory that is due (lifetime over, machine
 * rebooted, over its size limit, `cleanup: 'next-sweep'`) and not blocked
 * (in use, held with flock, replaced at its path, a mount inside...),
 * finishing interrupted deletions on the way. `dryRun` reports
 * without removing, `force` treats every directory as due (blockers still
 * apply), `tags` limits it to directories carrying all of them. One directory
 * that fails never stops the others: see the report's `failed`.
 */
export async function sweep(options: SweepOptions = {}): Promise<SweepReport> {
  checkCall(SWEEP, [], options);
  const signal = options.signal; // checked by SWEEP above
  const dryRun = options.dryRun ?? false;
  checkAborted(signal, emptyReport(dryRun));
  const mode: SweepMode = options.mode ?? (options.force ? 'force' : 'full');
  const ctx = openContext({ create: false, dataDir: options.dataDir });
  const report = emptyReport(dryRun);
  if (!ctx) return report;
  try {
    if (!dryRun) replayJournals(ctx, report);
    const listed = ctx.registry.list();
    report.quarantined = quarantinedOf(listed.problems);
    const entries = listed.entries.filter((e) => hasTags(e, options.tags));
    const counted = () => {
      if (!dryRun && report.removed.length > 0) countSwept(ctx, report.removed.length);
    };
    const stopIfAborted = () => {
      if (!signal?.aborted) return;
      counted();
      checkAborted(signal, report);
    };
    let entriesRemoved = 0;
    let directoriesDone = 0;
    const progress = options.onProgress
      ? (p: { entriesRemoved: number }) => options.onProgress!({ entriesRemoved: entriesRemoved + p.entriesRemoved, directoriesDone })
      : undefined;
    const after = (o: Outcome) => {
      if (o.kind === 'removed') entriesRemoved += o.entriesRemoved;
      directoriesDone++;
      options.onProgress?.({ entriesRemoved, directoriesDone });
    };

    for (const entry of entries.filter((e) => isJournalState(e.state))) {
      if (entry.state === 'recovery') {
        report.deferred.push(item(entry, [], ['recovery-required']));
        continue;
      }
      if (dryRun) {
        // Recovery entries were deferred above: what is left would be resumed.
        report.removed.push(item(entry, ['deleting'], []));
        continue;
      }
      stopIfAborted();
      try {
        const o = await recoverEntry(ctx, entry, { waitMs: 0, honourInUse: false, retry: false, ...(progress ? { onProgress: progress } : {}), ...(signal ? { signal } : {}) });
        record(report, entry, ['resume-deletion'], o);
        after(o);
      } catch (err) {
        stopIfAborted(); // an abort ends the sweep; it is no failure of this entry
        failure(report, entry, ['resume-deletion'], err);
      }
    }

    const session = new BatchSession(ctx);
    try {
      let due: BatchItem[] = [];
      const runBatch = async () => {
        const batch = due;
        due = [];
        if (batch.length === 0) return;
        let results;
        try {
          results = await sweepBatch(ctx, session, batch, { honourInUse: true, ...(progress ? { onProgress: progress } : {}), ...(signal ? { signal } : {}) });
        } catch (err) {
          // Not expected (each entry's failure is its own result); the entries stay as the journal left them.
          for (const it of batch) failure(report, it.entry, it.reasons, err);
          return;
        }
        for (const r of results) {
          if ('outcome' in r) {
            record(report, r.item.entry, r.item.reasons, r.outcome);
            after(r.outcome);
          } else failure(report, r.item.entry, r.item.reasons, r.error);
        }
      };
      for (const entry of entries.filter((e) => e.state === 'active')) {
        stopIfAborted();
        let reasons: SweepReasonCode[] = [];
        try {
          const probe = await probeEntry(ctx, entry, { inUse: true, lock: true, mounts: true });
          if (entry.maxSize !== null && probe.presence === 'present') probe.size = await scanSize(entry);
          const d = decide(entry, probe, ctx.decision(mode));
          reasons = d.reasons;
          if (!d.due) continue;
          if (!d.destructiveAllowed) {
            report.deferred.push(item(entry, d.reasons, d.blockers));
            continue;
          }
          if (dryRun) {
            report.removed.push(item(entry, d.reasons, []));
            continue;
          }
          due.push({ entry, reasons: d.reasons });
        } catch (err) {
          stopIfAborted();
          failure(report, entry, reasons, err);
        }
        // Claimed together, removed together, committed together (sweep-batch.ts).
        if (due.length >= BATCH_SIZE) await runBatch();
      }
      stopIfAborted();
      await runBatch();
    } finally {
      closeSession(session);
    }
    stopIfAborted();
    counted();
    return report;
  } finally {
    ctx[Symbol.dispose]();
  }
}

/** Drops the sweep's batch journals once the registry is flushed; a failure leaves them for the next sweep to replay. */
function closeSession(session: BatchSession): void {
  try {
    session.close();
  } catch {
    // every change is atomic already; the journals only cover a power cut
  }
}

/** Due candidates for the bounded sweep: hinted entries that really are due now. */
function maintenanceCandidates(ctx: ApiContext, report: SweepReport): { due: Entry[]; postponed: number } {
  const due: Entry[] = [];
  let postponed = 0;
  let ids: string[];
  try {
    ids = ctx.registry.dueHints(ctx.decision('maintenance'), MAINTENANCE_LIMIT * 4);
  } catch (err) {
    // The hints only speed sweeps up: without them this call sweeps nothing.
    report.failed.push(registryItem(ctx, err));
    return { due, postponed };
  }
  for (const id of ids) {
    let entry: Entry | null;
    try {
      entry = ctx.registry.get(id);
    } catch (err) {
      // A corrupt entry file is another entry's problem: never the caller's.
      report.failed.push(registryItem(ctx, err, id));
      continue;
    }
    // In-use scans and size measurements are too slow for the caller's path;
    // parked (recovery) entries wait for `recover`.
    if (!entry || entry.state === 'recovery' || entry.keepWhileInUse) continue;
    if (entry.state === 'active') {
      try {
        const probe = probeEntrySync(ctx, entry, { lock: true, mounts: true });
        if (!decide(entry, probe, ctx.decision('maintenance')).destructiveAllowed) continue;
      } catch (err) {
        failure(report, entry, ['due'], err);
        continue;
      }
    }
    if (due.length < MAINTENANCE_LIMIT) due.push(entry);
    else postponed++;
  }
  return { due, postponed };
}

/** A failure that belongs to no readable entry: named after the registry (and the entry id, when known). */
function registryItem(ctx: ApiContext, err: unknown, id?: string): SweepItem {
  const e = err instanceof Error ? err : new Error(String(err));
  const where = (e as { path?: unknown }).path;
  const p = typeof where === 'string' ? where : ctx.registry.path;
  return { path: p, name: id ?? path.basename(p), reasons: [], blockers: [], error: { code: (e as { code?: string }).code ?? 'ERROR', message: e.message } };
}

/**
 * A batched sweep that died leaves its journal: intents that a power cut may
 * have kept from the entry files are written there first, so that reconcile
 * sees every interrupted deletion.
 */
function replayJournals(ctx: ApiContext, report: SweepReport): void {
  try {
    for (const p of ctx.registry.replayBatchJournals().problems) report.failed.push(registryItem(ctx, Object.assign(new Error(p.message), { path: p.path })));
  } catch (err) {
    report.failed.push(registryItem(ctx, err));
  }
}

/** The usage ledger is best effort: a busy or broken stats file never fails a sweep. */
function countSwept(ctx: ApiContext, n: number): void {
  try {
    ctx.registry.incrementStat('swept', n);
  } catch {
    // the directories are gone either way; only the counter is behind
  }
}

/**
 * The sweep tempdir() runs first. Bounded twice over: a few directories, and
 * at most MAINTENANCE_BUDGET entries removed in all; a bigger tree is left
 * mid-deletion and finished by later calls or the next full sweep, so the
 * caller's latency does not depend on how big due trees are. Whatever goes
 * wrong with one removal is reported, never thrown at tempdir()'s caller.
 */
export function* maintenanceSweepSteps(ctx: ApiContext): Steps<SweepReport> {
  const report = emptyReport(false);
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
      const o = entry.state === 'active' ? yield* removeEntrySteps(ctx, entry, opts) : yield* recoverEntrySteps(ctx, entry, opts);
      if (o.kind === 'removed' || o.kind === 'postponed') budget -= o.entriesRemoved;
      record(report, entry, reasons, o);
    } catch (err) {
      failure(report, entry, reasons, err);
    }
  }
  if (report.removed.length > 0) countSwept(ctx, report.removed.length);
  return report;
}
