// What every API call needs: the registry, the clock, the boot identity and
// the deletion guard, gathered once per call at the I/O edge.
import { Registry } from '../store/registry';
import { configDir, dataDir } from '../store/paths';
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

/**
 * A system error on the way to the data folder (no writable home, as for a
 * service user with HOME=/nonexistent; a read-only file system) says which
 * folder and how to choose another, under a stable code. The system error
 * stays as `cause`, with its `syscall` and `errno`.
 */
function dataDirError(err: unknown, create: boolean): unknown {
  const e = err as { code?: unknown; errno?: unknown; syscall?: unknown; message?: unknown };
  if (typeof e?.code !== 'string' || e.code.startsWith('EPHEMDIR_') || typeof e.errno !== 'number') return err;
  const data = dataDir();
  return new EphemdirError(
    ErrorCodes.REGISTRY_UNUSABLE,
    `cannot ${create ? 'create or open' : 'open'} the ephemdir data folder ${data} (${String(e.message)}); ` +
      'set EPHEMDIR_DATA_DIR to an absolute path of a folder you can write (a service user without a writable home needs it)',
    { path: data, cause: err, syscall: e.syscall, errno: e.errno, reason: String(e.code) },
  );
}

/**
 * Opens the registry. With `create: false` (read-only commands) a missing
 * data directory yields null and nothing is created.
 */
export function openContext(options: { create: boolean }): ApiContext | null {
  const plat = requirePlatform();
  let registry: Registry | null;
  try {
    registry = Registry.open({ create: options.create });
  } catch (err) {
    throw dataDirError(err, options.create);
  }
  if (!registry) return null;
  let guard: DeletionGuard | undefined;
  const boot = currentBoot();
  const ctx: ApiContext = {
    registry,
    now: nowSeconds(),
    bootId: boot.bootId,
    bootTime: boot.bootTime,
    platform: plat,
    get guard() {
      guard ??= DeletionGuard.forUser(dataDir(), configDir());
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

/** Like openContext, for calls that need existing state: absent data means nothing is tracked. */
export function requireContext(): ApiContext {
  const ctx = openContext({ create: false });
  if (!ctx) {
    throw new EphemdirError(ErrorCodes.NOT_FOUND, `nothing is tracked yet (no registry in ${dataDir()})`, { path: dataDir() });
  }
  return ctx;
}
