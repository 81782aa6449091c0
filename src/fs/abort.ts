// Stopping an engine call from the JS thread: an AbortSignal, or a progress
// callback that throws, sets a flag the native walk polls at every entry
// (native/tree_bindings.cc newCancelFlag / cancel). The error an aborted
// call rejects with has Node's shape (name AbortError, code ABORT_ERR,
// `cause` = signal.reason) plus the counts of what was done before it stopped.
import { treeNative, type NativeCancelFlag } from '../native/tree-binding';

/**
 * How an aborted `removeTree`, `scanTree` or `sweep` rejects: like Node's own
 * (`name` 'AbortError', `code` 'ABORT_ERR', `cause` the signal's reason),
 * carrying the counts (or, for a sweep, the `report`) reached before it stopped.
 */
export class AbortError extends Error {
  readonly code = 'ABORT_ERR';
  constructor(message = 'The operation was aborted', options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AbortError';
  }
}

/** The AbortError for `signal`, carrying `counts`. */
export function abortError(signal: AbortSignal, counts: object): AbortError {
  return Object.assign(new AbortError(undefined, { cause: signal.reason }), counts);
}

/** Adds `counts` to an error thrown by a caller's callback, when it is an object that takes them. */
export function withCounts(err: unknown, counts: object): unknown {
  if (typeof err === 'object' && err !== null && Object.isExtensible(err)) {
    try {
      Object.assign(err, counts);
    } catch {
      // a getter-only or frozen field: the error goes out as it is
    }
  }
  return err;
}

/**
 * One cancellable engine call: the flag to pass as the native `cancel`
 * option. The engine polls it at every entry; cancel() sets it.
 */
export class Cancellation {
  readonly flag: NativeCancelFlag = treeNative().newCancelFlag();

  cancel(): void {
    treeNative().cancel(this.flag);
  }

  /**
   * Runs an off-thread engine call with `signal` wired to cancel() while it
   * runs. (A sync engine call has nothing to wire: it blocks the thread, so
   * no abort event can fire before it returns; the sync forms only check
   * the signal before starting.)
   */
  async watching<T>(signal: AbortSignal | undefined, call: () => Promise<T>): Promise<T> {
    if (!signal) return call();
    const onAbort = (): void => this.cancel();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      return await call();
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }
}
