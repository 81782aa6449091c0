// Unit files are written and removed through a directory handle opened
// component by component without following symlinks, after checking that
// every folder on the way is owned by the user or root (sticky if others may
// write it) and the last one by the user alone: nobody else can redirect or
// replace what the scheduler will read.
import type { DirHandle } from '../../fs/dir-handle';
import { OWNER_MARK } from './units';

const MAX_UNIT_BYTES = 64 * 1024;

/** Opens (and with `create`, makes) the unit folder; null when it does not exist and `create` is false. */
export function openUnitDir(dirPath: string, create: boolean): DirHandle | null {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy: the fs layer loads only when unit files are read or written
  const { openDirectory } = require('../../fs/walk') as typeof import('../../fs/walk');
  try {
    return openDirectory(dirPath, { trust: 'chain', final: 'owned', create });
  } catch (err) {
    if (!create && (err as { code?: string }).code === 'ENOENT') return null;
    throw err;
  }
}

/** Whether `name` is absent, one of ours (carries the mark), or someone else's. */
export function readOurs(dir: DirHandle, name: string): 'absent' | 'ours' | 'foreign' {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy: the fs layer loads only when unit files are read or written
  const { readFileAt } = require('../../fs/files') as typeof import('../../fs/files');
  let r: ReturnType<typeof readFileAt>;
  try {
    r = readFileAt(dir, name, MAX_UNIT_BYTES);
  } catch {
    return 'foreign';
  }
  if (r === null) return 'absent';
  return r.data.toString('utf8').includes(OWNER_MARK) ? 'ours' : 'foreign';
}

export function writeFile(dir: DirHandle, name: string, text: string): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy: the fs layer loads only when unit files are read or written
  const { writeFileAtomic } = require('../../fs/files') as typeof import('../../fs/files');
  writeFileAtomic(dir, name, text, { mode: 0o644 });
}

export function removeFile(dir: DirHandle, name: string): void {
  dir.unlink(name);
  dir.fsync();
}
