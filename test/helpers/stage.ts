// What a test runs as another (unprivileged) user, staged where that user
// can reach it. The checkout itself may sit in a folder others cannot enter
// (a 0700 home, `mktemp -d`), so code loaded from it would fail with EACCES
// before the test even starts. The stage mirrors the checkout's layout for
// just what such a child needs: the compiled sources and tests (or the
// TypeScript sources and tsx when the suite runs under tsx), the fixtures,
// the native addon with what its loader checks, and the runtime packages.
// It lives in a fresh 0755 folder under /tmp, is made once per test process
// on first use, readable (never writable) by everyone, and removed at exit
// (or, if the process was killed, by the next test process that stages).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot, underTsx } from './race';

export interface Stage {
  /** The stage's root, standing for the checkout's root. */
  root: string;
  /** The staged counterpart of a path inside the checkout (other paths are returned as they are). */
  path(inCheckout: string): string;
  /** Node flags a child needs to load the staged sources (tsx's loader under tsx). */
  nodeFlags: string[];
}

let made: Stage | undefined;

/** Copies `rel` (file or folder) from the checkout into the stage, if it exists. */
function copy(root: string, rel: string): void {
  const from = path.join(repoRoot, rel);
  if (!fs.existsSync(from)) return;
  const to = path.join(root, rel);
  fs.mkdirSync(path.dirname(to), { recursive: true });
  fs.cpSync(from, to, { recursive: true, dereference: false, filter: (src) => path.basename(src) !== '.bin' });
}

/** A package and, recursively, every dependency of it that is installed. */
function copyPackage(root: string, name: string, seen: Set<string>): void {
  if (seen.has(name)) return;
  seen.add(name);
  const rel = path.join('node_modules', name);
  const manifest = path.join(repoRoot, rel, 'package.json');
  if (!fs.existsSync(manifest)) return; // an optional dependency for another platform
  copy(root, rel);
  const pkg = JSON.parse(fs.readFileSync(manifest, 'utf8')) as { dependencies?: object; optionalDependencies?: object };
  for (const dep of Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies })) copyPackage(root, dep, seen);
}

/** a+rX, og-w on everything staged (a checkout made under umask 077 is owner-only). */
function openUp(p: string): void {
  const st = fs.lstatSync(p);
  if (st.isSymbolicLink()) return;
  if (st.isDirectory()) {
    fs.chmodSync(p, 0o755);
    for (const name of fs.readdirSync(p)) openUp(path.join(p, name));
  } else {
    fs.chmodSync(p, st.mode & 0o111 ? 0o755 : 0o644);
  }
}

const PREFIX = 'ephemdir-stage-';

/** Stages left by test processes that were killed (their pid is in the name and gone). */
function removeStale(): void {
  for (const name of fs.readdirSync('/tmp')) {
    const pid = Number(/^ephemdir-stage-(\d+)-/.exec(name)?.[1]);
    if (!pid || pid === process.pid) continue;
    try {
      process.kill(pid, 0);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ESRCH') fs.rmSync(path.join('/tmp', name), { recursive: true, force: true });
    }
  }
}

/** The stage for this test process (made on first use, removed when the process exits). */
export function stageForOtherUsers(): Stage {
  if (made) return made;
  removeStale();
  const root = fs.mkdtempSync(`/tmp/${PREFIX}${process.pid}-`);
  process.on('exit', () => fs.rmSync(root, { recursive: true, force: true }));
  for (const rel of ['package.json', 'binding.gyp', 'native', 'scripts/native-stamp.js', 'build/Release', 'prebuilds', 'test/fixtures']) {
    copy(root, rel);
  }
  copy(root, underTsx ? 'src' : '.test-dist');
  if (underTsx) copy(root, 'test');
  const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { dependencies?: object };
  const seen = new Set<string>();
  for (const dep of Object.keys(pkg.dependencies ?? {})) copyPackage(root, dep, seen);
  if (underTsx) copyPackage(root, 'tsx', seen);
  openUp(root);
  const mapPath = (p: string): string => {
    const rel = path.relative(repoRoot, p);
    return rel.startsWith('..') || path.isAbsolute(rel) ? p : path.join(root, rel);
  };
  const nodeFlags = underTsx ? ['--import', `file://${path.join(root, 'node_modules', 'tsx', 'dist', 'loader.mjs')}`] : [];
  made = { root, path: mapPath, nodeFlags };
  return made;
}
