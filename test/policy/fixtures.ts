// Shared builders for the policy table tests: plain data, fixed clock.
import type { DecisionContext, Entry, Probe } from '../../src/model/entry';
import { buildEntry } from '../helpers/entry';

export const NOW = 1_800_000_000;
export const BOOT = '62b7274b-505c-4a50-96eb-0a37fe809732';
export const OTHER_BOOT = '0d5c1f7e-1111-4a50-96eb-0a37fe809732';
export const BOOT_TIME = NOW - 86_400;

/** The policy suites' entry: created 10 minutes before NOW, 2 hours left, this boot. */
export function entry(over: Partial<Entry> = {}): Entry {
  return buildEntry({ createdAt: NOW - 600, expiresAt: NOW + 7_200, bootId: BOOT, bootTime: BOOT_TIME, ...over });
}

/** A fully verified, deletable directory unless overridden. */
export function probe(over: Partial<Probe> = {}): Probe {
  return {
    presence: 'present',
    identity: 'ours',
    guard: null,
    parentSafe: true,
    inUse: false,
    lockedByOther: false,
    size: null,
    mountsInside: [],
    ...over,
  };
}

export function ctx(over: Partial<DecisionContext> = {}): DecisionContext {
  return { now: NOW, bootId: BOOT, bootTime: BOOT_TIME, platform: 'linux', mode: 'full', ...over };
}

export const STAGING = '/home/alice/work/.bold-stoat-e38ea190bce505e7.20847-6930027b.deleting';
export const CLAIM = '7fca3a6c0b8d4e2f9a1b2c3d4e5f6a7b';
