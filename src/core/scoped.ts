// The shape shared by every scoped helper (withTempdir, withTempDir and their
// sync forms): run the callback with a resource, clean up whether it returns
// or throws, hand back its result. When both fail, the callback's error is
// the one thrown (it is the cause; a failed cleanup is usually its effect)
// and the cleanup error rides along on it as `suppressed`.
import { invalidArgument } from '../errors';

/** Where a cleanup error that cannot be attached to the callback's error goes. */
const WARNING_CODE = 'EPHEMDIR_CLEANUP_FAILED';

/**
 * Attaches `cleanupError` to the callback's error as an own, enumerable
 * `suppressed` property (so `util.inspect` and loggers show it). A thrown
 * primitive, a frozen object, or one that already has `suppressed` cannot
 * carry it without losing something: then it is emitted as a process
 * warning instead, never dropped. Returns the callback's error unchanged.
 */
export function withSuppressed(fnError: unknown, cleanupError: unknown, what: string): unknown {
  const carrier = fnError as Record<string, unknown>;
  if (typeof fnError === 'object' && fnError !== null && Object.isExtensible(fnError) && !Object.hasOwn(carrier, 'suppressed')) {
    Object.defineProperty(fnError, 'suppressed', { value: cleanupError, enumerable: true, writable: true, configurable: true });
    return fnError;
  }
  const message = cleanupError instanceof Error ? cleanupError.message : String(cleanupError);
  process.emitWarning(`${what}: cleanup failed after the callback threw: ${message}`, { code: WARNING_CODE });
  return fnError;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

/** Runs `fn(resource)`, awaits it, then `cleanup()`, whichever way `fn` ended. */
export async function runScoped<R, T>(what: string, resource: R, fn: (resource: R) => T | PromiseLike<T>, cleanup: () => Promise<void>): Promise<Awaited<T>> {
  let result: Awaited<T>;
  try {
    result = await fn(resource);
  } catch (err) {
    try {
      await cleanup();
    } catch (cleanupError) {
      throw withSuppressed(err, cleanupError, what);
    }
    throw err;
  }
  await cleanup();
  return result;
}

/**
 * Synchronous {@link runScoped}. A callback that returns a promise would
 * outlive its directory, so that is refused (the cleanup still runs) with
 * `EPHEMDIR_INVALID_ARGUMENT`; the promise is on the error as `value`, and
 * its rejection, if any, is not left unhandled.
 */
export function runScopedSync<R, T>(what: string, resource: R, fn: (resource: R) => T, cleanup: () => void): T {
  let result: T;
  try {
    result = fn(resource);
    if (isThenable(result)) {
      Promise.resolve(result).catch(() => {});
      throw invalidArgument(`${what}: argument fn returned a promise, which would outlive the directory; use the async form`, {
        where: 'argument fn',
        value: result,
      });
    }
  } catch (err) {
    try {
      cleanup();
    } catch (cleanupError) {
      throw withSuppressed(err, cleanupError, what);
    }
    throw err;
  }
  cleanup();
  return result;
}
