// Human output: the `list` table, the `tree` view and the small helpers they
// share. Every name, path, tag and description goes through escapeForTerminal
// before it reaches a terminal.
import type { QuarantinedEntry, TrackedDirectory } from '../api/types';
import { escapeForTerminal } from '../core/humanize';
import { formatSize } from '../core/size';
import { ASCII_TAG_WIDTH, STATUSES, STATUS_STYLE, type Status } from '../policy/status';
import type { Painter } from './color';
import type { Ctx } from './io';
import type { Entry } from '../model/entry';

export const esc = escapeForTerminal;

/** Display width of escaped text: code points, with wide emoji counted as 2. */
export function width(text: string): number {
  if (/^[\x20-\x7e]*$/.test(text)) return text.length; // the common case: plain ASCII
  let w = 0;
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (cp === 0xfe0f || cp === 0x200d) continue;
    w += cp >= 0x1f300 || (cp >= 0x2600 && cp <= 0x27bf) || (cp >= 0x1100 && isWideCjk(cp)) ? 2 : 1;
  }
  return w;
}

function isWideCjk(cp: number): boolean {
  return (
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0xa4cf) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6)
  );
}

export function pad(text: string, to: number): string {
  const w = width(text);
  return w >= to ? text : text + ' '.repeat(to - w);
}

function isStatus(s: string): s is Status {
  return Object.prototype.hasOwnProperty.call(STATUS_STYLE, s);
}

export function statusIcon(status: string, emoji: boolean): string {
  if (!isStatus(status)) return emoji ? '?' : pad('[?]', ASCII_TAG_WIDTH);
  const style = STATUS_STYLE[status];
  return emoji ? style.emoji : pad(style.ascii, ASCII_TAG_WIDTH);
}

export function statusColor(status: string): Parameters<Painter>[0] {
  return isStatus(status) ? STATUS_STYLE[status].color : null;
}

export function formatTags(tags: readonly string[]): string {
  return tags.map((t) => `#${esc(t)}`).join(' ');
}

/** The `list` table: icon, name, note, path, tags; a description on its own line. */
export function renderList(items: readonly TrackedDirectory[], opts: { emoji: boolean; paint: Painter }): string {
  const rows = items.map((t) => ({
    icon: statusIcon(t.status, opts.emoji),
    name: esc(t.entry.name),
    note: esc(t.note),
    path: esc(t.entry.path),
    tags: t.entry.tags.length ? formatTags(t.entry.tags) : '',
    description: t.entry.description ? esc(t.entry.description) : '',
    color: statusColor(t.status),
  }));
  const nameW = Math.max(0, ...rows.map((r) => width(r.name)));
  const noteW = Math.max(0, ...rows.map((r) => width(r.note)));
  let out = '';
  for (const r of rows) {
    let line = `${r.icon} ${pad(r.name, nameW)}  ${opts.paint(r.color, pad(r.note, noteW))}  ${r.path}`;
    if (r.tags) line += `  ${opts.paint('cyan', r.tags)}`;
    out += `${line}\n`;
    if (r.description) out += `     ${opts.paint('dim', r.description)}\n`;
  }
  return out;
}

export interface TreeItem {
  tracked: TrackedDirectory;
  size: { bytes: number; complete: boolean } | null;
}

/**
 * Whether `tree` measures a directory of each status: not those gone,
 * replaced, inaccessible, held back or mid-deletion. A Record, so a new
 * status must say.
 */
const MEASURED: Record<Status, boolean> = {
  active: true, expiring: true, expired: true, 'until-restart': true, 'until-sweep': true, kept: true,
  missing: false, replaced: false, deleting: false, recovery: false, unavailable: false, blocked: false,
};

/** Statuses whose directories `tree` measures (the rest are gone, foreign or mid-deletion). */
export const MEASURED_STATUSES: ReadonlySet<Status> = new Set(STATUSES.filter((s) => MEASURED[s]));

export function formatMeasured(size: { bytes: number; complete: boolean } | null): string {
  if (size === null) return '?';
  return `${size.complete ? '' : '≥'}${formatSize(size.bytes)}`;
}

/** Sum of children: `?` if none was measured; a lower bound if any is missing or partial. */
export function subtotal(sizes: ReadonlyArray<{ bytes: number; complete: boolean } | null>): {
  bytes: number;
  complete: boolean;
} | null {
  const measured = sizes.filter((s): s is { bytes: number; complete: boolean } => s !== null);
  if (measured.length === 0) return null;
  return {
    bytes: measured.reduce((a, s) => a + s.bytes, 0),
    complete: measured.length === sizes.length && measured.every((s) => s.complete),
  };
}

/** Groups by parent, parents sorted, children sorted by name. */
export function groupByParent(items: readonly TreeItem[]): Array<{ parent: string; children: TreeItem[] }> {
  const groups = new Map<string, TreeItem[]>();
  for (const it of items) {
    const list = groups.get(it.tracked.entry.parent) ?? [];
    list.push(it);
    groups.set(it.tracked.entry.parent, list);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([parent, children]) => ({
      parent,
      children: children.sort((x, y) => (x.tracked.entry.name < y.tracked.entry.name ? -1 : 1)),
    }));
}

export function renderTree(items: readonly TreeItem[], opts: { emoji: boolean; paint: Painter }): string {
  let out = '';
  for (const group of groupByParent(items)) {
    const total = formatMeasured(subtotal(group.children.map((c) => c.size)));
    const parent = esc(group.parent);
    out += `${opts.paint('bold', parent === '/' ? '/' : `${parent}/`)}  ${total}\n`;
    const nameW = Math.max(0, ...group.children.map((c) => width(esc(c.tracked.entry.name))));
    group.children.forEach((c, i) => {
      const last = i === group.children.length - 1;
      const branch = opts.emoji ? (last ? '└' : '├') : last ? '`-' : '|-';
      const icon = statusIcon(c.tracked.status, opts.emoji);
      let line = `  ${branch} ${icon} ${pad(esc(c.tracked.entry.name), nameW)}  ${formatMeasured(c.size)}`;
      if (c.tracked.entry.tags.length) line += `  ${opts.paint('cyan', formatTags(c.tracked.entry.tags))}`;
      out += `${line}\n`;
    });
  }
  return out;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** One stderr line per registry entry file set aside (corrupt or unsafe): never silent. */
export function warnQuarantined(ctx: Ctx, quarantined: readonly QuarantinedEntry[] | undefined): void {
  for (const q of quarantined ?? []) ctx.warn(`registry entry file ${esc(q.file)} was set aside and not used: ${esc(q.reason)}`);
}

/** No rule would ever make it due: what `list` shows as kept (📌 no auto-cleanup). */
export function neverCleanedUp(e: Entry): boolean {
  return e.cleanup === 'auto' && e.expiresAt === null && !e.removeOnRestart && e.maxSize === null;
}

/** Says on stderr (unless -q) that a directory will stay until removed by hand, never silently. */
export function warnNoAutoCleanup(ctx: Ctx, e: Entry, hint: string): void {
  if (!neverCleanedUp(e)) return;
  const pin = ctx.emoji(false) ? '\u{1F4CC}' : '[pin]';
  ctx.warn(`${pin} no auto-cleanup: ${esc(e.name)} has no lifetime and survives restarts, so it stays until you remove it (ephemdir rm); ${hint}`);
}
