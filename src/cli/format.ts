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
  if (isPlainAscii(text)) return text.length; // the common case
  let w = 0;
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (cp === 0xfe0f || cp === 0x200d) continue;
    w += cp >= 0x1f300 || (cp >= 0x2600 && cp <= 0x27bf) || (cp >= 0x1100 && isWideCjk(cp)) ? 2 : 1;
  }
  return w;
}

const NOT_PLAIN_ASCII = /[^\x20-\x7e]/;

/**
 * Printable ASCII only: one column a character. A regular expression, not a
 * charCodeAt loop: a listing runs this for every cell once, before the loop
 * would be compiled, and interpreted it costs ~2.5x the (compiled) regex.
 */
function isPlainAscii(text: string): boolean {
  return !NOT_PLAIN_ASCII.test(text);
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
  return padTo(text, width(text), to);
}

/** {@link pad} for text whose width `w` is known. */
function padTo(text: string, w: number, to: number): string {
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

/** `text` cut to at most `w` columns, ending in … when cut. */
export function elideEnd(text: string, w: number): string {
  if (width(text) <= w) return text;
  if (w <= 0) return '';
  let out = '';
  for (const ch of text) {
    if (width(out + ch) > w - 1) break;
    out += ch;
  }
  return `${out}…`;
}

/**
 * `text` cut to at most `w` columns by replacing its middle with …: the
 * start and the end of a path say more than its middle. The end gets two
 * thirds (the folder nearest the entry).
 */
export function elideMiddle(text: string, w: number): string {
  if (width(text) <= w) return text;
  if (w <= 1) return elideEnd(text, w);
  const chars = [...text];
  const headW = Math.floor((w - 1) / 3);
  let head = '';
  for (const ch of chars) {
    if (width(head + ch) > headW) break;
    head += ch;
  }
  const tailW = w - 1 - width(head);
  let tail = '';
  for (let i = chars.length - 1; i >= 0; i--) {
    if (width(chars[i]! + tail) > tailW) break;
    tail = chars[i]! + tail;
  }
  return `${head}…${tail}`;
}

/**
 * The width output to stdout must fit, or null for no limit. Only a terminal
 * is fitted (its width, else $COLUMNS, else 80); piped output is never
 * shortened, so scripts see every folder and tag in full.
 */
export function outputColumns(ctx: Ctx): number | null {
  const out = ctx.streams.stdout;
  if (out.isTTY !== true) return null;
  if (typeof out.columns === 'number' && out.columns > 0) return out.columns;
  const env = Number(ctx.env.COLUMNS);
  return Number.isInteger(env) && env > 0 ? env : 80;
}

/** The folder an entry is in, as `list` shows it: its parent with a trailing slash. */
function folderOf(parent: string): string {
  const p = esc(parent);
  return p.endsWith('/') ? p : `${p}/`;
}

/** A piece of a line and its colour: lines are cut to width before they are painted. */
interface Segment {
  text: string;
  color: Parameters<Painter>[0];
}

/**
 * The segments painted and joined, cut at the end (…) to `columns` when
 * given: the last resort when a terminal is too narrow for even the
 * shortened columns, so that no row ever wraps.
 */
function fit(segments: readonly Segment[], columns: number | null, paint: Painter): string {
  if (columns === null) return segments.map((s) => paint(s.color, s.text)).join('');
  const widths = segments.map((s) => width(s.text));
  const total = widths.reduce((n, w) => n + w, 0);
  // The common case: the row fits as it is.
  if (total <= columns) return segments.map((s) => paint(s.color, s.text)).join('');
  let left = columns;
  let out = '';
  for (let i = 0; i < segments.length; i++) {
    if (left <= 0) break;
    const s = segments[i]!;
    const text = widths[i]! >= left ? elideEnd(s.text, left) : s.text;
    out += paint(s.color, text);
    left -= text === s.text ? widths[i]! : width(text);
  }
  return out;
}

/** Narrowest the folder column gets before the row itself is cut. */
const MIN_FOLDER = 12;
/** Columns of tags a shortened row keeps room for. */
const TAGS_KEPT = 10;

export interface RenderOptions {
  emoji: boolean;
  paint: Painter;
  /** Fit every line into this many columns; null (or left out): never shorten. */
  columns?: number | null;
}

/**
 * The `list` table: status, name, time left, the folder it is in (the name
 * is not repeated), #tags; a description on its own line. With `columns`,
 * a long folder is shortened in the middle, then tags at their end, and no
 * line is wider than the terminal (a row that wraps is hard to read).
 */
export function renderList(items: readonly TrackedDirectory[], opts: RenderOptions): string {
  const columns = opts.columns ?? null;
  const rows = items.map((t) => {
    const icon = statusIcon(t.status, opts.emoji);
    const name = esc(t.entry.name);
    const note = esc(t.note);
    const folder = folderOf(t.entry.parent);
    return {
      icon, name, note, folder,
      // Each cell measured once: a table of thousands of rows is drawn at start-up.
      iconW: width(icon), nameW: width(name), noteW: width(note), folderW: width(folder),
      tags: t.entry.tags.length ? formatTags(t.entry.tags) : '',
      description: t.entry.description ? esc(t.entry.description) : '',
      color: statusColor(t.status),
    };
  });
  const iconW = Math.max(0, ...rows.map((r) => r.iconW));
  let nameW = Math.max(0, ...rows.map((r) => r.nameW));
  const noteW = Math.max(0, ...rows.map((r) => r.noteW));
  const folderW = Math.max(0, ...rows.map((r) => r.folderW));
  let room = Number.POSITIVE_INFINITY;
  if (columns !== null) {
    const fixed = () => iconW + 1 + nameW + 2 + noteW + 2;
    // Too narrow even for the folder's minimum: names give way (cut at their end).
    if (fixed() + Math.min(folderW, MIN_FOLDER) > columns) nameW = Math.max(4, columns - (iconW + 1 + 2 + noteW + 2 + MIN_FOLDER));
    room = columns - fixed();
  }
  let out = '';
  for (const r of rows) {
    const name = r.nameW <= nameW ? padTo(r.name, r.nameW, nameW) : pad(elideEnd(r.name, nameW), nameW);
    // Per row: the folder in full when it and the tags fit, else shortened in
    // the middle (keeping room for a few tags), then the tags cut at their end.
    let folder = r.folder;
    let tags = r.tags;
    if (room !== Number.POSITIVE_INFINITY && r.folderW + (tags ? 2 + width(tags) : 0) > room) {
      const keepForTags = tags ? 2 + Math.min(width(tags), TAGS_KEPT) : 0;
      folder = elideMiddle(folder, Math.max(Math.min(width(folder), MIN_FOLDER), room - keepForTags));
      tags = room - width(folder) - 2 >= 2 ? elideEnd(tags, room - width(folder) - 2) : '';
    }
    const segments: Segment[] = [
      { text: `${padTo(r.icon, r.iconW, iconW)} ${name}  `, color: null },
      { text: padTo(r.note, r.noteW, noteW), color: r.color },
      { text: `  ${folder}`, color: null },
    ];
    if (tags) segments.push({ text: '  ', color: null }, { text: tags, color: 'cyan' });
    out += `${fit(segments, columns, opts.paint)}\n`;
    if (r.description) {
      const desc = columns === null ? r.description : elideEnd(r.description, columns - 5);
      out += `     ${opts.paint('dim', desc)}\n`;
    }
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

export function renderTree(items: readonly TreeItem[], opts: RenderOptions): string {
  const columns = opts.columns ?? null;
  let out = '';
  for (const group of groupByParent(items)) {
    const total = formatMeasured(subtotal(group.children.map((c) => c.size)));
    const parent = folderOf(group.parent);
    const shown = columns === null ? parent : elideMiddle(parent, Math.max(MIN_FOLDER, columns - 2 - width(total)));
    out += `${fit([{ text: shown, color: 'bold' }, { text: `  ${total}`, color: null }], columns, opts.paint)}\n`;
    let nameW = Math.max(0, ...group.children.map((c) => width(esc(c.tracked.entry.name))));
    const sizeW = Math.max(0, ...group.children.map((c) => width(formatMeasured(c.size))));
    const lead = 2 + (opts.emoji ? 1 : 2) + 1 + (opts.emoji ? 2 : ASCII_TAG_WIDTH) + 1;
    if (columns !== null && lead + nameW + 2 + sizeW > columns) nameW = Math.max(4, columns - lead - 2 - sizeW);
    group.children.forEach((c, i) => {
      const last = i === group.children.length - 1;
      const branch = opts.emoji ? (last ? '└' : '├') : last ? '`-' : '|-';
      const icon = statusIcon(c.tracked.status, opts.emoji);
      const size = formatMeasured(c.size);
      const segments: Segment[] = [{ text: `  ${branch} ${icon} ${pad(elideEnd(esc(c.tracked.entry.name), nameW), nameW)}  ${size}`, color: null }];
      if (c.tracked.entry.tags.length) segments.push({ text: '  ', color: null }, { text: formatTags(c.tracked.entry.tags), color: 'cyan' });
      out += `${fit(segments, columns, opts.paint)}\n`;
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
