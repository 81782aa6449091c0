// Errors in Node's own shape. System errors carry `code`, `errno`, `syscall`
// and `path` exactly like core's fs errors; policy refusals carry a stable
// `EPHEMDIR_*` code, the path concerned and a reason a person can act on.
import * as util from 'node:util';
import { escapeForTerminal } from './core/escape';
// Types only (erased from the JavaScript): the shapes the errors carry.
import type { RemoveTreeFailure } from './fs/remove-tree';
import type { QuarantinedEntry } from './api/types';
import type { BlockerCode } from './policy/codes';

/**
 * Messages never carry raw control or invisible characters (a file name from
 * a shared /tmp could hold terminal escapes): they are escaped here, once for
 * every error ephemdir makes. The raw value stays in `path` (and the other
 * fields). Backslashes are left alone, so escaping twice changes nothing.
 */
export function escapeMessage(text: string): string {
  return escapeForTerminal(text, { backslashes: false });
}

/** Every policy code ephemdir throws. Stable: scripts may match on them. */
export const ErrorCodes = {
  /** A value passed in is malformed (duration, size, name, option). */
  INVALID_ARGUMENT: 'EPHEMDIR_INVALID_ARGUMENT',
  /** The platform cannot give fd-bound deletion (Windows). */
  UNSUPPORTED_PLATFORM: 'EPHEMDIR_UNSUPPORTED_PLATFORM',
  /** The native addon is missing or was built from other sources. */
  NATIVE_UNAVAILABLE: 'EPHEMDIR_NATIVE_UNAVAILABLE',
  /** `/`, the home directory, ephemdir's own data, or a path the caller protected. */
  PROTECTED_PATH: 'EPHEMDIR_PROTECTED_PATH',
  /** A symlink where ephemdir will not follow one. */
  SYMLINK_IN_PATH: 'EPHEMDIR_SYMLINK_IN_PATH',
  /** A parent directory another user could tamper with. */
  UNSAFE_PARENT: 'EPHEMDIR_UNSAFE_PARENT',
  /** The operation would cross a mount boundary. */
  CROSSES_MOUNT: 'EPHEMDIR_CROSSES_MOUNT',
  /** A removal finished with entries it could not remove (see `failures`). */
  INCOMPLETE: 'EPHEMDIR_INCOMPLETE',
  /** Entries kept appearing while removing (a concurrent writer). */
  CONCURRENT_MODIFICATION: 'EPHEMDIR_CONCURRENT_MODIFICATION',
  /** The directory is not the one ephemdir created (marker or inode differ). */
  NOT_OURS: 'EPHEMDIR_NOT_OURS',
  /** No tracked directory matches. */
  NOT_FOUND: 'EPHEMDIR_NOT_FOUND',
  /** A prefix matches several tracked directories (see `matches`). */
  AMBIGUOUS: 'EPHEMDIR_AMBIGUOUS',
  /** Another process holds the lock. */
  BUSY: 'EPHEMDIR_BUSY',
  /** The registry cannot be trusted (corrupt, foreign-owned, writable by others, newer schema). */
  REGISTRY_UNUSABLE: 'EPHEMDIR_REGISTRY_UNUSABLE',
  /** The directory is mid-deletion and needs `recover`. */
  RECOVERY_REQUIRED: 'EPHEMDIR_RECOVERY_REQUIRED',
  /** The directory is in use (keepWhileInUse) or held with flock. */
  IN_USE: 'EPHEMDIR_IN_USE',
  /** The operation is not possible in the entry's current state. */
  INVALID_STATE: 'EPHEMDIR_INVALID_STATE',
} as const;

/** The union of every `EPHEMDIR_*` code: `'EPHEMDIR_INVALID_ARGUMENT' | 'EPHEMDIR_AMBIGUOUS' | ...`. */
export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

/** The fields an {@link EphemdirError} is made with: `path`, `cause`, and any extra ones the code carries (see {@link ErrorFields}). */
export interface EphemdirErrorOptions {
  path?: string;
  cause?: unknown;
  [extra: string]: unknown;
}

/** A policy refusal or invalid input. `code` is one of {@link ErrorCodes}. */
export class EphemdirError extends Error {
  readonly code: ErrorCode;
  declare readonly path?: string;

  constructor(code: ErrorCode, message: string, options: EphemdirErrorOptions = {}) {
    const { path, cause, ...extra } = options;
    super(escapeMessage(String(message)), cause === undefined ? undefined : { cause });
    this.name = 'EphemdirError';
    this.code = code;
    if (path !== undefined) this.path = path;
    Object.assign(this, extra);
  }
}

