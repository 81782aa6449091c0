// The `.ephemdir` marker: proof that a directory is the one ephemdir created.
// 32 lowercase hex characters and a newline, mode 0600, created exclusively
// through the new directory's fd and read back only through an fd.
import { createFileExclusive, readFileAt } from '../fs/files';
import type { DirHandle } from '../fs/dir-handle';
import { hasCode } from '../errors';

export const MARKER_NAME = '.ephemdir';
const MARKER_RE = /^[0-9a-f]{32}\n?$/;

export function newMarkerId(): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy: listing never creates markers and should not load crypto
  const { randomBytes } = require('node:crypto') as typeof import('node:crypto');
  return randomBytes(16).toString('hex');
}

export function writeMarker(dir: DirHandle, id: string): void {
  createFileExclusive(dir, MARKER_NAME, `${id}\n`, { mode: 0o600, durable: true });
}

/** At most this many bytes are read of a marker (32 hex characters and a newline). */
export const MARKER_MAX_BYTES = 33;

/** The id a marker file's bytes carry, or null when they are not a valid marker. */
export function parseMarker(data: Buffer): string | null {
  const text = data.toString('latin1');
  return MARKER_RE.test(text) ? text.slice(0, 32) : null;
}

/** The marker id in `dir`, or null when absent or not a valid marker. */
export function readMarker(dir: DirHandle): string | null {
  const r = readFileAt(dir, MARKER_NAME, MARKER_MAX_BYTES);
  if (r.ok) return parseMarker(r.data);
  // A symlink, FIFO or oversized file where the marker should be is no marker.
  if (r.reason === 'unreadable' && !hasCode(r.error, 'ENOTDIR')) throw r.error;
  return null;
}
