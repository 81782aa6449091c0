// Packing the package for tests that install it. `npm pack` runs with
// --ignore-scripts (dist/ is compiled by pretest; the prepack step that builds
// every prebuild is too slow here), so a tarball from a checkout may lack a
// prebuild for this machine: then the local build, which carries the same
// stamp, goes in where prebuildify would put it, and the packed stamp record
// is written as the pack step writes it. The tarball is otherwise untouched.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';

/** The repository root, from the compiled (.test-dist/test/package) or source location. */
export function repoRoot(from: string): string {
  for (let dir = from; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const pj = path.join(dir, 'package.json');
    if (fs.existsSync(pj) && JSON.parse(fs.readFileSync(pj, 'utf8')).name === 'ephemdir') return dir;
  }
  throw new Error(`no ephemdir package above ${from}`);
}

/** `npm pack` of `dir` into `dest`; returns the tarball's path. */
export function npmPack(dir: string, dest: string): string {
  fs.mkdirSync(dest, { recursive: true });
  const out = execFileSync('npm', ['pack', '--silent', '--ignore-scripts', '--pack-destination', dest], { cwd: dir, encoding: 'utf8', timeout: 300_000 });
  return path.join(dest, out.trim().split('\n').pop()!);
}

/** True when some .node in `dir` loads here and carries `stamp` (checked in a child). */
function loadsWithStamp(dir: string, stamp: string): boolean {
  const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.node')).map((f) => path.join(dir, f)) : [];
  const code = `process.exit(${JSON.stringify(files)}.some(f=>{try{return require(f).stamp===${JSON.stringify(stamp)}}catch{return false}})?0:1)`;
  return files.length > 0 && spawnSync(process.execPath, ['-e', code]).status === 0;
}

/** A tarball of the checkout at `root` with a prebuild for this machine and the packed stamp record. */
export function packTarball(root: string, dest: string): string {
  const first = npmPack(root, path.join(dest, 'first'));
  const stage = path.join(dest, 'stage');
  fs.mkdirSync(stage, { recursive: true });
  execFileSync('tar', ['-xzf', first, '-C', stage]);
  const pkg = path.join(stage, 'package');
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- dynamic path: a CommonJS script of the packed copy
  const { computeStamp } = require(path.join(pkg, 'scripts', 'native-stamp.js')) as { computeStamp(root: string): string };
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- dynamic path: a CommonJS script of the packed copy
  const { hostLibc } = require(path.join(pkg, 'scripts', 'native-target.js')) as { hostLibc(): string | null };
  const tuple = path.join(pkg, 'prebuilds', `${process.platform}-${process.arch}`);
  if (!loadsWithStamp(tuple, computeStamp(pkg))) {
    const libc = hostLibc();
    fs.mkdirSync(tuple, { recursive: true });
    fs.copyFileSync(path.join(root, 'build', 'Release', 'ephemdir.node'), path.join(tuple, `node.napi${libc ? `.${libc}` : ''}.node`));
  }
  execFileSync(process.execPath, [path.join(pkg, 'scripts', 'native-stamp.js'), '--pack'], { cwd: pkg });
  return npmPack(pkg, path.join(dest, 'final'));
}
