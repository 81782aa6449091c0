// Argument parsing on node:util parseArgs, with our own messages and exit 2.
import * as path from 'node:path';
// A command's options come back as typed fields (see OptionsOf in spec.ts);
// the global ones are folded into GlobalFlags here, the one place that reads
// them.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { validateTags } from '../core/validate';
import { UsageError } from './io';
import { camelName, GLOBAL_OPTIONS, type CommandSpec, type OptionSpec } from './spec';
import type { ColorMode } from './color';

/** Suggestions load only when an option is mistyped (CLI start-up). */
function suggest(): typeof import('./suggest') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy: only a usage error needs them
  return require('./suggest') as typeof import('./suggest');
}

export type Values = Record<string, string | boolean | Array<string | boolean> | undefined>;

export interface Parsed {
  /** The command's own options by field name (`dryRun`), each as OptionsOf types it. */
  opts: Record<string, boolean | string | string[] | undefined>;
  positionals: string[];
}

/** The parsed values of a command's options, as the typed fields OptionsOf describes. */
function typedOptions(values: Values, options: Record<string, OptionSpec>): Parsed['opts'] {
  const out: Parsed['opts'] = {};
  for (const [name, o] of Object.entries(options)) {
    const v = values[name];
    const strings = (Array.isArray(v) ? v : v === undefined ? [] : [v]).filter((x): x is string => typeof x === 'string');
    out[camelName(name)] = o.type === 'boolean' ? v === true || (Array.isArray(v) && v.length > 0) : o.multiple ? strings : strings.at(-1);
  }
  return out;
}

export interface GlobalFlags {
  verbosity: number;
  colorMode: ColorMode;
  help: boolean;
  version: boolean;
  /** `--data-dir`, made absolute against the current directory; undefined: the configured registry. */
  dataDir?: string;
}

export function defaultGlobals(): GlobalFlags {
  return { verbosity: 0, colorMode: 'auto', help: false, version: false };
}

function toConfig(options: Record<string, OptionSpec>): NonNullable<ParseArgsConfig['options']> {
  const out: NonNullable<ParseArgsConfig['options']> = {};
  for (const [name, o] of Object.entries(options)) {
    out[name] = { type: o.type, ...(o.short ? { short: o.short } : {}), ...(o.multiple ? { multiple: true } : {}) };
  }
  return out;
}

function optionName(message: string): string {
  const m = /'(-[^' ]+(?:, --[^' ]+)?)/.exec(message);
  return m ? m[1]! : 'an option';
}

/** Every long option a command accepts (its own and the global ones), for suggestions. */
function longNames(options: Record<string, OptionSpec>, withVersion = false): string[] {
  return [...Object.keys(options), ...(withVersion ? ['version'] : [])];
}

/**
 * `unknown option 'X'`, with the close spellings among `names` when there
 * are some. `args` finds what was really typed when parseArgs reports one
 * letter of a single-dash word (`-dry-run` is read as `-d -r -y ...`).
 */
function unknownOption(reported: string, names: readonly string[], more: string, args: readonly string[] = []): UsageError {
  let typed = reported;
  if (/^-[^-]$/.test(reported)) {
    const word = args.find((a) => /^-[^-]{2,}/.test(a) && a.includes(reported[1]!));
    if (word !== undefined && suggest().closeOptions(word, names).length) typed = word.replace(/=.*$/s, '');
  }
  const close = suggest().closeOptions(typed, names);
  const hint = close.length ? ` (did you mean ${close.join(' or ')}?)` : more;
  return new UsageError(`unknown option '${typed}'${hint}`);
}

function translate(err: unknown, cmd: string, names: readonly string[], args: readonly string[]): UsageError {
  const e = err as { code?: string; message?: string };
  const message = e.message ?? String(err);
  const more = cmd ? ` (see: ephemdir ${cmd} --help)` : ' (see: ephemdir --help)';
  switch (e.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION': {
      const m = /Unknown option '([^']+)'/.exec(message);
      if (!m) return new UsageError(`unknown option${more}`);
      return unknownOption(m[1]!, names, more, args);
    }
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE': {
      if (/argument missing/.test(message)) return new UsageError(`option ${optionName(message)} needs a value`);
      if (/ambiguous/.test(message)) {
        return new UsageError(`option ${optionName(message)} needs a value (to pass one starting with '-', write --opt=VALUE)`);
      }
      if (/does not take an argument/.test(message)) return new UsageError(`option ${optionName(message)} takes no value`);
      return new UsageError(message);
    }
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return new UsageError(`unexpected argument${more}`);
    default:
      return new UsageError(message);
  }
}

