// `ephemdir menu`: an interactive picker over the tracked directories. The
// screen is drawn on stderr (a terminal), so stdout stays free for the one
// piece of data it may print: the path chosen with Enter, which `emenu`
// (from shell-init) changes into.
import * as readline from 'node:readline';
import type { TrackedDirectory } from '../api/types';
import { parseExtension } from '../core/duration';
import { escapeForTerminal as esc } from '../core/humanize';
import { api } from './api';
import type { Values } from './args';
import { pad, statusColor, statusIcon, width } from './format';
import { UsageError, type Ctx } from './io';

const HELP = 'up/down move · enter cd · k keep · e extend · r remove · q quit';

interface State {
  items: TrackedDirectory[];
  cursor: number;
  message: string;
  prompt: { label: string; text: string } | null;
  confirm: { label: string; action: () => Promise<string> } | null;
}

export function renderMenu(s: State, opts: { emoji: boolean; paint: Ctx['paint']; rows: number; columns: number }): string {
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
  if (s.confirm) out += `${s.confirm.label} [y/N] `;
  else if (s.prompt) out += `${s.prompt.label}${s.prompt.text}`;
  else out += paint('dim', HELP);
  return out;
}

export async function run(ctx: Ctx, _name: string, _values: Values): Promise<number> {
  const { stdin, stderr } = ctx.streams;
  if (!stdin.isTTY || !stderr.isTTY) throw new UsageError('menu needs an interactive terminal (stdin and stderr)');
  const tty = stdin as NodeJS.ReadStream;
  const term = stderr as NodeJS.WriteStream;
  const emoji = ctx.emoji(false);
  const s: State = { items: [], cursor: 0, message: '', prompt: null, confirm: null };
  const reload = async () => {
    s.items = (await api().list()).filter((t) => t.entry.state === 'active');
    s.cursor = Math.min(s.cursor, Math.max(0, s.items.length - 1));
  };
  const draw = () =>
    term.write(
      renderMenu(s, { emoji, paint: ctx.paintErr, rows: term.rows ?? 24, columns: term.columns ?? 80 }),
    );
  await reload();

  readline.emitKeypressEvents(tty);
  tty.setRawMode(true);
  tty.resume();
  term.write('\x1b[?25l');
  return new Promise<number>((resolve) => {
    let busy = false;
    const finish = (code: number, chosen?: string) => {
      tty.off('keypress', onKey);
      tty.setRawMode(false);
      tty.pause();
      term.write('\x1b[H\x1b[2J\x1b[?25h');
      if (chosen !== undefined) ctx.out(`${chosen}\n`);
      resolve(code);
    };
    const act = async (fn: () => Promise<string>) => {
      busy = true;
      try {
        s.message = await fn();
        await reload();
      } catch (err) {
        s.message = ctx.paintErr('red', `error: ${esc((err as Error).message ?? String(err))}`);
      } finally {
        busy = false;
        draw();
      }
    };
    const onKey = (str: string | undefined, key: { name?: string; ctrl?: boolean; sequence?: string } = {}) => {
      if (busy) return;
      if (key.ctrl && key.name === 'c') return finish(130);
      const current = s.items[s.cursor];
      if (s.confirm) {
        const c = s.confirm;
        s.confirm = null;
        if (str === 'y' || str === 'Y') return void act(c.action);
        s.message = 'cancelled';
        return draw();
      }
      if (s.prompt) {
        const p = s.prompt;
        if (key.name === 'escape') {
          s.prompt = null;
          s.message = 'cancelled';
        } else if (key.name === 'return' || key.name === 'enter') {
          s.prompt = null;
          const target = current;
          if (target && p.text.trim()) {
            return void act(async () => {
              const ext = parseExtension(p.text.trim());
              const e = await api().extend(target.entry.path, ext.seconds, { relative: ext.relative });
              return `extended ${esc(e.name)}`;
            });
          }
        } else if (key.name === 'backspace') p.text = p.text.slice(0, -1);
        else if (str && /^[0-9a-z+. ]$/i.test(str)) p.text += str;
        return draw();
      }
      switch (key.name) {
        case 'up':
          s.cursor = Math.max(0, s.cursor - 1);
          break;
        case 'down':
          s.cursor = Math.min(s.items.length - 1, s.cursor + 1);
          break;
        case 'q':
        case 'escape':
          return finish(0);
        case 'return':
        case 'enter':
        case 'c':
          if (current) return finish(0, current.entry.path);
          break;
        case 'k':
          if (current) return void act(async () => `kept ${esc(await api().keep(current.entry.path))}`);
          break;
        case 'e':
          if (current) s.prompt = { label: `extend ${esc(current.entry.name)} by (2h = from now, +1h = added): `, text: '' };
          break;
        case 'r':
        case 'd':
          if (current) {
            s.confirm = {
              label: `remove ${esc(current.entry.name)} and everything in it?`,
              action: async () => {
                const r = await api().remove(current.entry.path);
                return `removed ${esc(r.path)}`;
              },
            };
          }
          break;
        default:
          break;
      }
      s.message = s.confirm || s.prompt ? s.message : '';
      draw();
    };
    tty.on('keypress', onKey);
    draw();
  });
}
