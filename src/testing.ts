// ephemdir/testing: a managed directory per test, removed after it. A test
// run that is killed never reaches its after hooks, so every directory made
// here also gets a short lifetime: the next run's tempdir() (or any sweep)
// removes what a killed run left, once it is due. While its test runs, a
// directory is held with a shared flock, so a sweep never takes it from
// under a test that runs longer than the lifetime.
import * as os from 'node:os';
import { tempdirSync, type EphemeralDirectory, type TempdirOptions } from './api/index';
import { checkCall } from './core/options';
import { TEST_TEMPDIR } from './api/signatures';
import { withSuppressed } from './core/scoped';

export type { EphemeralDirectory, TempdirOptions } from './api/index';

/** What {@link testTempdir} needs of a test context: `after()`, as node:test's `TestContext` has. */
export interface TestContextLike {
  after(fn: () => unknown): unknown;
  /** The test's name; it becomes the directory's description (see `ephemdir list --long`). */
  readonly name?: string;
}

/** The lifetime a test directory gets unless the options say otherwise. */
export const TEST_LIFETIME = '30m';
/** The tag every test directory carries unless the options give tags: `ephemdir sweep --tag test`. */
export const TEST_TAG = 'test';

const MAX_DESCRIPTION_BYTES = 256;

/** The test's name as a description: one line, at most 256 bytes, or undefined. */
function describeTest(name: unknown): string | undefined {
  if (typeof name !== 'string') return undefined;
  let line = name.replace(/[\x00-\x1f\x7f\u2028\u2029]+/g, ' ').trim();
  if (line === '') return undefined;
  while (Buffer.byteLength(line) > MAX_DESCRIPTION_BYTES) line = [...line].slice(0, -1).join('');
  return line;
}

/**
 * A managed directory for one `node:test` test, removed after it (through
 * `t.after`, so also when the test fails). Takes {@link tempdir}'s options
 * and checks them the same way; the defaults differ for tests:
 *
 * - `lifetime`: `'30m'` ({@link TEST_LIFETIME}). A killed run skips its
 *   after hooks; its directories fall due after the lifetime, and the next
 *   run's `testTempdir()` calls remove them, one per call (as any
 *   `tempdir()` does), or `ephemdir sweep` all at once.
 * - `parent`: `os.tmpdir()` (tempdir() uses the current directory).
 * - `tags`: `['test']`; `description`: the test's name.
 *
 * The directory is held (a shared flock, see `EphemeralDirectory.hold`)
 * until the test ends, so a sweep by a parallel test never removes it even
 * when the test outlives the lifetime. `dir.keep()` inside the test keeps
 * it for good.
 *
 * @example
 * import { test } from 'node:test';
 * import { testTempdir } from 'ephemdir/testing';
 * test('writes a file', (t) => {
 *   const dir = testTempdir(t);
 *   fs.writeFileSync(path.join(dir.path, 'out.txt'), 'x');
 * });
 */
export function testTempdir(t: TestContextLike, options: TempdirOptions = {}): EphemeralDirectory {
  checkCall(TEST_TEMPDIR, [t], options);
  const description = options.description === undefined ? describeTest(t.name) : options.description;
  const settings: TempdirOptions = { lifetime: TEST_LIFETIME, parent: os.tmpdir(), tags: [TEST_TAG] };
  // An option given as undefined means its default, as everywhere else.
  for (const [key, value] of Object.entries(options)) if (value !== undefined) (settings as Record<string, unknown>)[key] = value;
  if (description !== undefined) settings.description = description;
  const dir = tempdirSync(settings);
  let hold: { release(): void };
  try {
    hold = dir.hold();
  } catch (err) {
    try {
      dir.removeSync();
    } catch (cleanupError) {
      throw withSuppressed(err, cleanupError, 'testTempdir');
    }
    throw err;
  }
  const cleanup = () => {
    hold.release();
    return dir.remove();
  };
  try {
    t.after(cleanup);
  } catch (err) {
    // No hook (the test already ended, say): nothing would remove it, so do it now.
    hold.release();
    try {
      dir.removeSync();
    } catch (cleanupError) {
      throw withSuppressed(err, cleanupError, 'testTempdir');
    }
    throw err;
  }
  return dir;
}
