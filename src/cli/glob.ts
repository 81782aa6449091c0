// `rmtree --glob`: patterns expanded by fast-glob, never through a symlinked
// directory (a symlink that matches is returned as itself and removed as a
// link). Dot files follow the shell's rule: `*` and `**` skip names that
// start with a dot; a pattern that spells the dot (`.cache*`, `**/.tmp`)
// matches them.
import fg from 'fast-glob';
import { outermost } from '../policy/rmtree';

/** The paths `pattern` matches under `cwd`, sorted, nested matches folded into their outermost one. */
export function expandPattern(pattern: string, cwd: string): string[] {
  const found = fg.sync(pattern, {
    cwd,
    dot: false,
    onlyFiles: false,
    followSymbolicLinks: false,
    unique: true,
    markDirectories: false,
  });
  return outermost(found.sort());
}
