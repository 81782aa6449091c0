// One declarative checker for the arguments of every public function. Each
// function declares its signature once (its positional arguments and a table
// option name -> spec) and calls `checkCall` first, before anything is
// touched. Deciding is pure (`callProblem` returns what is wrong, or null);
// only `checkCall` throws. Unknown option keys are refused, so a typo such as
// `{ keeproot: true }` never silently means the default.
//
// Adding an option is one line in the function's signature; a new kind of
// value is one constructor below.
import { ErrorCodes, EphemdirError } from '../errors';
import { describeValue } from './humanize';

/** What a value must be; `problem` says why a value is not that (null: fine). */
export interface ValueSpec {
  /** For messages and docs: "true or false", "an integer from 1 to 64". */
  readonly expected: string;
  problem(value: unknown): string | null;
}

export type OptionTable = Readonly<Record<string, ValueSpec>>;

/**
 * The option table of an options type `T`: one spec for every key of `T`,
 * none for a key `T` lacks (the compiler enforces both), so the table and
 * the documented type cannot drift apart.
 */
export type OptionSpecs<T> = { readonly [K in keyof Required<T>]-?: ValueSpec };

export interface Signature {
  /** How messages name the function: `removeTree`, `FileStore.create`. */
  readonly name: string;
  /** Positional arguments, in order. */
  readonly args: ReadonlyArray<readonly [name: string, spec: ValueSpec]>;
  /** The options object (the argument after the positional ones), or null when there is none. */
  readonly options: OptionTable | null;
}

/** What is wrong with a call: which argument or option, the value, and the whole message. */
export interface CallProblem {
  /** `option keepRoot`, `argument path`, `options` (the object itself). */
  readonly where: string;
  readonly value: unknown;
  readonly message: string;
}

/** A typed option table (see {@link OptionSpecs}). */
export function optionsOf<T>(specs: OptionSpecs<T>): OptionTable {
  return specs as OptionTable;
}

export function signature(name: string, args: Readonly<Record<string, ValueSpec>>, options: OptionTable | null = null): Signature {
  return Object.freeze({ name, args: Object.freeze(Object.entries(args)), options: options && Object.freeze({ ...options }) });
}

function closest(key: string, known: readonly string[]): string | null {
  const lower = key.toLowerCase();
  const exact = known.find((k) => k.toLowerCase() === lower);
  if (exact) return exact;
  let best: string | null = null;
  let bestDistance = 3;
  for (const k of known) {
    const d = editDistance(lower, k.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length]!;
}

/** The problem with the options object itself or one of its keys, or null. */
export function optionsProblem(fn: string, table: OptionTable, options: unknown): CallProblem | null {
  if (options === undefined) return null;
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    return { where: 'options', value: options, message: `${fn}: invalid options ${describeValue(options)}: expected an object or undefined` };
  }
  const known = Object.keys(table);
  for (const key of Object.keys(options)) {
    if (Object.hasOwn(table, key)) continue;
    const hint = closest(key, known);
    const suggestion = hint ? ` (did you mean ${hint}?)` : '';
    const list = known.length ? `; known options: ${known.join(', ')}` : '; it takes no options';
    return { where: `option ${key}`, value: (options as Record<string, unknown>)[key], message: `${fn}: unknown option ${describeValue(key)}${suggestion}${list}` };
  }
  for (const key of known) {
    // Read as the function body will (inherited values included).
    const value = (options as Record<string, unknown>)[key];
    if (value === undefined) continue;
    const why = table[key]!.problem(value);
    if (why !== null) return { where: `option ${key}`, value, message: `${fn}: option ${key}: ${why}` };
  }
  return null;
}

/** The first problem with a call's positional arguments and options, or null. Pure. */
export function callProblem(sig: Signature, args: readonly unknown[], options?: unknown): CallProblem | null {
  for (let i = 0; i < sig.args.length; i++) {
    const [name, spec] = sig.args[i]!;
    const why = spec.problem(args[i]);
    if (why !== null) return { where: `argument ${name}`, value: args[i], message: `${sig.name}: argument ${name}: ${why}` };
  }
  return sig.options ? optionsProblem(sig.name, sig.options, options) : null;
}

/**
 * Throws `EPHEMDIR_INVALID_ARGUMENT` for the first problem with the call
 * (the error carries `where` and `value`). An async function calls it in its
 * body, so the problem becomes a rejection.
 */
export function checkCall(sig: Signature, args: readonly unknown[], options?: unknown): void {
  const p = callProblem(sig, args, options);
  if (p) throw new EphemdirError(ErrorCodes.INVALID_ARGUMENT, p.message, { where: p.where, value: p.value });
}

// ---- Specs ----------------------------------------------------------------

function bad(value: unknown, expected: string): string {
  return `invalid value ${describeValue(value)}: expected ${expected}`;
}

function spec(expected: string, ok: (value: unknown) => boolean): ValueSpec {
  return { expected, problem: (value) => (ok(value) ? null : bad(value, expected)) };
}

/** Strictly `true` or `false`: no "false", 0, 1 or null. */
export function boolean(): ValueSpec {
  return spec('true or false', (v) => typeof v === 'boolean');
}

/** An integer in [min, max] (finite; no strings). */
export function integer(min: number, max: number): ValueSpec {
  const top = max === Number.MAX_SAFE_INTEGER ? '2^53 - 1' : String(max);
  return spec(`an integer from ${min} to ${top}`, (v) => typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max);
}

/** A finite number in [min, max]. */
export function finiteNumber(min: number, max = Number.MAX_VALUE): ValueSpec {
  const range = max === Number.MAX_VALUE ? `>= ${min}` : `from ${min} to ${max}`;
  return spec(`a finite number ${range}`, (v) => typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max);
}

