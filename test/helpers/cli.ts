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
