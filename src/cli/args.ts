// Argument parsing on node:util parseArgs, with our own messages and exit 2.
import * as path from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { validateTags } from '../core/validate';
import { UsageError } from './io';
import { COMMANDS, GLOBAL_OPTIONS, type CommandSpec, type OptionSpec } from './spec';
import type { ColorMode } from './color';

export type Values = Record<string, string | boolean | Array<string | boolean> | undefined>;

export interface Parsed {
  values: Values;
  positionals: string[];
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

function translate(err: unknown, cmd: string): UsageError {
  const e = err as { code?: string; message?: string };
  const message = e.message ?? String(err);
  const more = cmd ? ` (see: ephemdir ${cmd} --help)` : ' (see: ephemdir --help)';
  switch (e.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION': {
      const m = /Unknown option '([^']+)'/.exec(message);
      return new UsageError(`unknown option ${m ? `'${m[1]}'` : ''}${more}`.replace('option  (', 'option ('));
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
    } else if (a.startsWith('-') && a !== '-') throw new UsageError(`unknown option '${a}' (see: ephemdir --help)`);
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
    parsed = parseArgs({ args: [...args], options: toConfig(options), allowPositionals: true, strict: true }) as Parsed;
  } catch (err) {
    throw translate(err, spec.name);
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
  return { values, positionals };
}

export function unknownCommand(name: string): UsageError {
  const names = COMMANDS.filter((c) => !c.hidden).map((c) => c.name);
  const close = names.filter((n) => n.startsWith(name) || editDistance(n, name) <= 1);
  const hint = close.length ? ` (did you mean ${close.join(' or ')}?)` : ' (see: ephemdir --help)';
  return new UsageError(`unknown command '${name}'${hint}`);
}

function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
  }
  return d[a.length]![b.length]!;
}

/** Typed accessors for parsed values. */
export function str(values: Values, name: string): string | undefined {
  const v = values[name];
  return typeof v === 'string' ? v : undefined;
}

export function flag(values: Values, name: string): boolean {
  return values[name] === true;
}

export function strs(values: Values, name: string): string[] {
  const v = values[name];
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : typeof v === 'string' ? [v] : [];
}

/**
 * The `--tag` values of a command, checked by the one rule tags are made
 * with: a malformed filter is a usage error (exit 2), never a filter that
 * silently matches nothing.
 */
export function tagFilter(values: Values): string[] {
  const tags = strs(values, 'tag');
  try {
    return validateTags(tags);
  } catch (err) {
    throw new UsageError(`--tag: ${(err as Error).message}`);
  }
}