/** One of the given strings. */
export function oneOf(...values: readonly string[]): ValueSpec {
  const list = values.map((v) => `'${v}'`).join(', ');
  return spec(`one of ${list}`, (v) => typeof v === 'string' && values.includes(v));
}

export function func(): ValueSpec {
  return spec('a function', (v) => typeof v === 'function');
}

/** An AbortSignal (for `signal` options). */
export function abortSignal(): ValueSpec {
  return spec('an AbortSignal', (v) => typeof AbortSignal !== 'undefined' && v instanceof AbortSignal);
}

/** An instance of `type` (a handle such as DirHandle), optionally still usable. */
export function instance<T>(type: abstract new (...a: never[]) => T, what: string, usable: (v: T) => boolean = () => true): ValueSpec {
  return spec(what, (v) => v instanceof type && usable(v as T));
}

function noNul(v: string | Uint8Array): boolean {
  return typeof v === 'string' ? !v.includes('\0') : !v.includes(0);
}

/** A path string: non-empty, no NUL byte; `absolute` requires a leading `/`. */
export function pathString(options: { absolute?: boolean } = {}): ValueSpec {
  const expected = options.absolute ? 'an absolute path (a string starting with /, without NUL bytes)' : 'a non-empty path string without NUL bytes';
  return spec(expected, (v) => typeof v === 'string' && v.length > 0 && noNul(v) && (!options.absolute || v.startsWith('/')));
}

/**
 * What Node's fs accepts as a path: a string, a Buffer or a `file:` URL
 * (non-empty, no NUL); `absolute` requires a leading `/` (a URL always is).
 */
export function fsPath(options: { absolute?: boolean } = {}): ValueSpec {
  const what = options.absolute ? 'an absolute path' : 'a non-empty path';
  return spec(`${what} (a string, a Buffer or a file: URL) without NUL bytes`, (v) => {
    if (v instanceof URL) return v.protocol === 'file:';
    if (typeof v !== 'string' && !(v instanceof Uint8Array)) return false;
    if (v.length === 0 || !noNul(v)) return false;
    return !options.absolute || (typeof v === 'string' ? v.startsWith('/') : v[0] === 0x2f);
  });
}

/** An array of {@link pathString}s. */
export function pathList(): ValueSpec {
  const item = pathString();
  return {
    expected: 'an array of non-empty path strings',
    problem(value) {
      if (!Array.isArray(value)) return bad(value, 'an array of non-empty path strings');
      for (let i = 0; i < value.length; i++) {
        const why = item.problem(value[i]);
        if (why !== null) return `element ${i}: ${why}`;
      }
      return null;
    },
  };
}

/** A single path component (string or Buffer): not empty, `.` or `..`; no `/` or NUL. Allocation-free (hot paths). */
export function component(): ValueSpec {
  return spec('a single name (a string or Buffer without / or NUL, not empty, . or ..)', (v) => {
    if (typeof v === 'string') return v.length > 0 && v !== '.' && v !== '..' && !v.includes('/') && !v.includes('\0');
    if (!(v instanceof Uint8Array) || v.length === 0 || v.includes(0x2f) || v.includes(0)) return false;
    return !(v[0] === 0x2e && (v.length === 1 || (v.length === 2 && v[1] === 0x2e)));
  });
}

/** A string or a Buffer (a name whose form a lower layer checks). */
export function nameValue(): ValueSpec {
  return spec('a name (a string or a Buffer)', (v) => typeof v === 'string' || v instanceof Uint8Array);
}

/** A plain object with exactly these keys, each checked by its spec. */
export function record(fields: OptionTable, expected: string): ValueSpec {
  return {
    expected,
    problem(value) {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) return bad(value, expected);
      for (const key of Object.keys(value)) {
        if (!Object.hasOwn(fields, key)) return `unexpected key ${describeValue(key)}: expected ${expected}`;
      }
      for (const [key, field] of Object.entries(fields)) {
        const why = field.problem((value as Record<string, unknown>)[key]);
        if (why !== null) return `${key}: ${why}`;
      }
      return null;
    },
  };
}

/**
 * A spec from an existing validator (parseDuration, validateTags, ...): the
 * value is fine when it does not throw; an `EPHEMDIR_INVALID_ARGUMENT` it
 * throws is the reason (its message names the value). Any other error is a
 * bug and propagates.
 */
export function validatedBy(expected: string, validate: (value: unknown) => unknown): ValueSpec {
  return {
    expected,
    problem(value) {
      try {
        validate(value);
        return null;
      } catch (err) {
        if (err instanceof EphemdirError && err.code === ErrorCodes.INVALID_ARGUMENT) return err.message;
        throw err;
      }
    },
  };
}

/** `inner`, or exactly `also` (named `word` in messages). */
function orAlso(inner: ValueSpec, also: null | undefined, word: string): ValueSpec {
  return {
    expected: `${inner.expected}, or ${word}`,
    problem(v) {
      if (v === also) return null;
      const why = inner.problem(v);
      return why !== null && why.endsWith(`expected ${inner.expected}`) ? `${why}, or ${word}` : why;
    },
  };
}

/** `spec`, or null. (undefined always means "not given".) */
export function nullable(inner: ValueSpec): ValueSpec {
  return orAlso(inner, null, 'null');
}

/** Anything but undefined (an argument with no constraint of its own). */
export function any(): ValueSpec {
  return spec('a value', (v) => v !== undefined);
}

/** `spec`, or undefined (an optional positional argument). */
export function optional(inner: ValueSpec): ValueSpec {
  return orAlso(inner, undefined, 'undefined');
}
