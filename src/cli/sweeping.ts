// What `sweep` and `watch` (and install-service's --interval) share: the
// one-line forms of a sweep's outcome for people and scripts, and the
// interval between scheduled sweeps.
import type { SweepItem, SweepReport } from '../api/types';
import { parseDuration } from '../core/duration';
import { escapeForTerminal as esc } from '../core/humanize';
import { formatSize } from '../core/size';
import { plural } from './format';
import { UsageError, type Ctx } from './io';

/** The stable one-line form of a dry-run decision, for scripts. */
export function dryRunLine(item: SweepItem, verdict: 'due' | 'blocked'): string {
  const list = (xs: readonly string[]) => (xs.length ? xs.join(',') : 'none');
  return `${esc(item.path)}: ${verdict}; due=True; reasons=${list(item.reasons)}; blockers=${list(item.blockers)}\n`;
}


function describeItem(item: SweepItem): string {
  const why = item.blockers.length ? item.blockers.join(', ') : item.reasons.join(', ');
  return `${esc(item.path)}${why ? ` (${why})` : ''}`;
}

/** Each directory a (non-dry) sweep handled: details with -v, failures always. */
export function itemLines(ctx: Ctx, r: SweepReport): void {
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

