// What every API call needs: the registry, the clock, the boot identity and
// the deletion guard, gathered once per call at the I/O edge.
import { Registry } from '../store/registry';
import { configDir, dataDir } from '../store/paths';
import { currentBoot } from '../store/boot';
import type { DecisionContext, SweepMode } from '../model/entry';
import { DeletionGuard } from './guard';
import { EphemdirError, ErrorCodes } from '../errors';

export interface ApiContext extends Disposable {
  registry: Registry;
  now: number;
  bootId: string | null;
  bootTime: number | null;
  platform: 'linux' | 'darwin';
  guard: DeletionGuard;
  decision(mode: SweepMode): DecisionContext;
}

export function nowSeconds(): number {
  return Date.now() / 1000;
}

function platform(): 'linux' | 'darwin' {
  if (process.platform === 'linux' || process.platform === 'darwin') return process.platform;
  throw new EphemdirError(
    ErrorCodes.UNSUPPORTED_PLATFORM,
    `ephemdir supports Linux and macOS only (this is ${process.platform}): it refuses to run where it cannot delete through directory handles`,
  );
}

/**
 * Opens the registry. With `create: false` (read-only commands) a missing
 * data directory yields null and nothing is created.
 */
export function openContext(options: { create: boolean }): ApiContext | null {
  const plat = platform();
  const registry = Registry.open({ create: options.create });
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