/** No fields besides the common ones (`{}` would also admit any non-nullish value). */
type NoFields = Record<never, never>;

/**
 * The fields an error of each code carries besides `code`, `message`,
 * `path` and `cause`, as the places that throw it set them. A field is
 * optional unless every error of that code has it: for example most
 * `EPHEMDIR_INCOMPLETE` errors come from the deletion engine and list its
 * `failures`, but one whose removal was postponed, or that wraps another
 * error (see `cause`), has none, and `prune()` reports `forgotten` and
 * `failed` instead. {@link isEphemdirError} narrows to these.
 */
export interface ErrorFields {
  EPHEMDIR_INVALID_ARGUMENT: {
    /** Which argument or option: `option lifetime`, `argument target`. */
    where?: string;
    /** The value refused. */
    value?: unknown;
    /** The environment variable that held it (EPHEMDIR_DATA_DIR, ...). */
    variable?: string;
    reason?: string;
  };
  EPHEMDIR_UNSUPPORTED_PLATFORM: NoFields;
  EPHEMDIR_NATIVE_UNAVAILABLE: {
    /** `linux-x64`: the platform and architecture looked for. */
    platform?: string;
    /** `glibc`, `musl`, or null when it cannot be told (or not Linux). */
    libc?: string | null;
    /** Every binary tried or passed over, and why it was refused. */
    tried?: Array<{ file: string; reason: string }>;
    /** The command that fixes it. */
    fix?: string;
  };
  EPHEMDIR_PROTECTED_PATH: NoFields;
  EPHEMDIR_SYMLINK_IN_PATH: {
    /** The path component that is a symlink. */
    component?: string;
    reason?: string;
  };
  EPHEMDIR_UNSAFE_PARENT: {
    /** What is wrong with the parent. */
    reason?: string;
    /** The component at fault (service checks). */
    component?: string;
    /** For a system error on the way (see `cause`). */
    syscall?: string;
    errno?: number;
  };
  /** Not thrown by this version: a mount inside a tree makes the removal `EPHEMDIR_INCOMPLETE`, with an `EXDEV` failure. */
  EPHEMDIR_CROSSES_MOUNT: NoFields;
  EPHEMDIR_INCOMPLETE: Partial<RemoveTreeCounts> & {
    /** What the deletion engine could not remove: path, errno, code and syscall of each. */
    failures?: RemoveTreeFailure[];
    /** prune(): the paths forgotten before it stopped. */
    forgotten?: string[];
    /** prune(): the entries it could not forget, and why. */
    failed?: Array<{ path: string; message: string }>;
  };
  EPHEMDIR_CONCURRENT_MODIFICATION: Partial<RemoveTreeCounts> & {
    failures?: RemoveTreeFailure[];
  };
  EPHEMDIR_NOT_OURS: {
    /** Why a removal was refused (`identity-changed`, `ownership-unverified`). */
    blockers?: BlockerCode[];
  };
  EPHEMDIR_NOT_FOUND: {
    /** The name or prefix looked up. */
    target?: string;
    /** Entry files set aside as unusable during the lookup. */
    quarantined?: QuarantinedEntry[];
    /** The entry id no longer tracked. */
    id?: string;
    /** A missing dependency (service checks). */
    dependency?: string;
  };
  EPHEMDIR_AMBIGUOUS: {
    /** The paths of every tracked directory the prefix matches, sorted. */
    matches: string[];
    /** The prefix looked up. */
    target?: string;
  };
  EPHEMDIR_BUSY: {
    /** The entry id whose lock is held. */
    id?: string;
  };
  EPHEMDIR_REGISTRY_UNUSABLE: {
    /** What is wrong with the registry. */
    reason?: string;
    /** The entry id whose file is corrupt. */
    id?: string;
    /** The registry schema found, when it is newer than this version's. */
    schema?: number;
    syscall?: string;
    errno?: number;
  };
  EPHEMDIR_RECOVERY_REQUIRED: NoFields;
  EPHEMDIR_IN_USE: {
    /** Subtrees left because another process holds a flock on them. */
    locked?: string[];
    /** Why the removal was refused (`in-use`, `locked`). */
    blockers?: BlockerCode[];
  };
  EPHEMDIR_INVALID_STATE: {
    /** Why a removal was refused. */
    blockers?: BlockerCode[];
  };
}

