// Finds and loads the native addon. Pinned to this package's own folder: no
// environment variable can point it elsewhere or pick another libc, so
// node-gyp-build's resolver is not used; scripts/native-target.js reads the
// prebuild layout with node-gyp-build's parsers and matches it to this host.
// A binary whose embedded source stamp differs from the package's sources is
// refused, so a stale build never loads silently; a binary that cannot be loaded at all (dlopen) is refused the
// same way, and when nothing loads one error says what was tried and why.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EphemdirError, ErrorCodes } from '../errors';
import { requirePlatform } from '../core/platform';
import { nativeFix, packageManagerFromAgent, unavailableMessage, type Host, type PackageManager, type Refusal } from './unavailable';

interface Target extends Host {
  uv: string;
  armv: string;
}
interface TargetModule {
  isSupported(platform: string): boolean;
  hostTarget(): Target;
  choosePrebuilds(listing: { tuple: string; files: string[] }[], host: Target): { candidates: string[]; refused: Refusal[] };
  listPrebuilds(root: string): { tuple: string; files: string[] }[];
}

/** The package root: the nearest ancestor holding our own package.json. */
export function packageRoot(from: string = __dirname): string {
  let dir = from;
  for (let i = 0; i < 4; i++) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string };
      if (pkg.name === 'ephemdir') return dir;
    } catch {
      // not here; go up
    }
    dir = path.dirname(dir);
  }
  throw new EphemdirError(
    ErrorCodes.NATIVE_UNAVAILABLE,
    `cannot find the ephemdir package folder above ${from}: ephemdir must stay an installed package beside its native ` +
      'addon. If you bundle your code, mark ephemdir as external (esbuild --external:ephemdir; webpack externals)',
  );
}

/** The package manager, for the fix to print: the one running us, else the npm installed beside node. */
function packageManager(): PackageManager | null {
  const fromAgent = packageManagerFromAgent(process.env.npm_config_user_agent);
  if (fromAgent) return fromAgent;
  const bin = path.dirname(process.execPath);
  for (const pj of [path.join(bin, '..', 'lib', 'node_modules', 'npm', 'package.json'), path.join(bin, 'node_modules', 'npm', 'package.json')]) {
    try {
      const major = Number(/^(\d+)\./.exec((JSON.parse(fs.readFileSync(pj, 'utf8')) as { version: string }).version)?.[1]);
      if (major > 0) return { name: 'npm', major };
    } catch {
      // not there
    }
  }
  return null;
}

export interface NativeStatus<T> {
  /** The package folder. */
  root: string;
  /** The loaded module, or null. */
  module: T | null;
  /** The file it came from, relative to the package folder. */
  file: string | null;
  host: Host;
  /** Every binary that was tried or passed over, and why it was refused. */
  refused: Refusal[];
  /** Why nothing loaded, and the fix; null when a binary loaded. */
  error: EphemdirError | null;
}

/** Tries every binary that may fit, best first; never throws for a binary that cannot load. */
export function probeNative<T extends { stamp: string }>(): NativeStatus<T> {
  requirePlatform();
  const root = packageRoot();
  const scripts = path.join(root, 'scripts');
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- dynamic path: scripts/ of the package root found at run time
  const { expectedStamp } = require(path.join(scripts, 'native-stamp.js')) as { expectedStamp(root: string): string };
  let expected: string | undefined;
  const refused: Refusal[] = [];
  const attempt = (rel: string): T | null => {
    let mod: T;
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- dynamic path: the addon binary chosen at run time
      mod = require(path.join(root, rel)) as T;
    } catch (err) {
      // ERR_DLOPEN_FAILED and the like: a broken, foreign or too-new binary. Its first line says why.
      const why = String((err as Error).message ?? err).split('\n')[0];
      refused.push({ file: rel, reason: `cannot be loaded: ${why}` });
      return null;
    }
    expected ??= expectedStamp(root);
    if (mod.stamp === expected) return mod;
    refused.push({ file: rel, reason: `built from other sources (stamp ${String(mod.stamp)}, these sources are ${expected})` });
    return null;
  };

  const local = path.join('build', 'Release', 'ephemdir.node');
  // The local build first: it is what an install step (or `npm ci`) compiled here. Only when it
  // does not fit are the prebuilds looked at, and the libc detected.
  if (process.env.PREBUILDS_ONLY === '1') {
    refused.push({ file: local, reason: 'skipped (PREBUILDS_ONLY=1)' });
  } else if (fs.existsSync(path.join(root, local))) {
    const mod = attempt(local);
    if (mod) return { root, module: mod, file: local, host: { platform: process.platform, arch: process.arch, libc: null, abi: process.versions.modules }, refused, error: null };
  } else {
    refused.push({ file: local, reason: 'not built: no install step ran here, or it could not compile' });
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- dynamic path: scripts/ of the package root found at run time
  const target = require(path.join(scripts, 'native-target.js')) as TargetModule;
  const t = target.hostTarget();
  const host: Host = { platform: t.platform, arch: t.arch, libc: t.libc, abi: t.abi };
  const { candidates, refused: passedOver } = target.choosePrebuilds(target.listPrebuilds(root), t);
  for (const rel of candidates) {
    const file = path.join('prebuilds', rel);
    const mod = attempt(file);
    if (mod) return { root, module: mod, file, host, refused, error: null };
  }
  refused.push(...passedOver.map((r) => ({ file: path.join('prebuilds', r.file), reason: r.reason })));
  const pm = packageManager();
  const error = new EphemdirError(ErrorCodes.NATIVE_UNAVAILABLE, unavailableMessage(root, host, process.versions.node, refused, pm), {
    platform: `${host.platform}-${host.arch}`,
    libc: host.libc,
    tried: refused,
    fix: nativeFix(host, pm),
  });
  return { root, module: null, file: null, host, refused, error };
}

export function loadNative<T extends { stamp: string }>(): T {
  const status = probeNative<T>();
  if (status.module) return status.module;
  throw status.error!;
}
