// `ephemdir sweep`, `prune`, `recover` and `watch`.
import type { SweepItem, SweepReport } from '../../api/types';
import { parseDuration } from '../../core/duration';
import { escapeForTerminal as esc } from '../../core/humanize';
import { formatSize } from '../../core/size';
import { api } from '../api';
import { flag, str, tagFilter, type Values } from '../args';
import { report } from '../errors';
import { plural, warnQuarantined } from '../format';
import { UsageError, type Ctx } from '../io';
import { stringify, sweepJson } from '../json';
import type { SweepCounts } from '../metrics/families';
import { countedSweep, observation, publish } from '../metrics/observe';

/** The stable one-line form of a dry-run decision, for scripts. */
export function dryRunLine(item: SweepItem, verdict: 'due' | 'blocked'): string {
  const list = (xs: readonly string[]) => (xs.length ? xs.join(',') : 'none');
  return `${esc(item.path)}: ${verdict}; due=True; reasons=${list(item.reasons)}; blockers=${list(item.blockers)}\n`;
}

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

function describeItem(item: SweepItem): string {
  const why = item.blockers.length ? item.blockers.join(', ') : item.reasons.join(', ');
  return `${esc(item.path)}${why ? ` (${why})` : ''}`;
}

/** Each directory a (non-dry) sweep handled: details with -v, failures always. */
function itemLines(ctx: Ctx, r: SweepReport): void {
  for (const item of r.removed) ctx.info(`removed ${describeItem(item)}`);
  for (const item of r.recovered) ctx.info(`recovered ${describeItem(item)}`);
  for (const item of r.deferred) ctx.info(`held back ${describeItem(item)}`);
  for (const item of r.failed) {
    ctx.error(`could not remove ${esc(item.path)}: ${esc(item.error?.message ?? 'unknown error')}`);
  }
}

/** Human summary of a (non-dry) sweep on stderr. Returns the exit status. */
export function summarize(ctx: Ctx, r: SweepReport): number {
  itemLines(ctx, r);
  let line = `swept ${plural(r.removed.length, 'directory', 'directories')}`;
  if (r.deferred.length) line += `; ${r.deferred.length} held back`;
  if (r.failed.length) line += `; ${r.failed.length} failed`;
  ctx.note(line);
  return r.failed.length ? 1 : 0;
}

async function sweep(ctx: Ctx, values: Values): Promise<number> {
  const dryRun = flag(values, 'dry-run');
  const json = flag(values, 'json');
  const tags = tagFilter(values);
  // Refused before anything is swept: a metrics file that cannot be written
  // safely is a configuration error, not something to find out afterwards.
  const obs = observation(str(values, 'metrics-file'), flag(values, 'log-summary'), dryRun);
  try {
    const bar = progress(ctx);
    let r: SweepReport;
    let counts: SweepCounts;
    try {
      ({ report: r, counts } = await countedSweep(
        { dryRun, force: flag(values, 'force'), ...(tags.length ? { tags } : {}) },
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

async function prune(ctx: Ctx): Promise<number> {
  const paths = await api().prune();
  for (const p of paths) ctx.note(`forgot missing tracked directory: ${esc(p)}`);
  ctx.note(`pruned ${plural(paths.length, 'missing entry', 'missing entries')}`);
  return 0;
}

async function recover(ctx: Ctx, values: Values, positionals: string[]): Promise<number> {
  if (flag(values, 'forget') && flag(values, 'retry')) throw new UsageError('give either --forget or --retry, not both');
  const r = await api().recover(positionals[0]!, { forget: flag(values, 'forget') });
  ctx.note(`${esc(r.action)}: ${esc(r.path)}`);
  return 0;
}

/** `--interval`: whole seconds, or a duration such as 10m; at least 1 second. */
export function parseInterval(text: string | undefined, fallback = 600): number {
  if (text === undefined) return fallback;
  const seconds = /^\d+$/.test(text) ? Number(text) : parseDuration(text);
  if (seconds === null || !Number.isFinite(seconds) || seconds < 1) {
    throw new UsageError(`--interval must be at least 1 second, not '${esc(text)}'`);
  }
  return Math.floor(seconds);
}

/** `2026-11-30 01:50:03`, local time: when a `watch` line was written. */
function localTime(d: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

/**
 * The one line `watch` writes per sweep: when, and what it did (`removed 2
 * (1.5 MiB), deferred 1, failed 0`), or `nothing due`. `sizes` are the
 * due directories measured just before the sweep; a removed directory not
 * among them (or measured partly) makes the size a lower bound (`≥`).
 */
export function watchLine(at: Date, r: SweepReport, sizes: ReadonlyMap<string, { bytes: number; complete: boolean } | null>): string {
  if (!r.removed.length && !r.deferred.length && !r.failed.length && !r.recovered.length) return `${localTime(at)} nothing due`;
  let bytes = 0;
  let complete = true;
  for (const item of r.removed) {
    const size = sizes.get(item.path);
    if (size) bytes += size.bytes;
    if (!size?.complete) complete = false;
  }
  const size = r.removed.length ? ` (${complete ? '' : '≥'}${formatSize(bytes)})` : '';
  let line = `${localTime(at)} removed ${r.removed.length}${size}, deferred ${r.deferred.length}, failed ${r.failed.length}`;
  if (r.recovered.length) line += `, recovered ${r.recovered.length}`;
  return line;
}

/**
 * Sizes of what the next sweep would remove, measured now: the engine counts
 * entries, not bytes, and a removed directory cannot be measured afterwards.
 * Nothing is measured when nothing is due.
 */
async function dueSizes(): Promise<Map<string, { bytes: number; complete: boolean } | null>> {
  const sizes = new Map<string, { bytes: number; complete: boolean } | null>();
  const planned = await api().sweep({ dryRun: true });
  if (!planned.removed.length) return sizes;
  const due = new Set(planned.removed.map((i) => i.path));
  for (const t of await api().list()) {
    if (due.has(t.entry.path)) sizes.set(t.entry.path, await api().sizeOf(t.entry).catch(() => null));
  }
  return sizes;
}

async function watch(ctx: Ctx, values: Values): Promise<number> {
  const interval = parseInterval(str(values, 'interval'));
  const obs = observation(str(values, 'metrics-file'), flag(values, 'log-summary'));
  let stop: () => void = () => undefined;
  let stopped = false;
  const onSignal = () => {
    stopped = true;
    stop();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    ctx.info(`sweeping every ${interval}s; Ctrl-C stops`);
    while (!stopped) {
      try {
        const sizes = await dueSizes();
        const { report: r, counts } = await countedSweep({});
        itemLines(ctx, r);
        ctx.note(watchLine(new Date(), r, sizes));
        await publish(ctx, obs, counts);
      } catch (err) {
        return report(ctx, err);
      }
      if (stopped) break;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, interval * 1000);
        stop = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
    ctx.note('stopped');
    return 0;
  } finally {
    obs.close();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

export async function run(ctx: Ctx, name: string, values: Values, positionals: string[]): Promise<number> {
  switch (name) {
    case 'sweep':
      return sweep(ctx, values);
    case 'prune':
      return prune(ctx);
    case 'recover':
      return recover(ctx, values, positionals);
    default:
      return watch(ctx, values);
  }
}
