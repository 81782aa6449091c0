// What a command is: its declared options (read back as typed fields), its
// arguments, help and examples, and its code. Each command is one file in
// commands/ that calls defineCommand(); commands/index.ts lists them. The
// parser, `--help` and the completion scripts are generated from the same
// declarations, so an option added to a command is parsed, documented,
// completed and typed at once. Also here: the global options (declared once)
// and the option declarations several commands share. No runtime imports, so
// loading it costs nothing at startup.
import type { Ctx } from './io';

export interface OptionSpec {
  type: 'boolean' | 'string';
  short?: string;
  multiple?: boolean;
  /** Placeholder shown in help (`DUR`, `N`, ...) for string options. */
  value?: string;
  /** Fixed choices, checked by the parser and offered by completion. */
  choices?: readonly string[];
  help: string;
}

/**
 * One line of a command's `Examples:` help, as a user would type it. Every
 * example is run by test/cli/help-examples.test.ts, so each must work as
 * written (in bash, or in fish when `shell` says so).
 */
export interface Example {
  run: string;
  /** What it does, shown as a comment above it. */
  does: string;
  shell?: 'fish';
}

/** What completion offers for positional arguments. */
export type ArgCompletion = 'names' | 'shells' | 'files' | 'none';

/** A command's options, keyed by their long name (`dry-run` for --dry-run). */
export type OptionSpecs = Record<string, OptionSpec>;

/** `dry-run` → `dryRun`: how an option is read in a command's code. */
type Camel<S extends string> = S extends `${infer H}-${infer T}` ? `${H}${Capitalize<Camel<T>>}` : S;

/** The value an option is read as: a flag is a boolean, a repeatable option a list, one with choices one of them. */
type ValueOf<O extends OptionSpec> = O['type'] extends 'boolean'
  ? boolean
  : O extends { multiple: true }
    ? string[]
    : O extends { choices: ReadonlyArray<infer C> }
      ? C | undefined
      : string | undefined;

/**
 * The parsed options as typed fields: `opts.dryRun` for `--dry-run`. A
 * misspelt option (`opts.dryRn`) does not compile.
 */
export type OptionsOf<O extends OptionSpecs> = { readonly [K in keyof O & string as Camel<K>]: ValueOf<O[K]> };

/** `dry-run` → `dryRun`, at run time (the parser's side of OptionsOf). */
export function camelName(name: string): string {
  return name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

export interface CommandSpec<O extends OptionSpecs = OptionSpecs> {
  name: string;
  summary: string;
  /** The positional part of the usage line. */
  args: string;
  minArgs: number;
  maxArgs: number;
  options: O;
  complete: ArgCompletion;
  /** Extra help text after the option list. */
  details?: string;
  /** Shown under `Examples:` in the command's help; every visible command has at least one. */
  examples: readonly Example[];
  /** `list --help` ends with the meaning of each status icon and tag. */
  statusLegend?: boolean;
  hidden?: boolean;
}

/** A command: its declarations and the code that runs it with the options parsed. */
export interface Command<O extends OptionSpecs = OptionSpecs> extends CommandSpec<O> {
  // A method, so a command with its own options is a Command of any options in the list.
  run(ctx: Ctx, opts: OptionsOf<O>, args: string[]): Promise<number | void>;
}

/**
 * Declares a command: `opts` in `run` has one typed field per declared
 * option (the literal types of the declarations are kept, so choices are
 * unions and repeatable options lists).
 */
export function defineCommand<const O extends OptionSpecs>(
  spec: CommandDeclaration<O>,
  run: (ctx: Ctx, opts: OptionsOf<O>, args: string[]) => Promise<number | void>,
): Command<O> {
  return { ...NO_ARGUMENTS, ...spec, run };
}

/** What a command that takes no positional arguments leaves out of its declaration. */
const NO_ARGUMENTS = { args: '', minArgs: 0, maxArgs: 0, complete: 'none' } as const;

/** A declaration as written: the positional part may be left out when there is none. */
export type CommandDeclaration<O extends OptionSpecs = OptionSpecs> = Omit<CommandSpec<O>, keyof typeof NO_ARGUMENTS> &
  Partial<Pick<CommandSpec<O>, keyof typeof NO_ARGUMENTS>>;

// Option declarations several commands share (`as const` keeps their literal types for OptionsOf).
export const JSON_OPT = { type: 'boolean', help: 'print machine-readable JSON' } as const;
export const PLAIN_OPT = { type: 'boolean', help: 'ASCII status tags instead of emoji' } as const;
export const TAG_FILTER = {
  type: 'string',
  multiple: true,
  value: 'TAG',
  help: 'only directories carrying this tag (repeatable; all must match)',
} as const;
export const INTERVAL_OPT = { type: 'string', value: 'SECS', help: 'seconds between sweeps, or a duration (default 600)' } as const;

/** What NAME means for the commands that take one (and what they do without it). */
export const TARGET_HELP =
  'NAME is a full path, an exact name or a unique prefix of a name. Without NAME the\n' +
  'command works on the tracked directory you stand in (found through its .ephemdir\n' +
  'marker and checked against the registry); anywhere else it refuses.';

/** Options every command accepts (before or after the command name). */
export const GLOBAL_OPTIONS: Record<string, OptionSpec> = {
  verbose: { type: 'boolean', short: 'v', multiple: true, help: 'more output on stderr (-vv: debug)' },
  quiet: { type: 'boolean', short: 'q', help: 'only errors on stderr' },
  color: { type: 'string', value: 'WHEN', choices: ['auto', 'always', 'never'], help: 'colour: auto (default), always, never' },
  help: { type: 'boolean', short: 'h', help: 'show help' },
  'data-dir': { type: 'string', value: 'DIR', help: 'use the registry kept in DIR instead of the default one (as EPHEMDIR_DATA_DIR=DIR does)' },
};
