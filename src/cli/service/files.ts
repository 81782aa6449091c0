// Unit files are written and removed through a directory handle opened
// component by component without following symlinks, after checking that
// every folder on the way is owned by the user or root (sticky if others may
// write it) and the last one by the user alone: nobody else can redirect or
// replace what the scheduler will read.
import type { FileFolder } from '../../api/file-folder';
import { OWNER_MARK } from './units';

const MAX_UNIT_BYTES = 64 * 1024;

function folders(): typeof import('../../api/file-folder') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy: loads only when a unit file is read or written (CLI start-up)
  return require('../../api/file-folder') as typeof import('../../api/file-folder');
}

/** Opens (and with `create`, makes) the unit folder; null when it does not exist and `create` is false. */
export function openUnitDir(dirPath: string, create: boolean): FileFolder | null {
  return folders().FileFolder.openOwned(dirPath, create);
}

/** Whether `name` is absent, one of ours (carries the mark), or someone else's. */
export function readOurs(dir: FileFolder, name: string): 'absent' | 'ours' | 'foreign' {
  const r = dir.read(name, MAX_UNIT_BYTES);
  if (!r.ok) return r.reason === 'missing' ? 'absent' : 'foreign';
  return r.text.includes(OWNER_MARK) ? 'ours' : 'foreign';
}

export function writeFile(dir: FileFolder, name: string, text: string): void {
  dir.writeAtomic(name, text, 0o644);
}

export function removeFile(dir: FileFolder, name: string): void {
  dir.remove(name);
}
