// Which paths `ephemdir rmtree` refuses before anything is removed, as pure
// functions over identities (dev, inode) gathered at the edge (src/api/rmtree).

/** A directory no removal may take away: `/`, the home directory, the cwd, or an ancestor of one. */
export interface ProtectedDir {
  dev: number;
  ino: number;
  /** What it is, for the message: "/", "the home directory", "the current directory", "an ancestor of the current directory"... */
  label: string;
}

/** What is known of one argument before removal. */
export interface TargetFacts {
  /** The argument as given. */
  path: string;
  /** Identity from lstat; null when the path does not exist. */
  id: { dev: number; ino: number; isSymlink: boolean } | null;
}

/** Characters that make an argument look like a glob pattern. */
const PATTERN_CHARS = /[*?[{]/;

/** True when `arg` would be a pattern to a shell or a glob library (`*`, `?`, `[`, `{`). */
export function looksLikePattern(arg: string): boolean {
  return PATTERN_CHARS.test(arg);
}

/**
 * Why `t` may not be removed, or null. A symlink is never refused by
 * identity: only the link itself would be removed. A last component of `.`
 * or `..` (or an empty path) is refused even when it names nothing
 * protected: it names a directory only through another one.
 */
export function refusalOf(t: TargetFacts, protectedDirs: readonly ProtectedDir[]): string | null {
  if (t.path === '') return 'an empty path names nothing';
  const hit = t.id && !t.id.isSymlink ? protectedDirs.find((p) => p.dev === t.id!.dev && p.ino === t.id!.ino) : undefined;
  if (hit) return `it is ${hit.label}`;
  const last = t.path.replace(/\/+$/, '').split('/').pop();
  if (last === '.' || last === '..') return `a path ending in '${last}' is refused; name the directory itself`;
  return null;
}

/**
 * Drops paths that lie inside another path of the list (after `--glob`,
 * `build/**` matches `build` and everything below it): the outer removal
 * takes them. Keeps the first occurrence of each path, in order.
 */
export function outermost(paths: readonly string[]): string[] {
  const norm = (p: string) => p.replace(/\/+$/, '') || '/';
  const seen = new Set<string>();
  const unique = paths.filter((p) => {
    const n = norm(p);
    if (seen.has(n)) return false;
    seen.add(n);
    return true;
  });
  return unique.filter((p) => {
    const n = norm(p);
    return !unique.some((q) => {
      const m = norm(q);
      return m !== n && (m === '/' ? n.startsWith('/') : n.startsWith(`${m}/`));
    });
  });
}