/** The counts the deletion engine reports with a removal that stopped. */
type RemoveTreeCounts = Pick<import('./fs/remove-tree').RemoveTreeResult, 'entriesRemoved' | 'directoriesRemoved' | 'complete' | 'mounts' | 'locked'>;

/** An {@link EphemdirError} of code `C`, with the fields that code carries (see {@link ErrorFields}). */
export type EphemdirErrorOf<C extends ErrorCode = ErrorCode> = C extends ErrorCode ? EphemdirError & { readonly code: C } & Readonly<ErrorFields[C & keyof ErrorFields]> : never;

// Every code has its row in ErrorFields (a new code fails to compile until it does).
type Holds<T extends true> = T;
type _EveryCodeHasFields = Holds<[Exclude<ErrorCode, keyof ErrorFields>] extends [never] ? true : false>;

const KNOWN_CODES: ReadonlySet<string> = new Set(Object.values(ErrorCodes));

/**
 * True when `err` is an ephemdir policy error, optionally of one code (or
 * one of several), and narrows it for TypeScript:
 *
 * ```ts
 * if (isEphemdirError(err, 'EPHEMDIR_AMBIGUOUS')) console.log(err.matches); // string[]
 * if (isEphemdirError(err, 'EPHEMDIR_INCOMPLETE')) for (const f of err.failures ?? []) console.log(f.path, f.code);
 * ```
 *
 * It tests the `code`, not the class, so an error from another copy of
 * ephemdir (a second install in node_modules) is recognised too. System
 * errors (`ENOENT`, ...) are not ephemdir errors.
 */
export function isEphemdirError<C extends ErrorCode = ErrorCode>(err: unknown, code?: C | readonly C[]): err is EphemdirErrorOf<C> {
  if (code !== undefined) checkCodes(code);
  if (!(err instanceof Error)) return false;
  const actual = (err as { code?: unknown }).code;
  if (typeof actual !== 'string' || !KNOWN_CODES.has(actual)) return false;
  if (code === undefined) return true;
  return typeof code === 'string' ? actual === code : code.includes(actual as C);
}

/** A code that is not one of ours would make the guard silently false forever: refuse it. */
function checkCodes(code: unknown): void {
  const list = typeof code === 'string' ? [code] : Array.isArray(code) ? code : null;
  if (list !== null && list.length > 0 && list.every((c) => typeof c === 'string' && KNOWN_CODES.has(c))) return;
  throw invalidArgument(
    `isEphemdirError: argument code: invalid value ${util.inspect(code, { breakLength: Infinity })}: expected an EPHEMDIR_* code (see ErrorCodes), a non-empty array of them, or undefined`,
    { where: 'argument code', value: code },
  );
}

/** Shorthand for the most common refusal: bad input, naming the value. */
export function invalidArgument(message: string, extra: EphemdirErrorOptions = {}): EphemdirError {
  return new EphemdirError(ErrorCodes.INVALID_ARGUMENT, message, extra);
}

/** A system error in Node's own shape (`ENOENT: no such file or directory, open '/x'`): `code`, negative `errno`, `syscall`, `path`. */
export interface SystemError extends Error {
  code: string;
  errno: number;
  syscall: string;
  path?: string;
  dest?: string;
}

let errorMap: Map<number, [string, string]> | undefined;

/** The code and message of a negative errno, as Node names them. */
export function describeErrno(errno: number): [code: string, message: string] {
  errorMap ??= util.getSystemErrorMap() as Map<number, [string, string]>;
  const n = errno > 0 ? -errno : errno;
  return errorMap.get(n) ?? [`Unknown system error ${n}`, `unknown error ${n}`];
}

/**
 * A Node-shaped system error: `ENOENT: no such file or directory, open '/x'`.
 * `errno` is negative like core's.
 */
export function systemError(errno: number, syscall: string, path?: string, dest?: string): SystemError {
  const n = errno > 0 ? -errno : errno;
  const [code, desc] = describeErrno(n);
  let message = `${code}: ${desc}, ${syscall}`;
  if (path !== undefined) message += ` '${path}'`;
  if (dest !== undefined) message += ` -> '${dest}'`;
  const err = new Error(escapeMessage(message)) as SystemError;
  err.errno = n;
  err.code = code;
  err.syscall = syscall;
  if (path !== undefined) err.path = path;
  if (dest !== undefined) err.dest = dest;
  return err;
}

/** True for an error object with the given system or policy code. */
export function hasCode(err: unknown, ...codes: string[]): boolean {
  return typeof err === 'object' && err !== null && codes.includes((err as { code?: unknown }).code as string);
}
