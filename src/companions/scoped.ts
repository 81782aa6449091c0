// Scoped tasks over the companion createTempDir(): the directory lives
// exactly as long as the callback.
import { checkCall } from '../core/options';
import { runScoped, runScopedSync } from '../core/scoped';
import { createTempDir, type CreateTempDirOptions, type TemporaryDirectory } from './tempman';
import { WITH_TEMP_DIR, WITH_TEMP_DIR_SYNC } from './signatures';

/**
 * Creates a directory with {@link createTempDir} (same options, same
 * checks), passes it to `fn`, and removes it with `close()` when `fn`'s
 * promise settles, whichever way. Resolves to what `fn` resolved to. A
 * TemporaryDirectory has no `keep()`: copy out what must outlive it.
 *
 * If `fn` throws and the removal fails too, `fn`'s error is the one
 * rejected, with the removal error attached as its `suppressed` property
 * (or, when it cannot carry one, emitted as an `EPHEMDIR_CLEANUP_FAILED`
 * warning).
 *
 * @example
 * const size = await withTempDir(async (dir) => {
 *   await fs.promises.writeFile(path.join(dir.path, 'a.txt'), 'x');
 *   return (await fs.promises.stat(path.join(dir.path, 'a.txt'))).size;
 * });
 */
export async function withTempDir<T>(fn: (dir: TemporaryDirectory) => T | PromiseLike<T>, options: CreateTempDirOptions = {}): Promise<Awaited<T>> {
  checkCall(WITH_TEMP_DIR, [fn], options);
  const dir = createTempDir(options);
  return runScoped('withTempDir', dir, fn, () => dir.close());
}

/**
 * Synchronous {@link withTempDir}: `closeSync()` runs when `fn` returns or
 * throws; `fn`'s result is returned. `fn` must not return a promise (refused
 * with `EPHEMDIR_INVALID_ARGUMENT`, after removing the directory).
 */
export function withTempDirSync<T>(fn: (dir: TemporaryDirectory) => T, options: CreateTempDirOptions = {}): T {
  checkCall(WITH_TEMP_DIR_SYNC, [fn], options);
  const dir = createTempDir(options);
  return runScopedSync('withTempDirSync', dir, fn, () => dir.closeSync());
}
