// Errors in Node's own shape. System errors carry `code`, `errno`, `syscall`
// and `path` exactly like core's fs errors; policy refusals carry a stable
// `EPHEMDIR_*` code, the path concerned and a reason a person can act on.
import * as util from 'node:util';
import { escapeForTerminal } from './core/escape';

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

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

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

/** Shorthand for the most common refusal: bad input, naming the value. */
export function invalidArgument(message: string, extra: EphemdirErrorOptions = {}): EphemdirError {
  return new EphemdirError(ErrorCodes.INVALID_ARGUMENT, message, extra);
}

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
