// The managed-directory API: tempdir() and the functions that manage what it made.
import { createContext, createEntry, prepare } from './create';
import { maintenanceSweepSteps } from './maintenance';
import { EphemeralDirectory } from './handle';
import { removeAtExit } from './exit-hooks';
import type { TempdirOptions } from './types';
import type { Entry } from '../model/entry';
import { checkCall, type Signature } from '../core/options';
import { runAsync, runSync, type Steps } from '../core/steps';
import { TEMPDIR, TEMPDIR_SYNC } from './signatures';

export { EphemeralDirectory } from './handle';
export type { Hold } from './handle';
export { sweep } from './sweep';
export { keep, extend, remove, explain, recover, prune } from './manage';
export { resolve, registered, list, stats, last, currentTarget, match, sizeOf } from './query';
export type * from './types';

function wrap(entry: Entry, removeOnExit: boolean, dataDir: string): EphemeralDirectory {
  const handle = new EphemeralDirectory(entry, dataDir);
  if (removeOnExit) removeAtExit(handle.id, () => handle.removeSync());
  return handle;
}

function* creating(sig: Signature, options: TempdirOptions): Steps<EphemeralDirectory> {
  checkCall(sig, [], options);
  const { settings, warnings, parent } = prepare(options);
  try {
    for (const w of warnings) process.emitWarning(w, { code: 'EPHEMDIR_CONFIG' });
    const ctx = createContext(options);
    try {
      const report = yield* maintenanceSweepSteps(ctx);
      const handle = wrap(createEntry(ctx, settings, parent), settings.removeOnExit, ctx.registry.dataDir);
      handle.sweep = report;
      return handle;
    } finally {
      ctx[Symbol.dispose]();
    }
  } finally {
    parent?.close();
  }
}

/**
 * Creates a managed temporary directory, after removing at most one that is
 * already due. `dataDir` tracks it in a registry of your own (see
 * `RegistryOptions`); the handle remembers which.
 */
export function tempdir(options: TempdirOptions = {}): Promise<EphemeralDirectory> {
  return runAsync(creating(TEMPDIR, options));
}

/** Synchronous {@link tempdir}: creates a managed temporary directory, after removing at most one that is already due. */
export function tempdirSync(options: TempdirOptions = {}): EphemeralDirectory {
  return runSync(creating(TEMPDIR_SYNC, options));
}
