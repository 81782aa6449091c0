// Is a managed directory in use? One probe per operating system, behind the
// InUseProbe interface (in-use-probe.ts): on Linux by the identity of what
// each process holds, its working directory, root, open files and mappings
// (in-use-linux.ts); on macOS by lsof (in-use-darwin.ts). The probe is picked
// here from the platform, and written once for both forms: the sync and the
// async answer differ only in how a program the probe needs is run. When it
// cannot tell, the answer says why and callers keep the directory.
import type { DirHandle } from '../fs/dir-handle';
import { requirePlatform, type Platform } from '../core/platform';
import { runProbe, runProbeSync, type InUseAnswer, type InUseProbe } from './in-use-probe';

export type { InUseAnswer } from './in-use-probe';

/** Loaded when first asked: a listing never needs a probe. */
const PROBES: Record<Platform, () => InUseProbe> = {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- per-OS: the /proc scan loads on Linux only, when first asked
  linux: () => (require('./in-use-linux') as typeof import('./in-use-linux')).linuxProbe,
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- per-OS: the lsof probe loads on macOS only, when first asked
  darwin: () => (require('./in-use-darwin') as typeof import('./in-use-darwin')).darwinProbe,
};

function hostProbe(): InUseProbe {
  return PROBES[requirePlatform()]();
}

/** Whether a process uses the tree open at `dir`, and who, or why that cannot be told. */
export function inUseAt(dir: DirHandle): Promise<InUseAnswer> {
  return runProbe(hostProbe().check(dir));
}

export function inUseAtSync(dir: DirHandle): InUseAnswer {
  return runProbeSync(hostProbe().check(dir));
}

/** Mount points strictly inside `root`; null where the platform cannot list them. */
export function mountsInside(root: string): string[] | null {
  return hostProbe().mountsInside(root);
}
