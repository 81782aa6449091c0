// Before scheduling anything, check that what the scheduler will run later,
// unattended, cannot be changed by another user: the node binary, env, and
// every file and folder of the package tree (and of its runtime
// dependencies). Each must be owned by the user or root and writable by no
// one else; every folder on the way to them too, even a sticky one like
// /tmp. The first problem found is reported with the component and the reason.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EphemdirError, ErrorCodes } from '../../errors';
import { modeText, ownedByMeOrRoot } from '../../core/trust';

export interface Problem {
  path: string;
  why: string;
}

const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;

const describeMode = modeText;

/** The problem with one filesystem object, or null. `uid` is the installing user. */
export function objectProblem(st: { uid: number; mode: number }, uid: number): string | null {
  if ((st.mode & S_IFMT) === S_IFLNK) return ownedByMeOrRoot(st, uid) ? null : `a symlink owned by uid ${st.uid}`;
  if (!ownedByMeOrRoot(st, uid)) return `owned by uid ${st.uid}, not by you (uid ${uid}) or root`;
  if (st.mode & 0o002) return `writable by every user (mode ${describeMode(st.mode)})`;
  if (st.mode & 0o020) return `writable by its group (mode ${describeMode(st.mode)})`;
  return null;
}

/** lstat of one object on a runtime path and the owner/mode rule for it; `where` ends the reason. */
function inspect(p: string, uid: number, where: string): Problem | { st: fs.Stats } {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(p);
  } catch (err) {
    return { path: p, why: `cannot inspect it (${(err as Error).message})` };
  }
  const problem = objectProblem(st, uid);
  return problem ? { path: p, why: `${problem}; ${where}` } : { st };
}

/** Checks every component of `p`, both as written and as resolved. */
export function checkChain(p: string, uid: number, what: string): Problem | null {
  const abs = path.resolve(p);
  const chains = [abs];
  try {
    const real = fs.realpathSync(abs);
    if (real !== abs) chains.push(real);
  } catch (err) {
    return { path: abs, why: `${what} cannot be resolved: ${(err as Error).message}` };
  }
  for (const chain of chains) {
    let at = '/';
    const parts = chain.split('/').filter(Boolean);
    for (let i = 0; i <= parts.length; i++) {
      if (i > 0) at = path.join(at, parts[i - 1]!);
      const seen = inspect(at, uid, `it is on the way to ${what}`);
      if ('why' in seen) return seen;
    }
  }
  return null;
}

const SKIP_AT_ROOT = new Set(['node_modules', '.git', '.test-dist', 'test', 'bench', 'src']);

/** Walks a tree (no symlink following; a symlink is checked through its target's chain). */
export function checkTree(root: string, uid: number, what: string, skip: ReadonlySet<string> = new Set()): Problem | null {
  const stack = [root];
  while (stack.length) {
    const dir = stack.pop()!;
    let names: string[];
    try {
      names = fs.readdirSync(dir);
    } catch (err) {
      return { path: dir, why: `cannot list it (${(err as Error).message}); it is part of ${what}` };
    }
    for (const name of names) {
      if (dir === root && skip.has(name)) continue;
      if (name === '.bin' && path.basename(dir) === 'node_modules') continue;
      const p = path.join(dir, name);
      const seen = inspect(p, uid, `it is part of ${what}`);
      if ('why' in seen) return seen;
      const st = seen.st;
      if (st.isSymbolicLink()) {
        const chained = checkChain(p, uid, `${what} (through the symlink ${p})`);
        if (chained) return chained;
      } else if (st.isDirectory()) stack.push(p);
    }
  }
  return null;
}

// Needed only to build the addon from source (its C++ headers); the scheduled
// job never loads it, so a prebuilt install may lack it.
const BUILD_ONLY = new Set(['node-addon-api']);

