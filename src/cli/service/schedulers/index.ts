// Which scheduler runs the sweep on this host, decided once from the
// platform. A new platform is a new scheduler module plus one entry here,
// which the compiler asks for.
import { requirePlatform, type Platform } from '../../../core/platform';
import type { Scheduler } from '../scheduler';
import { systemd } from './systemd';
import { launchd } from './launchd';

const SCHEDULERS: Record<Platform, Scheduler> = { linux: systemd, darwin: launchd };

export function schedulerFor(platform: Platform): Scheduler {
  return SCHEDULERS[platform];
}

/** This host's scheduler; EPHEMDIR_UNSUPPORTED_PLATFORM where ephemdir does not run. */
export function hostScheduler(): Scheduler {
  return schedulerFor(requirePlatform());
}
