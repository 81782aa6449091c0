// Shared machinery for the adversarial tests: where the sources and the
// child-process fixtures live (compiled run or tsx run), a loader for the
// deletion engine that tolerates its absence, a runner for fixtures, and the
// symlink-exchange race harness: an attacker process swaps a directory of
// the tree with a symlink to canaries by renameat2(RENAME_EXCHANGE) in a
// loop, so the window is always open, and reports its swap count so that a
// pass proves the attacker really ran.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { spawn, spawnSync, type ChildProcess, type SpawnSyncOptions } from 'node:child_process';
import type * as EngineModule from '../../src/fs/remove-tree';
import type { RemoveTreeOptions, RemoveTreeResult, RemoveTreeFailure as Failure } from '../../src/fs/remove-tree';

export type { RemoveTreeOptions, RemoveTreeResult, RemoveTreeFailure as Failure } from '../../src/fs/remove-tree';

/** The package root: the nearest ancestor whose package.json is ours. */
function findRoot(from: string): string {
  let dir = from;
  for (;;) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string };
      if (pkg.name === 'ephemdir') return dir;
    } catch {
      // keep going up
    }
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`cannot find the ephemdir package above ${from}`);
    dir = up;
  }
}

export const repoRoot = findRoot(__dirname);
/** True when the tests run from TypeScript sources (node --import tsx). */
export const underTsx = __filename.endsWith('.ts');
/** Where the library sources a child process should load live. */
export const srcRoot = underTsx ? path.join(repoRoot, 'src') : path.join(repoRoot, '.test-dist', 'src');
/** Extra node flags a child needs to load `srcRoot` modules. */
export const nodeFlags: string[] = underTsx
  ? ['--import', pathToFileURL(path.join(repoRoot, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href]
  : [];

/** Absolute path of a library module, e.g. srcModule('fs/walk'). */
export function srcModule(rel: string): string {
  return path.join(srcRoot, rel + (underTsx ? '.ts' : '.js'));
}

/** Absolute path of a child-process script in test/fixtures (plain JS, never compiled). */
export function fixture(name: string): string {
  return path.join(repoRoot, 'test', 'fixtures', name);
}

// ---------------------------------------------------------------------------
// The engine under test.

// Types come from the engine itself (erased at run time); the module is
// loaded by path so a reference remover can stand in for it.
export type Engine = Pick<typeof EngineModule, 'removeTree' | 'removeTreeSync'>;

/**
 * The engine module. EPHEMDIR_TEST_ENGINE may name another module with the
 * same exports (an absolute path), to run these harnesses against a
 * reference remover such as fs.rm and see what they catch.
 */
export const engineModule = process.env.EPHEMDIR_TEST_ENGINE || srcModule('fs/remove-tree');

/** The engine, or a reason it is missing (for t.skip). */
export function loadEngine(): { engine: Engine; missing?: undefined } | { engine?: undefined; missing: string } {
  if (!fs.existsSync(engineModule)) return { missing: `${path.relative(repoRoot, engineModule)} does not exist` };
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- dynamic path: the engine may be missing (reported as a skip)
  const mod = require(engineModule) as Partial<Engine>;
  if (typeof mod.removeTree !== 'function' || typeof mod.removeTreeSync !== 'function') {
    return { missing: `${path.relative(repoRoot, engineModule)} does not export removeTree/removeTreeSync` };
  }
  return { engine: mod as Engine };
}

// ---------------------------------------------------------------------------
// Child processes.

export interface RemoveRequest {
  /** 'removeTree' | 'removeTreeSync' (engine) or 'rmSync' | 'rm' (node:fs, for teeth checks). */
  fn: 'removeTree' | 'removeTreeSync' | 'rmSync' | 'rm';
  path: string;
  options?: RemoveTreeOptions;
  /** Print "ready" and wait for a line on stdin before starting. */
  barrier?: boolean;
}

export interface RemoveReply {
  ok: boolean;
  result?: RemoveTreeResult;
  error?: { name?: string; code?: string; message: string; failures?: Failure[]; errno?: number; syscall?: string; path?: string };
}

/** Where a child finds the code: the checkout, or a stage another user can reach (helpers/stage.ts). */
export interface CodeLocation {
  path(inCheckout: string): string;
  nodeFlags: string[];
}

/** argv for running test/fixtures/remove.js with node (from `from`, the checkout by default). */
export function removeArgv(req: RemoveRequest, from?: CodeLocation): string[] {
  const at = from ?? { path: (p: string) => p, nodeFlags };
  return [process.execPath, ...at.nodeFlags, at.path(fixture('remove.js')), JSON.stringify({ module: at.path(engineModule), ...req })];
}

/** Parses the single JSON line remove.js prints last. */
export function parseReply(stdout: string, stderr = '', status: number | null = 0, signal: string | null = null): RemoveReply {
  const line = stdout.trim().split('\n').filter((l) => l.startsWith('{')).pop();
  if (!line) {
    throw new Error(`remove.js printed no reply (status ${status}, signal ${signal})\nstdout: ${stdout.slice(-2000)}\nstderr: ${stderr.slice(-4000)}`);
  }
  return JSON.parse(line) as RemoveReply;
}

/**
 * Runs remove.js synchronously (optionally wrapped, e.g. in `bash -c 'ulimit'`
 * or setpriv). A child running as another user must load its code `from` a
 * stage it can reach (stageForOtherUsers()).
 */
export function runRemover(
  req: RemoveRequest,
  opts: { wrap?: (argv: string[]) => string[]; from?: CodeLocation; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): RemoveReply {
  const argv0 = removeArgv(req, opts.from);
  const argv = opts.wrap ? opts.wrap(argv0) : argv0;
  const spawnOpts: SpawnSyncOptions = {
    encoding: 'utf8',
    timeout: opts.timeoutMs ?? 60_000,
    killSignal: 'SIGKILL',
    maxBuffer: 64 * 1024 * 1024,
    env: opts.env ?? process.env,
    cwd: '/',
  };
  const r = spawnSync(argv[0]!, argv.slice(1), spawnOpts);
  if (r.error) throw r.error;
  if (r.signal) throw new Error(`remover killed by ${r.signal} (timeout ${opts.timeoutMs ?? 60_000} ms)\nstderr: ${String(r.stderr).slice(-4000)}`);
  return parseReply(String(r.stdout), String(r.stderr), r.status, r.signal);
}

/** Reads newline-separated lines from a child's stdout. */
export function lineReader(child: ChildProcess): { next(timeoutMs: number): Promise<string>; all(): string } {
  let buf = '';
  let all = '';
  const lines: string[] = [];
  let waiter: (() => void) | null = null;
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (d: string) => {
    buf += d;
    all += d;
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      lines.push(buf.slice(0, i));
      buf = buf.slice(i + 1);
    }
    waiter?.();
  });
  child.on('close', () => waiter?.());
  return {
    all: () => all,
    async next(timeoutMs: number): Promise<string> {
      const deadline = Date.now() + timeoutMs;
      while (lines.length === 0) {
        if (child.exitCode !== null || child.signalCode !== null) {
          if (lines.length === 0) throw new Error(`child exited (${child.exitCode ?? child.signalCode}) before printing a line; output so far: ${all.slice(-2000)}`);
        }
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`no line from child within ${timeoutMs} ms; output so far: ${all.slice(-2000)}`);
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, Math.min(left, 250));
          waiter = () => {
            clearTimeout(t);
            resolve();
          };
        });
        waiter = null;
      }
      return lines.shift()!;
    },
  };
}

