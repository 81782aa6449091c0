// The two registries the dataDir tests compare: the library's own (a
// `dataDir` under the test's scratch root) and the user's (EPHEMDIR_DATA_DIR,
// set by isolatedEnv), with directories made in either and the questions
// asked about them.
import * as path from 'node:path';
import * as api from '../../src/api/index';
import { Registry } from '../../src/store/registry';
import type { RegistryOptions } from '../../src/api/types';

export interface Registries {
  OWN: RegistryOptions;
  DEFAULT: RegistryOptions;
  /** A directory tracked in `reg` (a fresh name prefix each time). */
  make(reg: RegistryOptions, lifetime?: string | number): api.EphemeralDirectory;
  /** Whether `reg` tracks it. */
  tracked(reg: RegistryOptions, dir: { id: string }): Promise<boolean>;
  /** The same, synchronously (for withTempdirSync's callback): read straight from the registry. */
  trackedSync(reg: RegistryOptions, dir: { id: string }): boolean;
}

export function registries(env: { root: string; work: string }): Registries {
  const OWN: RegistryOptions = { dataDir: path.join(env.root, 'own', 'registry') };
  let serial = 0;
  return {
    OWN,
    DEFAULT: {},
    make: (reg, lifetime = '1h') => api.tempdirSync({ parent: env.work, lifetime, prefix: `r${serial++}-`, ...reg }),
    tracked: async (reg, dir) => (await api.registered(reg)).some((e) => e.id === dir.id),
    trackedSync(reg, dir) {
      const registry = Registry.open({ create: false, ...(reg.dataDir ? { dataDir: reg.dataDir } : {}) });
      try {
        return registry?.get(dir.id) != null;
      } finally {
        registry?.close();
      }
    },
  };
}

/** The code a promise rejects with, or 'resolved'. */
export async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    return String((err as { code?: unknown }).code);
  }
  return 'resolved';
}
