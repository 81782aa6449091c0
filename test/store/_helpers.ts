// Shared helpers for the store tests: entries, per-test data dirs, real
// throwaway users, and child processes running the real registry code.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync, spawn } from 'node:child_process';
import type { Entry } from '../../src/model/entry';
import { buildEntry } from '../helpers/entry';
import { scratch, type Scratch } from '../helpers/scratch';
import { stageForOtherUsers } from '../helpers/stage';

export const REPO = path.resolve(__dirname, '..', '..');
// _worker.ts under tsx, _worker.js in the compiled suite.
export const WORKER = path.join(__dirname, `_worker${path.extname(__filename)}`);

export function newId(): string {
  return crypto.randomBytes(16).toString('hex');
}

/** A store entry with a fresh random id (and a name and path made from it) unless overridden. */
export function makeEntry(over: Partial<Entry> = {}): Entry {
  const id = over.id ?? newId();
  const name = over.name ?? `brave-otter-${id.slice(0, 16)}`;
  const parent = over.parent ?? '/home/alice/work';
  return buildEntry({
    id,
    path: parent === '/' ? `/${name}` : `${parent}/${name}`,
    parent,
    name,
    createdAt: 1_800_000_000,
    expiresAt: 1_800_007_200,
    bootTime: 1_799_900_000.5,
    ...over,
  });
}

/** A scratch dir with a data dir path (not created) inside, and the env pointing at it. */
export function dataScratch(label: string): Scratch & { data: string; env: NodeJS.ProcessEnv } {
  const s = scratch(label);
  const data = path.join(s.dir, 'data');
  return { ...s, data, env: { EPHEMDIR_DATA_DIR: data, EPHEMDIR_CONFIG_DIR: path.join(s.dir, 'config') } };
}

export interface TestUser {
  name: string;
  uid: number;
  gid: number;
  remove(): void;
}

/** A real system user for foreign-ownership tests (root only). */
export function makeUser(tag: string): TestUser {
  const name = `eds${tag}${process.pid % 100000}${crypto.randomBytes(2).toString('hex')}`.slice(0, 30);
  execFileSync('useradd', ['--system', '--no-create-home', '--user-group', '--shell', '/usr/sbin/nologin', name], { stdio: 'ignore' });
  const uid = Number(execFileSync('id', ['-u', name]).toString().trim());
  const gid = Number(execFileSync('id', ['-g', name]).toString().trim());
  return {
    name,
    uid,
    gid,
    remove() {
      try {
        execFileSync('userdel', [name], { stdio: 'ignore' });
      } catch {
        // already gone
      }
    },
  };
}

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the worker in a child node (optionally as another user via setpriv,
 * then from a stage that user can reach: the checkout may be private).
 */
export function runWorker(args: string[], env: NodeJS.ProcessEnv, as?: TestUser): Promise<Run> {
  const node = process.execPath;
  const stage = as ? stageForOtherUsers() : null;
  const argv = stage ? [...stage.nodeFlags, stage.path(WORKER), ...args] : ['--import', 'tsx', WORKER, ...args];
  const cmd = as ? 'setpriv' : node;
  const full = as ? [`--reuid=${as.uid}`, `--regid=${as.gid}`, '--clear-groups', node, ...argv] : argv;
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, full, { cwd: stage ? '/' : REPO, env: { PATH: process.env.PATH, HOME: '/nonexistent', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** sha256 of every file under `root` (relative path -> hash), for byte-for-byte comparisons. */
export function snapshot(root: string, skip: (rel: string) => boolean = () => false): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string) => {
    const abs = path.join(root, rel);
    for (const name of fs.readdirSync(abs)) {
      const r = rel ? `${rel}/${name}` : name;
      if (skip(r)) continue;
      const st = fs.lstatSync(path.join(root, r));
      if (st.isDirectory()) {
        out[`${r}/`] = `dir ${(st.mode & 0o7777).toString(8)} ${st.mtimeMs}`;
        walk(r);
      } else if (!st.isFile()) {
        out[r] = `special ${st.mode.toString(8)} ${st.ino}`;
      } else {
        out[r] = `${(st.mode & 0o7777).toString(8)} ${st.mtimeMs} ${crypto.createHash('sha256').update(fs.readFileSync(path.join(root, r))).digest('hex')}`;
      }
    }
  };
  walk('');
  return out;
}

/** Where the registry keeps entry `id` (entries/<first hex digit>/<id>.json); makes the shard. */
export function entryFile(data: string, id: string, owner?: { uid: number; gid: number }): string {
  const shard = path.join(data, 'registry.d', 'entries', id.slice(0, 1));
  if (!fs.existsSync(shard)) {
    fs.mkdirSync(shard, { recursive: true, mode: 0o700 });
    if (owner) fs.chownSync(shard, owner.uid, owner.gid);
  }
  return path.join(shard, `${id}.json`);
}

/** Every entry file name in the registry, across shards. */
export function entryFiles(data: string): string[] {
  const top = path.join(data, 'registry.d', 'entries');
  if (!fs.existsSync(top)) return [];
  return fs.readdirSync(top).flatMap((s) => fs.readdirSync(path.join(top, s)));
}