function checkChoices(values: Values, options: Record<string, OptionSpec>): void {
  for (const [name, o] of Object.entries(options)) {
    if (!o.choices) continue;
    const v = values[name];
    for (const one of Array.isArray(v) ? v : v === undefined ? [] : [v]) {
      if (typeof one === 'string' && !o.choices.includes(one)) {
        throw new UsageError(`--${name} must be one of ${o.choices.join(', ')}, not '${one}'`);
      }
    }
  }
}

/**
 * Splits argv into global flags (which may come before the command), the
 * command name and the rest.
 */
export function splitGlobal(argv: readonly string[]): { globals: GlobalFlags; command: string | null; rest: string[] } {
  const globals = defaultGlobals();
  let i = 0;
  for (; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--version') globals.version = true;
    else if (a === '-h' || a === '--help') globals.help = true;
    else if (a === '-q' || a === '--quiet') globals.verbosity = -1;
    else if (/^-v+$/.test(a)) globals.verbosity = Math.max(globals.verbosity, 0) + a.length - 1;
    else if (a === '--verbose') globals.verbosity = Math.max(globals.verbosity, 0) + 1;
    else if (a === '--color' || a.startsWith('--color=')) {
      const v = a === '--color' ? argv[++i] : a.slice('--color='.length);
      if (v === undefined) throw new UsageError('option --color needs a value');
      globals.colorMode = colorMode(v);
    } else if (a === '--data-dir' || a.startsWith('--data-dir=')) {
      globals.dataDir = dataDirFlag(a === '--data-dir' ? argv[++i] : a.slice('--data-dir='.length));
    } else if (a === '--') {
      i++;
      break;
    } else if (a.startsWith('-') && a !== '-') {
      throw unknownOption(a.replace(/=.*$/s, ''), longNames(GLOBAL_OPTIONS, true), ' (see: ephemdir --help)');
    }
    else break;
  }
  const command = i < argv.length ? argv[i]! : null;
  return { globals, command, rest: argv.slice(i + 1) };
}

/** `--data-dir DIR`: a path, relative ones taken from the current directory (as `--parent` is); its trust is checked when the registry is opened. */
function dataDirFlag(v: string | undefined): string {
  if (v === undefined) throw new UsageError('option --data-dir needs a value');
  if (v === '' || v.includes('\0')) throw new UsageError(`--data-dir needs a folder path, not ${JSON.stringify(v)}`);
  return path.resolve(v);
}

function colorMode(v: string): ColorMode {
  if (v === 'auto' || v === 'always' || v === 'never') return v;
  throw new UsageError(`--color must be one of auto, always, never, not '${v}'`);
}

/** Parses a command's arguments (global flags allowed among them) and merges the globals. */
export function parseCommand(spec: CommandSpec, args: readonly string[], globals: GlobalFlags): Parsed {
  const options = { ...spec.options, ...GLOBAL_OPTIONS };
  let parsed: { values: Values; positionals: string[] };
  try {
    parsed = parseArgs({ args: [...args], options: toConfig(options), allowPositionals: true, strict: true }) as typeof parsed;
  } catch (err) {
    throw translate(err, spec.name, longNames(options), args);
  }
  const { values, positionals } = parsed;
  checkChoices(values, options);
  if (values.help) globals.help = true;
  if (values.quiet) globals.verbosity = -1;
  else if (Array.isArray(values.verbose)) globals.verbosity = Math.max(globals.verbosity, 0) + values.verbose.length;
  if (typeof values.color === 'string') globals.colorMode = colorMode(values.color);
  if (values['data-dir'] !== undefined) globals.dataDir = dataDirFlag(str(values, 'data-dir'));
  if (!globals.help) {
    if (positionals.length < spec.minArgs) {
      throw new UsageError(`missing argument ${spec.args} (see: ephemdir ${spec.name} --help)`);
    }
    if (positionals.length > spec.maxArgs) {
      throw new UsageError(`too many arguments (see: ephemdir ${spec.name} --help)`);
    }
  }
  return { opts: typedOptions(values, spec.options), positionals };
}

/**
 * Untyped reads of parsed values by option name, for src/cli/service, which
 * still takes the values as they come from parseArgs (commands read typed
 * fields instead).
 */
export function str(values: Values, name: string): string | undefined {
  const v = values[name];
  return typeof v === 'string' ? v : undefined;
}

export function flag(values: Values, name: string): boolean {
  return values[name] === true;
}

/**
 * The `--tag` values of a command, checked by the one rule tags are made
 * with: a malformed filter is a usage error (exit 2), never a filter that
 * silently matches nothing.
 */
export function tagFilter(tags: readonly string[]): string[] {
  try {
    return validateTags([...tags]);
  } catch (err) {
    throw new UsageError(`--tag: ${(err as Error).message}`);
  }
}
