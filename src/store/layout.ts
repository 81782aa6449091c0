// The directory rules shared by everything under registry.d: every
// directory and file must be the caller's and writable by nobody else. We
// check, report (REGISTRY_UNUSABLE naming the path and the reason) and never
// repair: no chmod, ever.
import { DirHandle, joinDisplay, type Stat } from '../fs/dir-handle';
import { readFileAt, writeFileAtomic } from '../fs/files';
import { EphemdirError, ErrorCodes, hasCode } from '../errors';
import { ownershipProblem } from '../core/trust';

export const FORMAT_SCHEMA = 1;
export const FORMAT_FILE = 'format.json';
const FORMAT_BYTES = `${JSON.stringify({ schema: FORMAT_SCHEMA, writer: 'ephemdir-node' })}\n`;

export function unusable(path: string, reason: string, extra: Record<string, unknown> = {}): EphemdirError {
  return new EphemdirError(ErrorCodes.REGISTRY_UNUSABLE, `the ephemdir registry at ${path} cannot be used: ${reason}`, { path, reason, ...extra });
}

export function typeName(st: Stat): string {
  switch (st.mode & 0o170000) {
    case 0o010000: return 'a FIFO';
    case 0o020000: return 'a character device';
    case 0o040000: return 'a directory';
    case 0o060000: return 'a block device';
    case 0o120000: return 'a symlink (never followed)';
    case 0o140000: return 'a socket';
    default: return 'not a regular file';
  }
}

/** Opens `name` under `parent` (no symlink), creating it 0700 if asked; checks ownership and mode, never changes them. */
export function openOwnedDir(parent: DirHandle, name: string, create: boolean): DirHandle | null {
  const display = joinDisplay(parent.path, name);
  const open = (): DirHandle | null => {
    try {
      return parent.tryOpenDir(name);
    } catch (err) {
      if (hasCode(err, 'ENOTDIR', 'ELOOP')) {
        const st = parent.tryStat(name);
        throw unusable(display, st ? `it is ${typeName(st)}, not a directory` : 'it is not a directory');
      }
      throw err;
    }
  };
  let dir = open();
  if (dir === null) {
    if (!create) return null;
    try {
      parent.mkdir(name, 0o700);
      parent.fsync();
    } catch (err) {
      if (!hasCode(err, 'EEXIST')) throw err;
    }
    dir = open();
    if (dir === null) throw unusable(display, 'it vanished while being created');
  }
  const problem = ownershipProblem(dir.stat());
  if (problem !== null) {
    dir.close();
    throw unusable(display, problem);
  }
  return dir;
}

/** Validates format.json (creating it when asked); returns whether it exists now. */
export function checkFormat(root: DirHandle, create: boolean): boolean {
  const display = joinDisplay(root.path, FORMAT_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    const r = readFileAt(root, FORMAT_FILE, 4096);
    if (!r.ok && r.reason !== 'missing') {
      throw unusable(display, r.reason === 'not-regular' ? `it is ${typeName(r.stat)}` : `it cannot be read (${r.error.message})`);
    }
    if (!r.ok) {
      if (!create) return false;
      try {
        writeFileAtomic(root, FORMAT_FILE, FORMAT_BYTES, { mode: 0o600, noReplace: true });
        return true;
      } catch (err) {
        if (!hasCode(err, 'EEXIST')) throw err;
        continue; // a concurrent open wrote it: validate theirs
      }
    }
    const problem = ownershipProblem(r.stat);
    if (problem !== null) throw unusable(display, problem);
    let parsed: unknown;
    try {
      parsed = JSON.parse(r.data.toString('utf8'));
    } catch {
      throw unusable(display, 'it is not valid JSON');
    }
    const schema = (parsed as { schema?: unknown } | null)?.schema;
    if (typeof schema !== 'number' || !Number.isInteger(schema) || schema < 1) throw unusable(display, 'it has no valid "schema"');
    if (schema > FORMAT_SCHEMA) {
      throw unusable(display, `it was written by a newer ephemdir (registry schema ${schema}; this version supports ${FORMAT_SCHEMA})`, { schema });
    }
    return true;
  }
  throw unusable(display, 'it keeps changing');
}

