// Every command, in the order `ephemdir --help` lists them: one line each,
// loading the command's file only when it is needed, so `ephemdir list`
// loads list.ts and what it imports, nothing else. Adding a command: a new
// file in this folder that exports `default defineCommand(...)`, and a line
// here. The name a file declares must be its key (test/cli/commands.test.ts).
import type { Command } from '../spec';

/* eslint-disable @typescript-eslint/no-require-imports -- lazy: a command's file loads only when it is named (CLI start-up) */
const COMMANDS = {
  new: () => (require('./new') as typeof import('./new')).default,
  list: () => (require('./list') as typeof import('./list')).default,
  tree: () => (require('./tree') as typeof import('./tree')).default,
  path: () => (require('./path') as typeof import('./path')).default,
  last: () => (require('./last') as typeof import('./last')).default,
  keep: () => (require('./keep') as typeof import('./keep')).default,
  extend: () => (require('./extend') as typeof import('./extend')).default,
  rm: () => (require('./rm') as typeof import('./rm')).default,
  sweep: () => (require('./sweep') as typeof import('./sweep')).default,
  rmtree: () => (require('./rmtree') as typeof import('./rmtree')).default,
  prune: () => (require('./prune') as typeof import('./prune')).default,
  recover: () => (require('./recover') as typeof import('./recover')).default,
  explain: () => (require('./explain') as typeof import('./explain')).default,
  stats: () => (require('./stats') as typeof import('./stats')).default,
  doctor: () => (require('./doctor') as typeof import('./doctor')).default,
  watch: () => (require('./watch') as typeof import('./watch')).default,
  'install-service': () => (require('./install-service') as typeof import('./install-service')).default,
  'uninstall-service': () => (require('./uninstall-service') as typeof import('./uninstall-service')).default,
  'shell-init': () => (require('./shell-init') as typeof import('./shell-init')).default,
  completion: () => (require('./completion') as typeof import('./completion')).default,
  menu: () => (require('./menu') as typeof import('./menu')).default,
  __complete: () => (require('./__complete') as typeof import('./__complete')).default,
} satisfies Record<string, () => Command>;
/* eslint-enable @typescript-eslint/no-require-imports */

export type CommandName = keyof typeof COMMANDS;

/** Every command name, hidden ones included, in help order. */
export const COMMAND_NAMES = Object.keys(COMMANDS) as CommandName[];

export function isCommandName(name: string): name is CommandName {
  return Object.prototype.hasOwnProperty.call(COMMANDS, name);
}

/** One command, its file loaded now. */
export function loadCommand(name: CommandName): Command {
  return COMMANDS[name]() as Command;
}

/** Every command (for help, completion scripts and suggestions: loads them all). */
export function allCommands(): Command[] {
  return COMMAND_NAMES.map(loadCommand);
}

/** The commands a user sees (the completion helper is hidden). */
export function visibleCommands(): Command[] {
  return allCommands().filter((c) => !c.hidden);
}
