// `ephemdir menu`: the terminal around the menu's state machine (menu.ts):
// raw keys in, effects performed through the API, the screen drawn on stderr
// (so stdout stays free for the one piece of data it may print: the path
// chosen with Enter, which `emenu` from shell-init changes into).
import * as readline from 'node:readline';
import { parseExtension } from '../../core/duration';
import { escapeForTerminal as esc } from '../../core/humanize';
import { api } from '../api';
import { UsageError } from '../io';
import { initialState, reduce, renderMenu, settled, withItems, type Effect, type Key, type MenuState } from '../menu';
import { defineCommand } from '../spec';

/** Runs an API effect; what it did (or why it failed) becomes the message. */
async function perform(effect: Effect): Promise<string> {
  switch (effect.kind) {
    case 'keep':
      return `kept ${esc(await api().keep(effect.path))}`;
    case 'extend': {
      const ext = parseExtension(effect.text);
      const e = await api().extend(effect.path, ext.seconds, { relative: ext.relative });
      return `extended ${esc(e.name)}`;
    }
    case 'remove':
      return `removed ${esc((await api().remove(effect.path)).path)}`;
    default:
      return '';
  }
}

export default defineCommand(
  {
    name: 'menu',
    summary: 'interactive picker: keep, extend, remove, cd',
    options: {},
    details:
      'Keys: up/down move, k keep, e extend (2h or +1h), r remove (confirm with y), q quit.\n' +
      'Enter prints the chosen path on stdout; emenu (from shell-init) changes into it.',
    examples: [{ run: 'ephemdir menu', does: 'pick a directory: up/down, k keep, e extend, r remove, Enter prints it, q quits' }],
  },
  async (ctx) => {
    const { stdin, stderr } = ctx.streams;
    if (!stdin.isTTY || !stderr.isTTY) throw new UsageError('menu needs an interactive terminal (stdin and stderr)');
    const tty = stdin as NodeJS.ReadStream;
    const term = stderr as NodeJS.WriteStream;
    const emoji = ctx.emoji(false);
    const active = async () => (await api().list()).filter((t) => t.entry.state === 'active');
    let s: MenuState = withItems(initialState(), await active());
    const draw = () => term.write(renderMenu(s, { emoji, paint: ctx.paintErr, rows: term.rows ?? 24, columns: term.columns ?? 80 }));

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
      const onKey = (str: string | undefined, key: Omit<Key, 'str'> = {}) => {
        if (busy) return;
        const next = reduce(s, { ...key, str });
        s = next.state;
        const effect = next.effect;
        if (effect.kind === 'quit') return finish(effect.code, effect.chosen);
        if (effect.kind === 'none') return void draw();
        busy = true;
        void perform(effect)
          .then(
            (message) => message,
            (err: unknown) => ctx.paintErr('red', `error: ${esc((err as Error).message ?? String(err))}`),
          )
          .then(async (message) => {
            s = settled(s, message);
            s = withItems(s, await active().catch(() => s.items));
          })
          .finally(() => {
            busy = false;
            draw();
          });
      };
      tty.on('keypress', onKey);
      draw();
    });
  },
);
