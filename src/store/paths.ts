// Where ephemdir keeps its data and looks for its config. Pure: reads the
// environment passed in (and the home directory), touches no file.
import * as os from 'node:os';
import * as path from 'node:path';
import { invalidArgument } from '../errors';
import { hostPlatform, type Platform } from '../core/platform';

type Env = NodeJS.ProcessEnv;

/** How to choose a data directory without a home; every "no home" message says it. */
export const DATA_DIR_CHOICES = 'pass the dataDir option (--data-dir on the command line) or set EPHEMDIR_DATA_DIR';

/** The home directory, or null when there is none usable (HOME unset and no passwd entry, or not absolute). */
export function homeDir(): string | null {
  let h: unknown;
  try {
    h = os.homedir();
  } catch {
    return null; // HOME unset and no passwd entry for this uid (a bare uid in a container)
  }
  return typeof h === 'string' && path.isAbsolute(h) ? h : null;
}

/** Why there is no usable home directory, for the message. */
function homeProblem(): string {
  try {
    return `the home directory ${JSON.stringify(os.homedir())} is not an absolute path`;
  } catch {
    return `HOME is unset and uid ${process.getuid?.() ?? '?'} has no home in the user database`;
  }
}

function home(): string {
  const h = homeDir();
  if (h === null) {
    throw invalidArgument(`there is no usable home directory (${homeProblem()}); ${DATA_DIR_CHOICES} (and EPHEMDIR_CONFIG_DIR)`, {
      reason: 'no-home',
    });
  }
  return h;
}

/** A data or config directory named explicitly: absolute, lexically normalised, trailing slashes dropped. */
export function explicitDir(value: string, name: string, fields: Record<string, unknown> = {}): string {
  if (!path.isAbsolute(value) || value.includes('\0')) {
    throw invalidArgument(`${name} must be an absolute path, got ${JSON.stringify(value)}`, { value, ...fields });
  }
  return path.posix.normalize(value).replace(/(.)\/+$/, '$1');
}

/** An explicit override: unset or empty means "not set"; anything else must be absolute. */
function override(env: Env, name: string): string | null {
  const v = env[name];
  if (v === undefined || v === '') return null;
  return explicitDir(v, name, { variable: name });
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
 * The registry a call uses: its `dataDir` option when given (already
 * checked to be an absolute path), else the configured {@link dataDir}.
 */
export function registryDir(option: string | undefined, env: Env = process.env): string {
  return option === undefined ? dataDir(env) : explicitDir(option, 'dataDir');
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

/** {@link configDir}, or null when it would be under a home directory there is none of (no config file, then). */
export function configDirIfAny(env: Env = process.env, platform: Platform | null = hostPlatform()): string | null {
  if (override(env, 'EPHEMDIR_CONFIG_DIR') === null && homeDir() === null) {
    if (platform === 'darwin' || xdg(env, 'XDG_CONFIG_HOME') === null) return null;
  }
  return configDir(env, platform);
}
