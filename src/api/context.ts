// What every API call needs: the registry, the clock, the boot identity and
// the deletion guard, gathered once per call at the I/O edge.
import { Registry } from '../store/registry';
import { configDirIfAny, DATA_DIR_CHOICES, dataDir as configuredDataDir, registryDir } from '../store/paths';
import { currentBoot } from '../store/boot';
import type { DecisionContext, SweepMode } from '../model/entry';
import { DeletionGuard } from './guard';
import { EphemdirError, ErrorCodes } from '../errors';
import { requirePlatform, type Platform } from '../core/platform';

export interface ApiContext extends Disposable {
  registry: Registry;
  now: number;
  bootId: string | null;
  bootTime: number | null;
  platform: Platform;
  guard: DeletionGuard;
  decision(mode: SweepMode): DecisionContext;
}

export function nowSeconds(): number {
  return Date.now() / 1000;
}

/** Which registry to open: `dataDir` is the caller's option (undefined: the configured one). */
export interface RegistryChoice {
  dataDir?: string | undefined;
}

/**
 * How a call opens the registry. `create: false` (read-only commands): a
 * missing data directory yields null and nothing is created. `settle`: for
 * calls that act on an entry's state (remove, recover, prune, keep, extend,
 * the bounded sweep's callers): the journals of batched sweeps that died are
 * replayed first, so that an entry file a power cut set back to an older
 * state is never acted on (see store/batch-journal.ts). Without any journal
 * this costs one failed openat or one empty readdir.
 */
export interface OpenOptions extends RegistryChoice {
  create: boolean;
  settle?: boolean;
}

/**
 * A system error on the way to the data folder (no writable home, as for a
 * service user with HOME=/nonexistent; a read-only file system) says which
 * folder and how to choose another, under a stable code. The system error
 * stays as `cause`, with its `syscall` and `errno`.
 */
function dataDirError(err: unknown, create: boolean, data: string, explicit: boolean): unknown {
  const e = err as { code?: unknown; errno?: unknown; syscall?: unknown; message?: unknown };
  if (typeof e?.code !== 'string' || e.code.startsWith('EPHEMDIR_') || typeof e.errno !== 'number') return err;
  const how = explicit
    ? 'the dataDir given must be a folder you can write, or one that can be created'
    : `${DATA_DIR_CHOICES} to an absolute path of a folder you can write (a service user without a writable home needs it)`;
  return new EphemdirError(
    ErrorCodes.REGISTRY_UNUSABLE,
    `cannot ${create ? 'create or open' : 'open'} the ephemdir data folder ${data}${explicit ? ' (the dataDir option)' : ''} (${String(e.message)}); ${how}`,
    { path: data, cause: err, syscall: e.syscall, errno: e.errno, reason: String(e.code) },
  );
}

/** The folders the deletion guard protects for a call on the registry in `data`. */
function protectedDirs(data: string): { data: string[]; config: string | null } {
  const dirs = [data];
  try {
    const configured = configuredDataDir();
    if (configured !== data) dirs.push(configured); // the user's own registry is never a deletion target either
  } catch {
    // no configured data folder (no home, a relative EPHEMDIR_DATA_DIR): nothing there to protect
  }
  let config: string | null = null;
  try {
    config = configDirIfAny();
  } catch {
    // a relative EPHEMDIR_CONFIG_DIR names no folder
  }
  return { data: dirs, config };
}

/**
 * Opens the registry: the one in `dataDir` when given, else the configured
 * one. Either is opened under the same rules (store/registry.ts): every
 * folder on the way owned by you or root (sticky when others may write it),
 * no symlink another user could have planted, the data folder itself yours
 * and writable by nobody else, missing folders created 0700. With
 * `create: false` (read-only commands) a missing data directory yields null
 * and nothing is created.
 */
export function openContext(options: OpenOptions): ApiContext | null {
  const plat = requirePlatform();
  const data = registryDir(options.dataDir);
  let registry: Registry | null;
  try {
    registry = Registry.open({ create: options.create, dataDir: data });
  } catch (err) {
    throw dataDirError(err, options.create, data, options.dataDir !== undefined);
  }
  if (!registry) return null;
  if (options.settle) settleJournals(registry);
  let guard: DeletionGuard | undefined;
  const boot = currentBoot();
  const ctx: ApiContext = {
    registry,
    now: nowSeconds(),
    bootId: boot.bootId,
    bootTime: boot.bootTime,
    platform: plat,
    get guard() {
      if (guard === undefined) {
        const dirs = protectedDirs(data);
        guard = DeletionGuard.forUser(dirs.data, dirs.config);
      }
      return guard;
    },
    decision(mode: SweepMode): DecisionContext {
      return { now: ctx.now, bootId: ctx.bootId, bootTime: ctx.bootTime, platform: plat, mode };
    },
    [Symbol.dispose]() {
      registry.close();
    },
  };
  return ctx;
}

/**
 * Replays the journals of dead batched sweeps (sweep() does the same and
 * reports each problem). A journal that cannot be used stays and is never
 * applied (sweep reports it); an error reaching the registry closes it and
 * is thrown: a call that acts on entry state does not act on a registry it
 * could not bring up to date.
 */
function settleJournals(registry: Registry): void {
  try {
    registry.replayBatchJournals();
  } catch (err) {
    registry.close();
    throw err;
  }
}

/**
 * Like openContext, for calls that need existing state: absent data means
 * nothing is tracked. `settle` as in OpenOptions.
 */
export function requireContext(choice: RegistryChoice = {}, settle = false): ApiContext {
  const ctx = openContext({ create: false, dataDir: choice.dataDir, settle });
  if (!ctx) {
    const data = registryDir(choice.dataDir);
    throw new EphemdirError(ErrorCodes.NOT_FOUND, `nothing is tracked yet (no registry in ${data})`, { path: data });
  }
  return ctx;
}
