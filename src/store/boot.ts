// The current boot: Linux's random boot id, and the boot time (now - uptime)
// that macOS restart detection relies on. Read on every call, never cached,
// so a process that outlives a (simulated) restart sees the new boot.
import * as os from 'node:os';
import { openDirectory } from '../fs/walk';
import { readFileAt } from '../fs/files';
import { hostPlatform } from '../core/platform';

export interface BootInfo {
  /** Linux `/proc/sys/kernel/random/boot_id`; null on macOS or when unreadable. */
  bootId: string | null;
  /** Epoch seconds (float) of the boot: now - uptime. */
  bootTime: number | null;
}

const BOOT_ID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Reads the Linux boot id through a no-follow walk; null if absent or malformed. */
export function readBootId(): string | null {
  if (hostPlatform() !== 'linux') return null;
  try {
    using dir = openDirectory('/proc/sys/kernel/random', { trust: 'nofollow' });
    const r = readFileAt(dir, 'boot_id', 64);
    if (!r.ok) return null;
    const text = r.data.toString('latin1').replace(/\n$/, '');
    return BOOT_ID_RE.test(text) ? text : null;
  } catch {
    return null;
  }
}

export function currentBoot(): BootInfo {
  const uptime = os.uptime();
  const bootTime = Number.isFinite(uptime) && uptime >= 0 ? Date.now() / 1000 - uptime : null;
  return { bootId: readBootId(), bootTime };
}
