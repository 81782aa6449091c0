// Where ephemdir keeps its data and looks for its config. Pure: reads the
// environment passed in (and the home directory), touches no file.
import * as os from 'node:os';
import * as path from 'node:path';
import { invalidArgument } from '../errors';
import { hostPlatform, type Platform } from '../core/platform';

type Env = NodeJS.ProcessEnv;

function home(): string {
  const h = os.homedir();
  if (typeof h !== 'string' || !path.isAbsolute(h)) {
    throw invalidArgument(`the home directory is not an absolute path (${JSON.stringify(h)}); set EPHEMDIR_DATA_DIR and EPHEMDIR_CONFIG_DIR`);
  }
  return h;
}

/** An explicit override: unset or empty means "not set"; anything else must be absolute. */
function override(env: Env, name: string): string | null {
  const v = env[name];
  if (v === undefined || v === '') return null;
  if (!path.isAbsolute(v)) throw invalidArgument(`${name} must be an absolute path, got ${JSON.stringify(v)}`, { variable: name, value: v });
  return path.posix.normalize(v).replace(/(.)\/+$/, '$1');
}

/** An XDG base directory: honoured only when absolute, as the XDG spec requires. */
function xdg(env: Env, name: string): string | null {
  const v = env[name];
  return v !== undefined && path.isAbsolute(v) ? path.posix.normalize(v).replace(/(.)\/+$/, '$1') : null;
}

/**
 * The data directory: `EPHEMDIR_DATA_DIR`, else `$XDG_DATA_HOME/ephemdir`
 * or `~/.local/share/ephemdir` (Linux), `~/Library/Application Support/ephemdir` (macOS).
 * Throws EPHEMDIR_INVALID_ARGUMENT for a relative `EPHEMDIR_DATA_DIR`.
 */
export function dataDir(env: Env = process.env, platform: Platform | null = hostPlatform()): string {
  const o = override(env, 'EPHEMDIR_DATA_DIR');
  if (o !== null) return o;
  if (platform === 'darwin') return path.posix.join(home(), 'Library', 'Application Support', 'ephemdir');
  return path.posix.join(xdg(env, 'XDG_DATA_HOME') ?? path.posix.join(home(), '.local', 'share'), 'ephemdir');
}

/**
 * The config directory: `EPHEMDIR_CONFIG_DIR`, else `$XDG_CONFIG_HOME/ephemdir`
 * or `~/.config/ephemdir` (Linux); on macOS the same directory as the data.
 */
export function configDir(env: Env = process.env, platform: Platform | null = hostPlatform()): string {
  const o = override(env, 'EPHEMDIR_CONFIG_DIR');
  if (o !== null) return o;
  if (platform === 'darwin') return path.posix.join(home(), 'Library', 'Application Support', 'ephemdir');
  return path.posix.join(xdg(env, 'XDG_CONFIG_HOME') ?? path.posix.join(home(), '.config'), 'ephemdir');
}

/** Our own subdirectory of the data dir; nothing else in the data dir is ours. */
export const REGISTRY_DIR = 'registry.d';
