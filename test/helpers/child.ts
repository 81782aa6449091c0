// Running real child processes against the code under test, both under tsx
// (development) and from the compiled .test-dist tree (npm test).
import * as path from 'node:path';
import { spawn, spawnSync, type SpawnSyncReturns, type ChildProcess } from 'node:child_process';

/** Absolute module path of a source file, e.g. srcModule('api/index'). */
export function srcModule(rel: string): string {
  return path.resolve(__dirname, '..', '..', 'src', rel);
}

function nodeArgs(): string[] {
  return process.execArgv.filter((a) => !a.startsWith('--test'));
}

export interface NodeRun {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  timeoutMs?: number;
  /** Wrap the node command, e.g. ['unshare', '-m', '--'] or a setpriv prefix. */
  prefix?: string[];
}

/** Runs `code` (CommonJS) in a fresh node process and waits for it. */
export function runNode(code: string, opts: NodeRun = {}): SpawnSyncReturns<string> {
  const argv = [...(opts.prefix ?? []), process.execPath, ...nodeArgs(), '-e', code];
  return spawnSync(argv[0]!, argv.slice(1), {
    env: opts.env ?? process.env,
    cwd: opts.cwd ?? process.cwd(),
    encoding: 'utf8',
    timeout: opts.timeoutMs ?? 60_000,
  });
}

export function startNode(code: string, opts: NodeRun = {}): ChildProcess {
  const argv = [...(opts.prefix ?? []), process.execPath, ...nodeArgs(), '-e', code];
  return spawn(argv[0]!, argv.slice(1), { env: opts.env ?? process.env, cwd: opts.cwd ?? process.cwd(), stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Resolves when `c` exits, with its exit code and everything it printed. */
export function exited(c: ChildProcess): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    let out = '';
    let err = '';
    c.stdout!.on('data', (b: Buffer) => (out += b));
    c.stderr!.on('data', (b: Buffer) => (err += b));
    c.on('exit', (code) => resolve({ code, out, err }));
  });
}

/**
 * Starts `argv` in `/`; resolves once it prints "ready" (rejects if it exits
 * first, with its stderr). It is added to `track` at once, so a suite's
 * `after` can kill one that never got ready.
 */
export function startReady(argv: readonly string[], track: ChildProcess[]): Promise<ChildProcess> {
  const child = spawn(argv[0]!, argv.slice(1), { cwd: '/', stdio: ['ignore', 'pipe', 'pipe'] });
  track.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stdout!.on('data', (b: Buffer) => {
      out += b;
      if (out.includes('ready')) resolve(child);
    });
    child.stderr!.on('data', (b: Buffer) => (err += b));
    child.on('exit', (c) => reject(new Error(`${argv.join(' ')} exited ${c}: ${err}`)));
  });
}

/** Kills `child` (SIGKILL) and waits until it is gone; nothing if it already ended. */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await gone;
}
