// Per-test scratch directories under a private root, removed after the test
// with the system's own tools (never with the code under test).
//
//   using s = scratch('label');   // removed when the enclosing block exits,
//                                 // whether the body returns or throws
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';

export interface Scratch extends Disposable {
  readonly dir: string;
  /** Removes the folder now; `using` calls this through `[Symbol.dispose]`. */
  cleanup(): void;
}

/** Removes `dir` and everything under it, clearing immutable/append-only flags first. */
export function removeScratch(dir: string): void {
  try {
    execFileSync('chattr', ['-R', '-i', '-a', dir], { stdio: 'ignore' });
  } catch {
    // chattr may be unavailable or the tree already gone
  }
  execFileSync('rm', ['-rf', '--one-file-system', dir], { stdio: 'ignore' });
}

export interface ScratchOptions {
  /**
   * Make the folder on tmpfs (/dev/shm) when there is one, for tests that
   * build trees of thousands of files and do not depend on the filesystem;
   * elsewhere the usual temporary folder.
   */
  inMemory?: boolean;
}

export function scratch(label = 'test', options: ScratchOptions = {}): Scratch {
  const dir = makeFolder(label, options);
  const cleanup = (): void => removeScratch(dir);
  return { dir, cleanup, [Symbol.dispose]: cleanup };
}

function makeFolder(label: string, options: ScratchOptions): string {
  if (options.inMemory) {
    try {
      return fs.mkdtempSync(path.join('/dev/shm', `ephemdir-${label}-`));
    } catch {
      // no /dev/shm here: fall back to the usual temporary folder
    }
  }
  return fs.mkdtempSync(path.join(os.tmpdir(), `ephemdir-${label}-`));
}

export const isRoot = process.geteuid?.() === 0;
export const isLinux = process.platform === 'linux';

/** Whether `chattr +i` works on files in `dir` (root, and a filesystem with the flag). */
export function chattrWorks(dir: string): boolean {
  const probe = path.join(dir, '.chattr-probe');
  fs.writeFileSync(probe, '');
  try {
    execFileSync('chattr', ['+i', probe], { stdio: 'ignore' });
    execFileSync('chattr', ['-i', probe], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  } finally {
    fs.rmSync(probe, { force: true });
  }
}
