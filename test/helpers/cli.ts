// Where the built command line lives, for tests that run it as a user would
// (`node dist/cli/main.js`). Build first: npm run compile.
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The package root: the nearest ancestor (at most six levels up) whose package.json is ours. */
export function repoRoot(): string {
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    try {
      if (JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).name === 'ephemdir') return dir;
    } catch {
      // keep going up
    }
    dir = path.dirname(dir);
  }
  throw new Error('cannot find the ephemdir package root');
}

/** The built CLI entry point. */
export const MAIN = path.join(repoRoot(), 'dist', 'cli', 'main.js');

/**
 * Whether install-service would accept this checkout's package: it refuses a
 * package or node under a folder others can write (a checkout in /tmp).
 */
export function runtimeTrusted(): boolean {
  for (let dir = path.dirname(MAIN); ; dir = path.dirname(dir)) {
    const st = fs.statSync(dir);
    if (st.mode & 0o022) return false;
    if (st.uid !== 0 && st.uid !== process.geteuid!()) return false;
    if (dir === path.dirname(dir)) return true;
  }
}
