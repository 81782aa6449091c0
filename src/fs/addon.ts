// The native addon as the layers above may see it: whether it loads (and
// why not), and the package folder it is pinned to. Only src/fs talks to
// src/native; this is the part of that talk that is about the addon itself.
import { packageRoot as nativePackageRoot, probeNative } from '../native/loader';
import { unavailableSummary } from '../native/unavailable';
import type { NativeFs } from '../native/binding';

/** What loading the addon gave: the file and the kernel features it uses, or the same account and fix as its error. */
export type AddonStatus =
  | { loaded: true; file: string; features: string[] }
  | { loaded: false; message: string; fix: string | null };

/**
 * Tries to load the addon (never throws for a binary that cannot load;
 * throws EPHEMDIR_UNSUPPORTED_PLATFORM off Linux and macOS).
 */
export function addonStatus(): AddonStatus {
  const status = probeNative<NativeFs>();
  if (!status.module) {
    const fix = (status.error as { fix?: string } | null)?.fix ?? null;
    return { loaded: false, message: unavailableSummary(status.root, status.host, process.versions.node, status.refused), fix };
  }
  const features = Object.entries(status.module.capabilities())
    .filter(([k, v]) => k !== 'platform' && v === true)
    .map(([k]) => k);
  return { loaded: true, file: status.file ?? '', features };
}

/** The installed package's folder (the one holding ephemdir's package.json). */
export function packageRoot(): string {
  return nativePackageRoot();
}