interface Manifest {
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

/**
 * The folder node would load package `name` from when required from the
 * package at `from`: the first `node_modules/<name>` on node's lookup path
 * holding a package.json. Found by presence, not through `require.resolve`,
 * so a package whose `exports` hides package.json (smol-toml) is found too.
 */
export function packageDir(name: string, from: string): string | null {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy: loads only when the runtime is verified
  const { createRequire } = require('node:module') as typeof import('node:module');
  for (const dir of createRequire(path.join(from, 'package.json')).resolve.paths(name) ?? []) {
    const candidate = path.join(dir, name);
    try {
      if (fs.statSync(path.join(candidate, 'package.json')).isFile()) return candidate;
    } catch {
      // not in this node_modules: keep looking, as node does
    }
  }
  return null;
}

/**
 * Every package the scheduled job could load from `root`: its runtime
 * dependencies and theirs, as node would find them. A runtime dependency that
 * cannot be found is an error (node would look for it in folders above,
 * which nobody has checked), unless it is optional or only needed to build.
 */
export function dependencyDirs(root: string): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const visit = (from: string, what: string) => {
    const pkg = JSON.parse(fs.readFileSync(path.join(from, 'package.json'), 'utf8')) as Manifest;
    const optional = new Set(Object.keys(pkg.optionalDependencies ?? {}));
    for (const dep of [...Object.keys(pkg.dependencies ?? {}), ...optional]) {
      const dir = packageDir(dep, from);
      if (dir === null) {
        if (optional.has(dep) || (from === root && BUILD_ONLY.has(dep))) continue;
        throw new EphemdirError(
          ErrorCodes.NOT_FOUND,
          `refusing to install the service: ${what} depends on ${dep}, which is not installed where node would load it from ${from}; reinstall ephemdir`,
          { path: from, dependency: dep },
        );
      }
      const real = fs.realpathSync(dir);
      if (seen.has(real)) continue;
      seen.add(real);
      out.push(dir);
      visit(dir, `the dependency ${dep}`);
    }
  };
  visit(root, 'the ephemdir package');
  return out;
}

export interface Runtime {
  node: string;
  env: string | null;
  root: string;
}

/** Every problem-free check passes silently; the first problem throws. */
export function verifyRuntime(rt: Runtime, uid: number): void {
  const fail = (p: Problem, component: string): never => {
    throw new EphemdirError(
      ErrorCodes.UNSAFE_PARENT,
      `refusing to install the service: ${component}: ${p.path} is ${p.why}. ` +
        'The scheduler runs it later, unattended; install ephemdir and node where only you (or root) can change them',
      { path: p.path, component },
    );
  };
  const checkFile = (file: string, component: string) => {
    const problem = checkChain(file, uid, component);
    if (problem) fail(problem, component);
    if (!fs.statSync(file).isFile()) fail({ path: file, why: 'not a regular file' }, component);
  };
  checkFile(rt.node, 'the node binary');
  if (rt.env) checkFile(rt.env, 'env');
  const rootProblem = checkChain(rt.root, uid, 'the ephemdir package');
  if (rootProblem) fail(rootProblem, 'the ephemdir package');
  const treeProblem = checkTree(rt.root, uid, 'the ephemdir package', SKIP_AT_ROOT);
  if (treeProblem) fail(treeProblem, 'the ephemdir package');
  for (const dir of dependencyDirs(rt.root)) {
    const what = `the dependency ${dir.slice(dir.lastIndexOf('node_modules/') + 'node_modules/'.length)}`;
    const p = checkChain(dir, uid, what) ?? checkTree(dir, uid, what);
    if (p) fail(p, what);
  }
}

/** The first of `candidates` that is a root-owned regular file nobody else can write. */
export function trustedBinary(candidates: readonly string[]): string | null {
  for (const c of candidates) {
    try {
      const st = fs.statSync(c);
      if (st.isFile() && checkChain(c, 0, c) === null) return c;
    } catch {
      // try the next one
    }
  }
  return null;
}
