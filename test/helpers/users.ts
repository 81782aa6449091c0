// Throwaway system users for tests that must run without root's DAC
// override (mode-000 directories, permission repair, hard links). Created
// with useradd, removed with userdel in `finally`; commands run as the user
// through `setpriv --reuid --regid --clear-groups` (or runuser as a fallback).
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';

export interface TestUser {
  name: string;
  uid: number;
  gid: number;
  /** argv prefix that runs the rest of argv as this user. */
  wrap(argv: string[]): string[];
  remove(): void;
}

function which(cmd: string): string | null {
  for (const dir of (process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin').split(':').concat(['/usr/sbin', '/sbin'])) {
    const p = `${dir}/${cmd}`;
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return null;
}

/** Null when users can be created and switched to, else why not. */
export function usersUnavailable(): string | null {
  if (process.platform !== 'linux') return `throwaway users are set up on Linux only (this is ${process.platform})`;
  if (process.geteuid?.() !== 0) return 'creating a throwaway user needs root';
  if (!which('useradd') || !which('userdel')) return 'useradd/userdel not installed';
  if (!which('setpriv') && !which('runuser')) return 'neither setpriv nor runuser is installed';
  return null;
}

function idOf(name: string, flag: '-u' | '-g'): number {
  const r = spawnSync('id', [flag, name], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`id ${flag} ${name}: ${r.stderr}`);
  return Number(String(r.stdout).trim());
}

/**
 * Creates a system user with its own group, no home and no login shell.
 * Call remove() in `finally`.
 */
export function createUser(prefix = 'ephtest'): TestUser {
  const name = `${prefix}${crypto.randomBytes(4).toString('hex')}`;
  const args = ['--system', '--user-group', '--no-create-home', '--home-dir', '/nonexistent', '--shell', '/usr/sbin/nologin', name];
  let add = spawnSync('useradd', args, { encoding: 'utf8', timeout: 30_000 });
  // Another test may hold the passwd/group lock for a moment.
  for (let attempt = 0; attempt < 20 && add.status !== 0 && /lock/i.test(String(add.stderr)); attempt++) {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
    add = spawnSync('useradd', args, { encoding: 'utf8', timeout: 30_000 });
  }
  if (add.status !== 0) throw new Error(`useradd ${name} failed (${add.status}): ${add.stderr || add.error?.message}`);
  const uid = idOf(name, '-u');
  const gid = idOf(name, '-g');
  const setpriv = which('setpriv');
  return {
    name,
    uid,
    gid,
    wrap(argv: string[]): string[] {
      if (setpriv) return [setpriv, `--reuid=${uid}`, `--regid=${gid}`, '--clear-groups', '--', ...argv];
      return [which('runuser')!, '-u', name, '--', ...argv];
    },
    remove(): void {
      let del = spawnSync('userdel', [name], { encoding: 'utf8', timeout: 30_000 });
      for (let attempt = 0; attempt < 20 && del.status !== 0 && /lock/i.test(String(del.stderr)); attempt++) {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
        del = spawnSync('userdel', [name], { encoding: 'utf8', timeout: 30_000 });
      }
      // With USERGROUPS_ENAB the group goes with the user; make sure it does.
      spawnSync('groupdel', [name], { stdio: 'ignore', timeout: 30_000 });
      if (del.status !== 0) throw new Error(`userdel ${name} failed: ${del.stderr}`);
    },
  };
}

/** Runs argv as `user`, with a clean environment. */
export function runAs(user: TestUser, argv: string[], options: SpawnSyncOptions = {}) {
  const full = user.wrap(argv);
  return spawnSync(full[0]!, full.slice(1), {
    encoding: 'utf8',
    timeout: 60_000,
    cwd: '/',
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/nonexistent', LANG: 'C' },
    ...options,
  });
}

/** chown -R without following symlinks. */
export function chownTree(path: string, user: TestUser): void {
  const r = spawnSync('chown', ['-R', '-h', `${user.uid}:${user.gid}`, path], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`chown -R ${path}: ${r.stderr}`);
}