/** Collects a child's stderr for diagnostics. */
export function stderrOf(child: ChildProcess): () => string {
  let s = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (d: string) => {
    s += d;
    if (s.length > 20_000) s = s.slice(-10_000);
  });
  return () => s;
}

export function waitExit(child: ChildProcess, timeoutMs: number): Promise<number | string> {
  return new Promise((resolve, reject) => {
    if (child.exitCode !== null) return resolve(child.exitCode);
    if (child.signalCode !== null) return resolve(child.signalCode);
    const t = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`child ${child.pid} did not exit within ${timeoutMs} ms`));
    }, timeoutMs);
    child.once('exit', (code, sig) => {
      clearTimeout(t);
      resolve(code ?? sig ?? -1);
    });
  });
}

// ---------------------------------------------------------------------------
// The symlink-exchange race.
//
// arena/victim/[l1/l2/]sub holds `files` files; arena/outside holds the same
// number of canaries; arena/alt is a symlink to arena/outside. A separate
// process holds fds on sub's parent and on arena and exchanges `sub` and
// `alt` with renameat2(RENAME_EXCHANGE) in a loop, so the name the remover
// sees alternates between the real directory and the symlink. The remover
// is given arena/victim. Any canary missing afterwards is an escape.

export interface RaceConfig {
  /** Files in sub and canaries in outside. */
  files: number;
  /** Depth of `sub` below victim: 1 = victim/sub, 3 = victim/l1/l2/sub. */
  depth: number;
  /** Upper bound on trials. */
  maxTrials: number;
  /** Wall-clock budget for all trials (a trial in progress finishes). */
  budgetMs: number;
  /**
   * Which directory on the way to `sub` is exchanged with the symlink:
   * 1 = victim/l1 (an ancestor of the files), ..., depth = sub (default).
   */
  swapLevel?: number;
  /** Stop at the first trial that loses a canary (teeth checks). */
  stopOnLoss?: boolean;
  /**
   * Keep running trials past the budget (up to maxTrials) until the attacker
   * has made this many exchanges during removals, so a slow machine yields
   * fewer but still meaningful trials rather than an idle attack.
   */
  minSwaps?: number;
}

export interface TrialResult {
  trial: number;
  /** Canaries missing afterwards. */
  lost: number;
  /** Successful exchanges between the attacker seeing "start" and "stop". */
  swapsDuring: number;
  swapsTotal: number;
  /** 'ok' or the error code the remover failed with. */
  outcome: string;
}

