// `ephemdir sweep`: remove every tracked directory that is due.
import type { SweepReport } from '../../api/types';
import { escapeForTerminal as esc } from '../../core/humanize';
import { plural, warnQuarantined } from '../format';
import type { Ctx } from '../io';
import { stringify, sweepJson } from '../json';
import type { SweepCounts } from '../metrics/families';
import { countedSweep, observation, publish } from '../metrics/observe';
import { TAG_FILTER, defineCommand } from '../spec';
import { tagFilter } from '../args';
import { dryRunLine, summarize } from '../sweeping';

// src/cli/service/command.ts reads the interval rule from here.
export { parseInterval } from '../sweeping';

/** A throttled one-line progress display on a terminal stderr; nothing when piped. */
function progress(ctx: Ctx): { update(p: { entriesRemoved: number; directoriesDone: number }): void; done(): void } {
  const tty = ctx.streams.stderr.isTTY === true && ctx.verbosity >= 0;
  let last = 0;
  let shown = false;
  return {
    update(p) {
      if (!tty) return;
      const now = Date.now();
      if (now - last < 100) return;
      last = now;
      shown = true;
      ctx.streams.stderr.write(
        `\r\x1b[Ksweeping: ${plural(p.directoriesDone, 'directory', 'directories')} done, ${plural(p.entriesRemoved, 'entry', 'entries')} removed`,
      );
    },
    done() {
      if (shown) ctx.streams.stderr.write('\r\x1b[K');
    },
  };
}

function reportSweep(ctx: Ctx, r: SweepReport, dryRun: boolean, json: boolean): number {
  if (json) {
    ctx.out(stringify(sweepJson(r)));
    if (!dryRun) for (const item of r.failed) ctx.error(`could not remove ${esc(item.path)}: ${esc(item.error?.message ?? 'unknown error')}`);
    return r.failed.length ? 1 : 0;
  }
  let out = '';
  for (const item of r.removed) out += dryRunLine(item, 'due');
  for (const item of r.deferred) out += dryRunLine(item, 'blocked');
  ctx.out(out);
  let line = `would sweep ${plural(r.removed.length, 'directory', 'directories')}`;
  if (r.deferred.length) line += `; ${r.deferred.length} held back`;
  ctx.note(line);
  return 0;
}

export default defineCommand(
  {
    name: 'sweep',
    summary: 'remove every directory that is due',
    options: {
      'dry-run': { type: 'boolean', short: 'n', help: 'show what is due, remove nothing' },
      force: { type: 'boolean', help: 'treat every tracked directory as due (safety checks still apply)' },
      tag: TAG_FILTER,
      json: { type: 'boolean', help: 'report removed, deferred and failed directories as JSON' },
      'metrics-file': { type: 'string', value: 'PATH', help: 'write Prometheus metrics to PATH atomically (node_exporter textfile)' },
      'log-summary': { type: 'boolean', help: 'end with one key=value summary line on stderr (for a journal)' },
    },
    details:
      'Exit status 1 when a due directory could not be removed; held back (deferred) is not a failure.\n' +
      'A --metrics-file whose folder is missing or unsafe is refused (exit 2) before anything is swept.',
    examples: [
      { run: 'ephemdir sweep --dry-run', does: 'what is due and what is held back, removing nothing' },
      { run: 'ephemdir sweep', does: 'remove everything due now' },
      { run: 'ephemdir sweep --json', does: 'the same, reported as JSON (removed, deferred, failed, why)' },
    ],
  },
  async (ctx, opts) => {
    const { dryRun, json } = opts;
    const tags = tagFilter(opts.tag);
    // Refused before anything is swept: a metrics file that cannot be written
    // safely is a configuration error, not something to find out afterwards.
    const obs = observation(opts.metricsFile, opts.logSummary, dryRun);
    try {
      const bar = progress(ctx);
      let r: SweepReport;
      let counts: SweepCounts;
      try {
        ({ report: r, counts } = await countedSweep(
          { dryRun, force: opts.force, ...(tags.length ? { tags } : {}) },
          json || dryRun ? undefined : (p) => bar.update(p),
        ));
      } finally {
        bar.done();
      }
      warnQuarantined(ctx, r.quarantined);
      const status = dryRun || json ? reportSweep(ctx, r, dryRun, json) : summarize(ctx, r);
      await publish(ctx, obs, counts);
      return status;
    } finally {
      obs.close();
    }
  },
);
