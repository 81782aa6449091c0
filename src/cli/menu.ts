// The menu's logic as a pure state machine: a key and the current state in,
// the next state and at most one effect out (quit, or an API action for the
// terminal shell in commands/menu.ts to perform). Drawing is a pure function
// of the state too. Tested by tables (test/cli/menu-state.test.ts); the shell
// is tested in a real terminal (test/cli/menu.test.ts).
import type { TrackedDirectory } from '../api/types';
import { escapeForTerminal as esc } from '../core/humanize';
import { pad, statusColor, statusIcon, width } from './format';
import type { Painter } from './color';

const HELP = 'up/down move · enter cd · k keep · e extend · r remove · q quit';

export type Mode =
  | { kind: 'browse' }
  /** Typing an extension (`2h`, `+1h`) for the directory at `path`. */
  | { kind: 'prompt'; label: string; text: string; path: string }
  /** Waiting for y to remove the directory at `path`. */
  | { kind: 'confirm'; label: string; path: string };

export interface MenuState {
  items: readonly TrackedDirectory[];
  cursor: number;
  message: string;
  mode: Mode;
}

/** A key as node's readline reports it: the character typed and the key's name. */
export interface Key {
  str?: string;
  name?: string;
  ctrl?: boolean;
}

/** What the shell must do after a key: nothing, leave, or call the API and report back with settled(). */
export type Effect =
  | { kind: 'none' }
  | { kind: 'quit'; code: number; chosen?: string }
  | { kind: 'keep'; path: string }
  | { kind: 'extend'; path: string; text: string }
  | { kind: 'remove'; path: string };

const NONE: Effect = { kind: 'none' };

export function initialState(): MenuState {
  return { items: [], cursor: 0, message: '', mode: { kind: 'browse' } };
}

/** New items (after a reload): the cursor stays where it was, within the list. */
export function withItems(s: MenuState, items: readonly TrackedDirectory[]): MenuState {
  return { ...s, items, cursor: Math.min(s.cursor, Math.max(0, items.length - 1)) };
}

/** The outcome of an effect, shown on the message line. */
export function settled(s: MenuState, message: string): MenuState {
  return { ...s, message };
}

export function reduce(s: MenuState, key: Key): { state: MenuState; effect: Effect } {
  if (key.ctrl && key.name === 'c') return { state: s, effect: { kind: 'quit', code: 130 } };
  const mode = s.mode;
  if (mode.kind === 'confirm') {
    const browse: MenuState = { ...s, mode: { kind: 'browse' } };
    if (key.str === 'y' || key.str === 'Y') return { state: browse, effect: { kind: 'remove', path: mode.path } };
    return { state: { ...browse, message: 'cancelled' }, effect: NONE };
  }
  if (mode.kind === 'prompt') {
    if (key.name === 'escape') return { state: { ...s, mode: { kind: 'browse' }, message: 'cancelled' }, effect: NONE };
    if (key.name === 'return' || key.name === 'enter') {
      const browse: MenuState = { ...s, mode: { kind: 'browse' } };
      const text = mode.text.trim();
      return { state: browse, effect: text ? { kind: 'extend', path: mode.path, text } : NONE };
    }
    if (key.name === 'backspace') return { state: { ...s, mode: { ...mode, text: mode.text.slice(0, -1) } }, effect: NONE };
    if (key.str && /^[0-9a-z+. ]$/i.test(key.str)) return { state: { ...s, mode: { ...mode, text: mode.text + key.str } }, effect: NONE };
    return { state: s, effect: NONE };
  }
  const current = s.items[s.cursor];
  const browse = (next: Partial<MenuState>): { state: MenuState; effect: Effect } => ({ state: { ...s, message: '', ...next }, effect: NONE });
  switch (key.name) {
    case 'up':
      return browse({ cursor: Math.max(0, s.cursor - 1) });
    case 'down':
      return browse({ cursor: Math.max(0, Math.min(s.items.length - 1, s.cursor + 1)) });
    case 'q':
    case 'escape':
      return { state: s, effect: { kind: 'quit', code: 0 } };
    case 'return':
    case 'enter':
    case 'c':
      return current ? { state: s, effect: { kind: 'quit', code: 0, chosen: current.entry.path } } : browse({});
    case 'k':
      return current ? { state: { ...s, message: '' }, effect: { kind: 'keep', path: current.entry.path } } : browse({});
    // Asking keeps the last message on screen above the question.
    case 'e':
      if (!current) return browse({});
      return {
        state: { ...s, mode: { kind: 'prompt', label: `extend ${esc(current.entry.name)} by (2h = from now, +1h = added): `, text: '', path: current.entry.path } },
        effect: NONE,
      };
    case 'r':
    case 'd':
      if (!current) return browse({});
      return {
        state: { ...s, mode: { kind: 'confirm', label: `remove ${esc(current.entry.name)} and everything in it?`, path: current.entry.path } },
        effect: NONE,
      };
    default:
      return browse({});
  }
}

export function renderMenu(s: MenuState, opts: { emoji: boolean; paint: Painter; rows: number; columns: number }): string {
  const { paint } = opts;
  let out = '\x1b[H\x1b[2J';
  out += `${paint('bold', 'ephemdir')}  ${s.items.length} tracked ${s.items.length === 1 ? 'directory' : 'directories'}\r\n\r\n`;
  if (!s.items.length) out += '  (nothing tracked; q quits)\r\n';
  const room = Math.max(3, opts.rows - 7);
  const start = Math.min(Math.max(0, s.cursor - Math.floor(room / 2)), Math.max(0, s.items.length - room));
  const shown = s.items.slice(start, start + room);
  const nameW = Math.max(0, ...shown.map((t) => width(esc(t.entry.name))));
  const noteW = Math.max(0, ...shown.map((t) => width(esc(t.note))));
  shown.forEach((t, i) => {
    const selected = start + i === s.cursor;
    let line = `${selected ? '>' : ' '} ${statusIcon(t.status, opts.emoji)} ${pad(esc(t.entry.name), nameW)}  ${paint(statusColor(t.status), pad(esc(t.note), noteW))}  ${esc(t.entry.path)}`;
    if (line.length > opts.columns + 40) line = line.slice(0, opts.columns + 40);
    out += `${selected ? paint('bold', line) : line}\r\n`;
  });
  out += '\r\n';
  if (s.message) out += `${s.message}\r\n`;
  if (s.mode.kind === 'confirm') out += `${s.mode.label} [y/N] `;
  else if (s.mode.kind === 'prompt') out += `${s.mode.label}${s.mode.text}`;
  else out += paint('dim', HELP);
  return out;
}
