// The argument and option tables of the managed-directory API, one per public
// function (see core/options.ts). Each function checks its call against its
// signature first, so nothing is read or written for a call that is refused.
// Adding an option: add it to the options type in types.ts and one line here.
import { parseDuration, parseExtension } from '../core/duration';
import { parseSize } from '../core/size';
import { abortSignal, boolean, fsPath, func, oneOf, optionsOf, signature, validatedBy, type ValueSpec } from '../core/options';
import { describeValue } from '../core/humanize';
import { validateCleanup, validateDescription, validateNameStyle, validatePrefix, validateWords } from '../core/validate';
import type { ExtendOptions, RecoverOptions, SweepOptions, TempdirOptions } from './types';
import { CURRENT_TARGET, dataDir, DIAGNOSE, LAST, LIST, REGISTERED, REGISTRY_OPTIONS, RESOLVE, STATS, tags, target } from './query-signatures';

export { CURRENT_TARGET, DIAGNOSE, LAST, LIST, REGISTERED, RESOLVE, STATS } from './query-signatures';

const duration = validatedBy('a number of seconds, a duration string such as "2h", or null', (v) => parseDuration(v as never));
const size = validatedBy('a number of bytes, a size string such as "2GiB", or null', (v) => parseSize(v as never));
/** A lifetime for extend(): a duration, "+1h" (added to the current expiry), or null for no limit. */
const extension = validatedBy('a duration, "+<duration>", or null', (v) =>
  typeof v === 'string' && v.trim().startsWith('+') ? parseExtension(v) : parseDuration(v as never),
);

const TEMPDIR_OPTIONS = optionsOf<TempdirOptions>({
  lifetime: duration,
  removeOnRestart: boolean(),
  keepWhileInUse: boolean(),
  cleanup: validatedBy("'auto' or 'next-sweep'", validateCleanup),
  maxSize: size,
  nameStyle: validatedBy("'secure', 'clean' or 'auto'", validateNameStyle),
  parent: fsPath(),
  prefix: validatedBy('a name prefix of at most 64 bytes', validatePrefix),
  words: validatedBy('an integer from 1 to 4', validateWords),
  tags,
  description: validatedBy('one line of at most 256 bytes, or null', validateDescription),
  removeOnExit: boolean(),
  dataDir,
});

export const TEMPDIR = signature('tempdir', {}, TEMPDIR_OPTIONS);
export const TEMPDIR_SYNC = signature('tempdirSync', {}, TEMPDIR_OPTIONS);

export const SWEEP = signature(
  'sweep',
  {},
  optionsOf<SweepOptions>({
    dryRun: boolean(),
    force: boolean(),
    tags,
    mode: oneOf('full', 'force', 'maintenance'),
    signal: abortSignal(),
    onProgress: func(),
    dataDir,
  }),
);

export const KEEP = signature('keep', { target }, REGISTRY_OPTIONS);
export const EXTEND = signature('extend', { target, lifetime: extension }, optionsOf<ExtendOptions>({ relative: boolean(), dataDir }));
export const REMOVE = signature('remove', { target }, REGISTRY_OPTIONS);
export const EXPLAIN = signature('explain', { target }, REGISTRY_OPTIONS);
export const RECOVER = signature('recover', { target }, optionsOf<RecoverOptions>({ forget: boolean(), dataDir }));
export const PRUNE = signature('prune', {}, REGISTRY_OPTIONS);
export const HANDLE_EXTEND = signature('EphemeralDirectory.extend', { lifetime: extension });

// Scoped tasks and test fixtures: the callback (or the test context) first,
// then tempdir()'s own options, checked by tempdir()'s own table.
export const WITH_TEMPDIR = signature('withTempdir', { fn: func() }, TEMPDIR_OPTIONS);
export const WITH_TEMPDIR_SYNC = signature('withTempdirSync', { fn: func() }, TEMPDIR_OPTIONS);
const TEST_CONTEXT = 'a test context with an after() method (node:test)';
const testContext: ValueSpec = {
  expected: TEST_CONTEXT,
  problem: (v) =>
    typeof v === 'object' && v !== null && typeof (v as { after?: unknown }).after === 'function'
      ? null
      : `invalid value ${describeValue(v)}: expected ${TEST_CONTEXT}`,
};
export const TEST_TEMPDIR = signature('testTempdir', { t: testContext }, TEMPDIR_OPTIONS);

/** Every signature of this layer, for the coverage test. */
export const API_SIGNATURES = [TEMPDIR, TEMPDIR_SYNC, SWEEP, LIST, KEEP, EXTEND, REMOVE, RESOLVE, EXPLAIN, RECOVER, CURRENT_TARGET, HANDLE_EXTEND,
  WITH_TEMPDIR, WITH_TEMPDIR_SYNC, TEST_TEMPDIR, PRUNE, REGISTERED, STATS, LAST, DIAGNOSE];
