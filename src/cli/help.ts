// `--help` text, generated from the commands' declarations.
import { STATUSES, STATUS_LEGEND, STATUS_STYLE } from '../policy/status';
import { visibleCommands } from './commands/index';
import { GLOBAL_OPTIONS, type CommandSpec, type Example, type OptionSpec } from './spec';

function optionLabel(name: string, o: OptionSpec): string {
  const long = `--${name}${o.type === 'string' ? ` ${o.value ?? 'VALUE'}` : ''}`;
  return o.short ? `-${o.short}, ${long}` : `    ${long}`;
}

function optionLines(options: Record<string, OptionSpec>): string {
  const entries = Object.entries(options);
  const labels = entries.map(([n, o]) => optionLabel(n, o));
  const w = Math.max(0, ...labels.map((l) => l.length));
  return entries.map(([, o], i) => `  ${labels[i]!.padEnd(w)}  ${o.help}\n`).join('');
}

export function mainHelp(): string {
  const visible = visibleCommands();
  const w = Math.max(...visible.map((c) => c.name.length));
  return (
    'usage: ephemdir [-v|-q] [--color WHEN] <command> [options] [args]\n\n' +
    'Temporary directories that clean themselves up.\n\n' +
    'Commands:\n' +
    visible.map((c) => `  ${c.name.padEnd(w)}  ${c.summary}\n`).join('') +
    '\nGlobal options (before or after the command):\n' +
    optionLines(GLOBAL_OPTIONS) +
    '      --version     print the version\n' +
    '\nRun `ephemdir <command> --help` for the options of one command.\n' +
    'Exit status: 0 success, 2 usage or invalid input, 1 any other failure.\n'
  );
}

export function usageLine(c: CommandSpec): string {
  const opts = Object.keys(c.options).length ? ' [options]' : '';
  return `usage: ephemdir ${c.name}${opts}${c.args ? ` ${c.args}` : ''}`;
}

/** Each example under a comment saying what it does (ending `(in fish)` when it is fish syntax). */
export function exampleLines(examples: readonly Example[]): string {
  return examples.map((e) => `  # ${e.does}${e.shell ? ` (in ${e.shell})` : ''}\n  ${e.run}\n`).join('');
}

/** What each status icon (and its --plain tag) in `list` and `tree` means. */
export function statusLegend(): string {
  const w = Math.max(...STATUSES.map((s) => STATUS_STYLE[s].ascii.length));
  return STATUSES.map((s) => `  ${STATUS_STYLE[s].emoji}\t${STATUS_STYLE[s].ascii.padEnd(w)}  ${STATUS_LEGEND[s]}\n`).join('');
}

export function commandHelp(c: CommandSpec): string {
  let out = `${usageLine(c)}\n\n${c.summary}\n`;
  if (Object.keys(c.options).length) out += `\nOptions:\n${optionLines(c.options)}`;
  out += `\nGlobal options:\n${optionLines(GLOBAL_OPTIONS)}`;
  if (c.details) out += `\n${c.details}\n`;
  if (c.statusLegend) {
    out +=
      '\nColumns: status, name, time left (or why none), the folder it is in, #tags;\n' +
      'a description on the next line. On a terminal each row fits its width (long\n' +
      'folders shortened in the middle with …); piped, nothing is shortened.\n' +
      `\nStatus (emoji, or the --plain tag):\n${statusLegend()}`;
  }
  if (c.examples.length) out += `\nExamples:\n${exampleLines(c.examples)}`;
  return out;
}
