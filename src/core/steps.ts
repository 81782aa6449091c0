// Sync and async written once. An operation that exists in both flavours
// (removeTree / removeTreeSync, tempdir / tempdirSync, ...) is one generator
// function, its body: plain synchronous code that `yield*`s a Step wherever
// it needs the one call that really differs (an engine call run off the
// main thread, an in-use scan). runSync performs each Step's sync form,
// runAsync awaits its async form; everything else (checks, locks,
// try/finally, the errors thrown) is the same code in both. This is the
// TypeScript twin of native/tree_bindings.cc's TreeCall/TreeWorker, which
// share argument parsing and result building between the two entry points.
//
// A Step's result, or its error, goes back into the body where it yielded:
// the error object is the one the call threw (gen.throw), so its code,
// errno, syscall and path are untouched, and the body's try/catch/finally
// (and `using`) see it exactly as they would a direct call's.

/** The one call whose two flavours differ: done in place (`sync`), or off the main thread (`async`). */
export interface Step<T> {
  sync(): T;
  async(): Promise<T>;
}

/** A body written once: it yields Steps and ends with `R`. Run it with runSync or runAsync. */
export type Steps<R> = Generator<Step<unknown>, R, unknown>;

/**
 * Performs `step` in the flavour of the runner driving the body and returns
 * its result: `const r = yield* perform(step)`. (The only place the value a
 * body receives is narrowed from `unknown`: the runner sends back exactly
 * what this step produced.)
 */
export function* perform<T>(step: Step<T>): Steps<T> {
  return (yield step) as T;
}

/** Runs `body` to its end on this thread, performing each Step's sync form. */
export function runSync<R>(body: Steps<R>): R {
  let next = body.next();
  while (!next.done) {
    let value: unknown;
    try {
      value = next.value.sync();
    } catch (err) {
      next = body.throw(err);
      continue;
    }
    next = body.next(value);
  }
  return next.value;
}

/**
 * Runs `body` to its end, awaiting each Step's async form. Like an async
 * function: what the body throws before its first Step rejects the promise
 * (it is not thrown at the caller), and the body runs up to its first Step
 * before this returns.
 */
export async function runAsync<R>(body: Steps<R>): Promise<R> {
  let next = body.next();
  while (!next.done) {
    let value: unknown;
    try {
      value = await next.value.async();
    } catch (err) {
      next = body.throw(err);
      continue;
    }
    next = body.next(value);
  }
  return next.value;
}
