// Scoped tasks over tempdir(): the directory lives exactly as long as the
// callback. Plain JavaScript on Node 20 and 22 cannot write `await using`, so
// this is the everyday way to clean up.
import type { EphemeralDirectory } from './handle';
import type { TempdirOptions } from './types';
import { checkCall } from '../core/options';
import { runScoped, runScopedSync } from '../core/scoped';
import { tempdir, tempdirSync } from './index';
import { WITH_TEMPDIR, WITH_TEMPDIR_SYNC } from './signatures';

/**
 * Creates a managed directory with {@link tempdir} (same options, same
 * checks), passes its handle to `fn`, and removes it when `fn`'s promise
 * settles, whether it resolves or rejects, unless `fn` called `dir.keep()`.
 * Resolves to what `fn` resolved to.
 *
 * If `fn` throws and the removal fails too, `fn`'s error is the one
 * rejected, with the removal error attached as its `suppressed` property
 * (or, when it cannot carry one, emitted as an `EPHEMDIR_CLEANUP_FAILED`
 * warning). A directory whose removal failed stays tracked, so a later sweep
 * retries it.
 *
 * @example
 * const count = await withTempdir(async (dir) => {
 *   await fs.promises.writeFile(path.join(dir.path, 'a.txt'), 'x');
 *   return (await fs.promises.readdir(dir.path)).length;
 * }, { lifetime: '1h' });
 */
export async function withTempdir<T>(fn: (dir: EphemeralDirectory) => T | PromiseLike<T>, options: TempdirOptions = {}): Promise<Awaited<T>> {
  checkCall(WITH_TEMPDIR, [fn], options);
  const dir = await tempdir(options);
  return runScoped('withTempdir', dir, fn, () => dir.remove());
}

/**
 * Synchronous {@link withTempdir}: creates the directory with
 * {@link tempdirSync}, calls `fn(dir)`, removes the directory when `fn`
 * returns or throws (unless `fn` called `dir.keep()`), and returns `fn`'s
 * result. `fn` must not return a promise (that is refused with
 * `EPHEMDIR_INVALID_ARGUMENT`, after removing the directory): use
 * {@link withTempdir} for async work.
 *
 * @example
 * const files = withTempdirSync((dir) => {
 *   fs.writeFileSync(path.join(dir.path, 'a.txt'), 'x');
 *   return fs.readdirSync(dir.path);
 * });
 */
export function withTempdirSync<T>(fn: (dir: EphemeralDirectory) => T, options: TempdirOptions = {}): T {
  checkCall(WITH_TEMPDIR_SYNC, [fn], options);
  const dir = tempdirSync(options);
  return runScopedSync('withTempdirSync', dir, fn, () => dir.removeSync());
}
