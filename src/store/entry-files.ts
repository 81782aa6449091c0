// One registry entry file, read strictly: owner and mode checked, bytes
// decoded by entry-codec, and the bytes of a corrupt file copied aside once
// (corrupt/<id>.<sha256-12>) so that the original can stay in place and keep
// being reported without being copied again on every listing.
import { joinDisplay, type DirHandle } from '../fs/dir-handle';
import { readFileAt, writeFileAtomic } from '../fs/files';
import { hasCode, type EphemdirError } from '../errors';
import type { Entry } from '../model/entry';
import { decodeEntry, MAX_ENTRY_BYTES } from './entry-codec';
import { typeName, unusable } from './layout';
import { ownershipProblem } from '../core/trust';

/** Copies corrupt bytes aside unless that exact content is already there; the copy's path, or null. */
function copyAside(corrupt: () => DirHandle, id: string, data: Buffer): string | null {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy: reading the registry should not load crypto
    const crypto = require('node:crypto') as typeof import('node:crypto');
    const name = `${id}.${crypto.createHash('sha256').update(data).digest('hex').slice(0, 12)}`;
    const dir = corrupt();
    if (dir.tryStat(name) === null) {
      try {
        writeFileAtomic(dir, name, data, { mode: 0o600, noReplace: true });
      } catch (err) {
        if (!hasCode(err, 'EEXIST')) throw err;
      }
    }
    return joinDisplay(dir.path, name);
  } catch {
    return null; // best effort: the original stays in place and keeps being reported
  }
}

/** Checks owner and mode, then decodes (REGISTRY_UNUSABLE with a `reason`); corrupt bytes are copied aside once. */
export function decodeEntryFile(id: string, data: Buffer, st: { uid: number; mode: number }, display: string, corrupt: () => DirHandle): Entry {
  const bad = (reason: string) => unusable(display, reason, { id, file: display });
  const problem = ownershipProblem(st);
  if (problem !== null) throw bad(problem);
  try {
    return decodeEntry(data, id, display);
  } catch (err) {
    const reason = (err as EphemdirError & { reason?: string }).reason ?? (err as Error).message;
    const copy = copyAside(corrupt, id, data);
    throw bad(copy ? `${reason}; a copy of its bytes is in ${copy}` : reason);
  }
}

/** `<id>.json` in its shard: the entry, null when absent, or REGISTRY_UNUSABLE saying precisely what is wrong. */
export function readEntryFile(shard: DirHandle, id: string, corrupt: () => DirHandle): Entry | null {
  const file = `${id}.json`;
  const display = joinDisplay(shard.path, file);
  const bad = (reason: string) => unusable(display, reason, { id, file: display });
  const r = readFileAt(shard, file, MAX_ENTRY_BYTES);
  if (!r.ok) {
    if (r.reason === 'missing') return null;
    if (r.reason === 'not-regular') throw bad(`it is ${typeName(r.stat)}`);
    const foreign = r.stat === null ? null : ownershipProblem(r.stat);
    if (foreign !== null) throw bad(foreign);
    const size = r.reason === 'too-large' ? r.size : (r.stat?.size ?? 0);
    if (size > MAX_ENTRY_BYTES) throw bad(`it is ${size} bytes, over the ${MAX_ENTRY_BYTES}-byte limit`);
    throw bad(`it cannot be read (${hasCode(r.error, 'EACCES', 'EPERM') ? 'permission denied' : r.error.message})`);
  }
  return decodeEntryFile(id, r.data, r.stat, display, corrupt);
}
