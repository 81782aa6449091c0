// Sweeping: first reconcile interrupted deletions, then decide every active
// entry with the pure policy and remove the due ones through the protocol.
import * as path from 'node:path';
import type { Entry, SweepMode } from '../model/entry';
import { isJournalState, unknownProbe } from '../model/entry';
import { decide } from '../policy/decide';
import type { BlockerCode, SweepReasonCode } from '../policy/codes';
import { assertNever } from '../core/never';
import type { ReconcileAction } from './protocol';
import { scanSize } from './size';
import { MountSnapshot, probeEntry } from './probe';
import { ParentChains } from '../fs/walk-chain';
import { recoverEntry, type Outcome } from './removal';
import { openContext, type ApiContext } from './context';
import { abortError } from '../fs/abort';
import type { SweepItem, SweepOptions, SweepReport } from './types';
import { checkCall } from '../core/options';
import { SWEEP } from './signatures';
import { escapeMessage } from '../errors';
import { quarantinedOf } from './query';
import { JournaledEntries } from './query-journaled';
import { BATCH_SIZE, BatchSession, sweepBatch, type BatchItem } from './sweep-batch';

/** Parents kept open by a sweep's first look at its entries (beyond it they are walked afresh). */
const PROBE_PARENTS = 64;

export function emptyReport(dryRun: boolean): SweepReport {
  return { dryRun, removed: [], deferred: [], failed: [], recovered: [], postponed: 0, quarantined: [] };
}

function item(entry: Entry, reasons: SweepReasonCode[], blockers: BlockerCode[], error?: Error): SweepItem {
  const it: SweepItem = { path: entry.path, name: entry.name, reasons, blockers };
  if (error) it.error = { code: (error as { code?: string }).code ?? 'ERROR', message: escapeMessage(error.message) };
  return it;
}

/** One entry that could not be handled: reported, and the sweep goes on with the others. */
export function failure(report: SweepReport, entry: Entry, reasons: SweepReasonCode[], err: unknown): void {
  report.failed.push(item(entry, reasons, [], err instanceof Error ? err : new Error(String(err))));
}

function hasTags(entry: Entry, tags: string[] | undefined): boolean {
  return !tags || tags.every((t) => entry.tags.includes(t));
}

export function record(report: SweepReport, entry: Entry, reasons: SweepReasonCode[], outcome: Outcome): void {
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
    // A dry run writes nothing: it reads the entries as the journals say instead of replaying them.
    const listed = dryRun ? new JournaledEntries(ctx.registry).list() : ctx.registry.list();
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
    // The first look at each entry shares its parents (each walked once, every
    // reuse re-checked by identity) and one read of the mount table per
    // batch; the claim checks everything again under the entry lock.
    using parents = new ParentChains({ trust: 'chain', final: 'parent' }, PROBE_PARENTS);
    let mountTable: MountSnapshot | null = null;
    try {
      let due: BatchItem[] = [];
      const runBatch = async () => {
        const batch = due;
        due = [];
        mountTable = null;
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
          if (!dryRun && entry.maxSize === null) {
            // Without a size limit no due rule reads the probe: a due entry goes
            // straight to the claim, which gathers every blocker under the
            // entry lock (and refuses with them, reported as deferred here).
            const d = decide(entry, unknownProbe('present'), ctx.decision(mode));
            reasons = d.reasons;
            if (d.due) due.push({ entry, reasons: d.reasons });
          } else {
            mountTable ??= new MountSnapshot();
            const probe = await probeEntry(ctx, entry, { inUse: true, lock: true, mounts: true, cache: parents, mountTable });
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
          }
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

/** A failure that belongs to no readable entry: named after the registry (and the entry id, when known). */
export function registryItem(ctx: ApiContext, err: unknown, id?: string): SweepItem {
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
export function replayJournals(ctx: ApiContext, report: SweepReport): void {
  try {
    for (const p of ctx.registry.replayBatchJournals().problems) report.failed.push(registryItem(ctx, Object.assign(new Error(p.message), { path: p.path })));
  } catch (err) {
    report.failed.push(registryItem(ctx, err));
  }
}

/** The usage ledger is best effort: a busy or broken stats file never fails a sweep. */
export function countSwept(ctx: ApiContext, n: number): void {
  try {
    ctx.registry.incrementStat('swept', n);
  } catch {
    // the directories are gone either way; only the counter is behind
  }
}
