// A scratch home, data and config folder for running the built CLI as a user
// would (`node dist/cli/main.js`), plus a byte-level snapshot of a tree for
// tests that check a refused command touched nothing.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { MAIN } from './cli';
import { removeScratch } from './scratch';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export class CliSandbox implements Disposable {
  readonly root = fs.mkdtempSync(path.join(os.tmpdir(), 'ephemdir-clic-'));
  readonly work = path.join(this.root, 'work');
  readonly data = path.join(this.root, 'data');
  readonly config = path.join(this.root, 'config');
  readonly env: NodeJS.ProcessEnv;
  constructor() {
    fs.chmodSync(this.root, 0o700);
    fs.mkdirSync(this.work);
    fs.mkdirSync(path.join(this.root, 'home'));
    this.env = {
      PATH: process.env.PATH,
      HOME: path.join(this.root, 'home'),
      EPHEMDIR_DATA_DIR: this.data,
      EPHEMDIR_CONFIG_DIR: this.config,
      TERM: 'xterm',
    };
  }
  run(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): CliResult {
    const r = spawnSync(process.execPath, [MAIN, ...args], {
      cwd: opts.cwd ?? this.work,
      env: { ...this.env, ...opts.env },
      encoding: 'utf8',
      timeout: 30_000,
    });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  }
  /** Runs and asserts exit 0; returns stdout. */
  ok(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): string {
    const r = this.run(args, opts);
    assert.equal(r.code, 0, `ephemdir ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
    return r.stdout;
  }
  cleanup(): void {
    removeScratch(this.root);
  }
  [Symbol.dispose](): void {
    this.cleanup();
  }
}

/**
 * Every path under `root` with its type, mode, owner, size, mtime and (for
 * files and links) content: equal snapshots mean nothing was created,
 * removed, renamed, written or chmodded.
 */
export function snapshotTree(root: string): string[] {
  const out: string[] = [];
  const walk = (p: string, rel: string) => {
    let st: fs.Stats;
    try {
      st = fs.lstatSync(p);
    } catch {
      return;
    }
    let line = `${rel} ${st.mode.toString(8)} ${st.uid}:${st.gid} ${st.ino} mtime=${st.mtimeMs}`;
    if (st.isFile()) line += ` ${fs.readFileSync(p).toString('base64')}`;
    else if (st.isSymbolicLink()) line += ` -> ${fs.readlinkSync(p)}`;
    out.push(line);
    if (st.isDirectory()) for (const n of fs.readdirSync(p).sort()) walk(path.join(p, n), `${rel}/${n}`);
  };
  walk(root, '.');
  return out;
}