export type Remover = (victim: string) => unknown;

/** Empty files f0..f(n-1): open+close is the cheapest way to make them from JS. */
function touchMany(dir: string, n: number): void {
  for (let i = 0; i < n; i++) fs.closeSync(fs.openSync(path.join(dir, `f${i}`), 'wx', 0o644));
}

export function buildArena(arena: string, files: number, depth: number): { victim: string; outside: string; subParent: string } {
  const victim = path.join(arena, 'victim');
  const outside = path.join(arena, 'outside');
  const levels = Array.from({ length: depth - 1 }, (_, i) => `l${i + 1}`);
  const subParent = path.join(victim, ...levels);
  fs.mkdirSync(path.join(subParent, 'sub'), { recursive: true });
  // a few ordinary siblings at every level, so the remover has other work around the swap
  for (let d = 0, p = victim; d < depth; d++, p = path.join(p, levels[d - 1] ?? '')) {
    for (let i = 0; i < 8; i++) fs.writeFileSync(path.join(p, `s${i}`), 'sibling');
  }
  touchMany(path.join(subParent, 'sub'), files);
  fs.mkdirSync(outside);
  touchMany(outside, files);
  fs.symlinkSync(outside, path.join(arena, 'alt'));
  return { victim, outside, subParent };
}

function countMissing(outside: string, n: number): number {
  let lost = 0;
  for (let i = 0; i < n; i++) {
    if (!fs.existsSync(path.join(outside, `f${i}`))) lost++;
  }
  return lost;
}

/** Starts the attacker exchanging `arena/<swappedRel>` with `arena/alt`. */
export function startAttacker(arena: string, swappedRel: string): ChildProcess {
  const spec = {
    walk: srcModule('fs/walk'),
    dirA: path.join(arena, path.dirname(swappedRel)),
    nameA: path.basename(swappedRel),
    dirB: arena,
    nameB: 'alt',
    maxMs: 60_000,
  };
  return spawn(process.execPath, [...nodeFlags, fixture('attacker.js'), JSON.stringify(spec)], {
    stdio: ['pipe', 'pipe', 'pipe'],
    cwd: '/',
  });
}

/**
 * Runs race trials against `remover` in fresh arenas under `base` (each
 * removed with the system's rm afterwards). Returns one row per trial.
 */
export async function raceTrials(base: string, remover: Remover, cfg: RaceConfig): Promise<TrialResult[]> {
  const results: TrialResult[] = [];
  const t0 = Date.now();
  let swaps = 0;
  const more = (): boolean => Date.now() - t0 < cfg.budgetMs || swaps < (cfg.minSwaps ?? 0);
  for (let trial = 0; trial < cfg.maxTrials && more(); trial++) {
    const arena = path.join(base, `arena${trial}`);
    fs.mkdirSync(arena);
    const { victim, outside, subParent } = buildArena(arena, cfg.files, cfg.depth);
    // The exchanged directory: `sub` itself, or with swapLevel an ancestor of it.
    const chain = path.relative(victim, path.join(subParent, 'sub')).split(path.sep);
    const level = cfg.swapLevel ?? cfg.depth;
    const swapped = path.join('victim', ...chain.slice(0, level));
    const attacker = startAttacker(arena, swapped);
    const errText = stderrOf(attacker);
    const lines = lineReader(attacker);
    let outcome = 'ok';
    let report: { swaps: number; swapsSinceStart: number };
    try {
      const ready = await lines.next(15_000);
      if (!ready.startsWith('ready')) throw new Error(`attacker said ${ready}; stderr: ${errText()}`);
      attacker.stdin!.write('start\n');
      try {
        await remover(victim);
      } catch (err) {
        const e = err as { code?: string; message?: string; failures?: { code: string; syscall: string }[] };
        outcome = String(e.code ?? e.message);
        if (e.failures?.length) outcome += ` (${e.failures.length} failures, first ${e.failures[0]!.code} on ${e.failures[0]!.syscall})`;
      }
      attacker.stdin!.write('stop\n');
      const line = await lines.next(15_000);
      report = JSON.parse(line) as { swaps: number; swapsSinceStart: number };
      await waitExit(attacker, 10_000);
    } catch (err) {
      attacker.kill('SIGKILL');
      throw new Error(`trial ${trial}: ${(err as Error).message}\nattacker stderr: ${errText()}`, { cause: err });
    }
    const lost = countMissing(outside, cfg.files);
    swaps += report.swapsSinceStart;
    results.push({ trial, lost, swapsDuring: report.swapsSinceStart, swapsTotal: report.swaps, outcome });
    spawnSync('rm', ['-rf', '--one-file-system', arena]);
    if (cfg.stopOnLoss && lost > 0) break;
  }
  return results;
}

export function formatTrials(rows: TrialResult[]): string {
  return rows.map((r) => `#${r.trial}: lost=${r.lost} swaps=${r.swapsDuring}/${r.swapsTotal} outcome=${r.outcome}`).join('; ');
}
