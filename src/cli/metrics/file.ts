// The metrics file for node_exporter's textfile collector. Its folder is
// opened once, before the sweep, one component at a time: a symlink is
// followed only when no other user could have planted or changed it, and the
// folder must be the caller's own or root-owned and sticky (like /tmp). The
// text is then written through that handle into a fresh temp file, fsynced,
// and renamed over the name, so the collector never reads half a file.
import * as path from 'node:path';
import type { DirHandle } from '../../fs/dir-handle';
import { UsageError } from '../io';
import { euid, ownedByMe } from '../../core/trust';

export interface MetricsTarget {
  dir: DirHandle;
  name: string;
  /** The path as given, absolute. */
  display: string;
}

/** Resolves PATH against `cwd` and refuses, with a UsageError, a folder that is missing or unsafe or a name that is not a file. */
export function openMetricsTarget(file: string, cwd: string): MetricsTarget {
  if (file === '' || file.includes('\0')) throw new UsageError(`--metrics-file must be a file path, not '${file.replace(/\0/g, '\\0')}'`);
  const abs = path.resolve(cwd, file);
  const name = path.basename(abs);
  if (file.endsWith('/') || name === '' || name === '.' || name === '..' || abs === '/') {
    throw new UsageError(`--metrics-file ${abs}: give a file name, not a folder`);
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { openDirectory } = require('../../fs/walk') as typeof import('../../fs/walk');
  let dir: DirHandle;
  try {
    dir = openDirectory(path.dirname(abs), { trust: 'safe', final: 'parent' });
  } catch (err) {
    throw new UsageError(`--metrics-file ${abs}: cannot use its folder: ${(err as Error).message}`);
  }
  try {
    const st = dir.tryStat(name);
    if (st !== null && (st.mode & 0o170000) !== 0o100000) {
      const what = (st.mode & 0o170000) === 0o040000 ? 'a directory' : 'not a regular file';
      throw new UsageError(`--metrics-file ${abs}: it exists and is ${what}`);
    }
    if (st !== null && !ownedByMe(st)) {
      throw new UsageError(`--metrics-file ${abs}: it is owned by uid ${st.uid}, not by uid ${euid()}; another user's file is never replaced`);
    }
  } catch (err) {
    dir.close();
    if (err instanceof UsageError) throw err;
    throw new UsageError(`--metrics-file ${abs}: ${(err as Error).message}`);
  }
  return { dir, name, display: abs };
}

/** Replaces the metrics file atomically (temp file, fsync, rename, folder fsync); mode 0644 so the collector can read it. */
export function writeMetrics(target: MetricsTarget, text: string): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { writeFileAtomic } = require('../../fs/files') as typeof import('../../fs/files');
  writeFileAtomic(target.dir, target.name, text, { mode: 0o644 });
}
