// One registry Entry builder for the tests: an active, auto-cleaned Linux
// entry in /home/alice/work. Suites pass what they pin down (ids, clock,
// boot) as overrides; the rest of the record is the same everywhere.
import type { Entry } from '../../src/model/entry';

export function buildEntry(over: Partial<Entry> = {}): Entry {
  return {
    id: 'a2302f060a644ac2b0e805fc76501734',
    path: '/home/alice/work/bold-stoat-e38ea190bce505e7',
    parent: '/home/alice/work',
    name: 'bold-stoat-e38ea190bce505e7',
    createdAt: 1_800_000_000 - 600,
    expiresAt: 1_800_000_000 + 7_200,
    removeOnRestart: true,
    keepWhileInUse: false,
    cleanup: 'auto',
    maxSize: null,
    nameStyle: 'secure',
    tags: [],
    description: null,
    bootId: '62b7274b-505c-4a50-96eb-0a37fe809732',
    bootTime: 1_800_000_000 - 86_400,
    dev: 65024,
    ino: 2434080,
    mountId: 27,
    mountIdUnique: false,
    uid: 1000,
    state: 'active',
    claimId: null,
    stagingPath: null,
    lastError: null,
    platform: 'linux',
    ...over,
  };
}

/** The entry the CLI's rendering tests draw: a short name in /work, times with fractions, no boot. */
export function cliEntry(over: Partial<Entry> = {}): Entry {
  return buildEntry({
    id: 'a'.repeat(32),
    path: '/work/brave-otter-0123456789abcdef',
    parent: '/work',
    name: 'brave-otter-0123456789abcdef',
    createdAt: 1_800_000_000.5,
    expiresAt: 1_800_007_200.5,
    bootId: null,
    bootTime: null,
    dev: 1,
    ino: 2,
    mountId: null,
    uid: 0,
    ...over,
  });
}
