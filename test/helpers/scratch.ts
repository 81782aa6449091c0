// Per-test scratch directories under a private root, removed after the test
// with the system's own tools (never with the code under test).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';

export function scratch(label = 'test'): { dir: string; cleanup(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `ephemdir-${label}-`));
  return {
    dir,
    cleanup() {
      try {
        execFileSync('chattr', ['-R', '-i', '-a', dir], { stdio: 'ignore' });
      } catch {
        // chattr may be unavailable or the tree already gone
      }
      execFileSync('rm', ['-rf', '--one-file-system', dir], { stdio: 'ignore' });
    },
  };
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
