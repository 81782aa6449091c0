// Finds and loads the native addon. Pinned to this package's own folder: no
// environment variable can point it elsewhere (node-gyp-build's resolver honours
// EPHEMDIR_PREBUILD and searches beside the node binary, so we only borrow its
// prebuild tag matching). A binary whose embedded source stamp differs from the
// package's sources is refused, so a stale build never loads silently.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EphemdirError, ErrorCodes } from '../errors';

interface Tuple { name: string; platforms: string; architectures: string[] }
interface Tags { file: string; runtime?: string; napi?: boolean; abi?: string }
interface NodeGypBuild {
  parseTuple(name: string): Tuple | undefined;
  matchTuple(platform: string, arch: string): (t: Tuple | undefined) => boolean;
  compareTuples(a: Tuple, b: Tuple): number;
  parseTags(file: string): Tags | undefined;
  matchTags(runtime: string, abi: string): (t: Tags | undefined) => boolean;
  compareTags(runtime: string): (a: Tags, b: Tags) => number;
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
  throw new EphemdirError(ErrorCodes.NATIVE_UNAVAILABLE, `cannot find the ephemdir package folder above ${from}`);
}

function listDir(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}

/** The local build, when there is one (tried first: it is what `npm ci` just compiled). */
function localBuild(root: string): string[] {
  if (process.env.PREBUILDS_ONLY === '1') return [];
  const release = path.join(root, 'build', 'Release', 'ephemdir.node');
  return fs.existsSync(release) ? [release] : [];
}

/** Matching prebuilds, most preferred first (node-gyp-build's tag rules). */
function prebuilds(root: string): string[] {
  const out: string[] = [];
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const ngb = require('node-gyp-build') as NodeGypBuild;
  const dir = path.join(root, 'prebuilds');
  const tuples = listDir(dir)
    .map((n) => ngb.parseTuple(n))
    .filter((t): t is Tuple => t !== undefined && ngb.matchTuple(os.platform(), os.arch())(t))
    .sort(ngb.compareTuples);
  for (const tuple of tuples) {
    const sub = path.join(dir, tuple.name);
    const tags = listDir(sub)
      .map((f) => ngb.parseTags(f))
      .filter((t): t is Tags => t !== undefined && ngb.matchTags('node', process.versions.modules)(t))
      .sort(ngb.compareTags('node'));
    for (const t of tags) out.push(path.join(sub, t.file));
  }
  return out;
}

export function loadNative<T extends { stamp: string }>(): T {
  if (process.platform !== 'linux' && process.platform !== 'darwin') {
    throw new EphemdirError(
      ErrorCodes.UNSUPPORTED_PLATFORM,
      `ephemdir supports Linux and macOS only (this is ${process.platform}): ` +
        'it refuses to run where it cannot delete through directory handles',
    );
  }
  const root = packageRoot();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { expectedStamp } = require(path.join(root, 'scripts', 'native-stamp.js')) as {
    expectedStamp(root: string): string;
  };
  const expected = expectedStamp(root);
  const refused: string[] = [];
  // Prebuilds are only looked for (and node-gyp-build loaded) when no local build fits.
  for (const list of [localBuild, prebuilds]) {
    for (const file of list(root)) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const mod = require(file) as T;
      if (mod.stamp === expected) return mod;
      refused.push(`${file} (stamp ${mod.stamp}, expected ${expected})`);
    }
  }
  const why = refused.length
    ? `every binary found was built from other sources: ${refused.join('; ')}. Rebuild with \`npm rebuild ephemdir\``
    : `no binary found in ${path.join(root, 'build', 'Release')} or ${path.join(root, 'prebuilds')}; build it with \`npm rebuild ephemdir\``;
  throw new EphemdirError(ErrorCodes.NATIVE_UNAVAILABLE, `cannot load the ephemdir native addon: ${why}`);
}
