// The one place that decides whether ephemdir runs on this host. Every other
// module asks here, and keys its per-OS code by `Platform` (a `Record` per
// difference), so adding a platform to the list makes the compiler name each
// place that must learn about it. Read on every call, not cached: a test (or
// a tool) that redefines process.platform before loading sees its value.
import { EphemdirError, ErrorCodes } from '../errors';

/** The operating systems ephemdir supports, as Node names them. */
export const SUPPORTED_PLATFORMS = ['linux', 'darwin'] as const;
export type Platform = (typeof SUPPORTED_PLATFORMS)[number];

/** How each platform is called in messages. */
const PLATFORM_NAMES: Record<Platform, string> = { linux: 'Linux', darwin: 'macOS' };

/** "Linux and macOS": the supported list, for messages and hints. */
export const SUPPORTED_NAMES = SUPPORTED_PLATFORMS.map((p) => PLATFORM_NAMES[p]).join(' and ');

export function isSupportedPlatform(value: unknown): value is Platform {
  return typeof value === 'string' && (SUPPORTED_PLATFORMS as readonly string[]).includes(value);
}

/** This host's platform, or null where ephemdir does not run. */
export function hostPlatform(): Platform | null {
  return isSupportedPlatform(process.platform) ? process.platform : null;
}

/** The refusal on an unsupported platform: one code, one message, wherever it is raised. */
export function unsupportedPlatform(platform: string = process.platform): EphemdirError {
  return new EphemdirError(
    ErrorCodes.UNSUPPORTED_PLATFORM,
    `ephemdir supports ${SUPPORTED_NAMES} only (this is ${platform}): it refuses to run where it cannot delete through directory handles`,
  );
}

/** This host's platform; throws EPHEMDIR_UNSUPPORTED_PLATFORM elsewhere, before anything is touched. */
export function requirePlatform(): Platform {
  const platform = hostPlatform();
  if (platform === null) throw unsupportedPlatform();
  return platform;
}
