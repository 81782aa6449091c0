// The metrics file for node_exporter's textfile collector. Its folder is
// opened once, before the sweep, one component at a time: a symlink is
// followed only when no other user could have planted or changed it, and the
// folder must be the caller's own or root-owned and sticky (like /tmp). The
// text is then written through that handle into a fresh temp file, fsynced,
// and renamed over the name, so the collector never reads half a file.
import * as path from 'node:path';
import type { FileFolder } from '../../api/file-folder';
import { UsageError } from '../io';
import { euid, ownedByMe } from '../../core/trust';

export interface MetricsTarget {
  dir: FileFolder;
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
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy: loads only with --metrics-file (CLI start-up)
  const { FileFolder } = require('../../api/file-folder') as typeof import('../../api/file-folder');
  let dir: FileFolder;
  try {
    dir = FileFolder.openParentOf(path.dirname(abs));
  } catch (err) {
    throw new UsageError(`--metrics-file ${abs}: cannot use its folder: ${(err as Error).message}`);
  }
  try {
    const st = dir.entry(name);
    if (st !== null && st.type !== 'file') {
      const what = st.type === 'directory' ? 'a directory' : 'not a regular file';
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
  target.dir.writeAtomic(target.name, text, 0o644);
}
