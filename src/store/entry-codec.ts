// One registry entry <-> the bytes of `entries/<shard>/<id>.json`. Decoding is
// strict and total: any input either yields a valid Entry or throws an
// EphemdirError (REGISTRY_UNUSABLE) saying what is wrong, never anything else.
// Fields this version does not know are kept aside and written back on the
// next rewrite, so an older ephemdir does not strip a newer one's data.
import { isUtf8 } from 'node:buffer';
import * as path from 'node:path';
import { EphemdirError, ErrorCodes, invalidArgument } from '../errors';
import type { Entry } from '../model/entry';

export const ENTRY_SCHEMA = 1;
export const MAX_ENTRY_BYTES = 64 * 1024;
const MAX_PATH_BYTES = 4096;
const MAX_TEXT_BYTES = 4096;
const MAX_LAST_ERROR_BYTES = 1024;
const MAX_TAGS = 64;
const MAX_EXTRA_DEPTH = 32;

export const ID_RE = /^[0-9a-f]{32}$/;
/** Boot ids become directory names under boots/: keep them to a safe alphabet. */
export const BOOT_ID_RE = /^[A-Za-z0-9_-]{1,128}$/;
const CONTROL = /[\p{Cc}\p{Cs}\p{Zl}\p{Zp}]/u;

/** Unknown fields read from disk, kept off the enumerable surface of the entry. */
const EXTRA = Symbol('ephemdir.entryExtra');
type Extras = [string, unknown][];

const KNOWN_KEYS = [
  'id', 'path', 'parent', 'name', 'createdAt', 'expiresAt', 'removeOnRestart', 'keepWhileInUse',
  'cleanup', 'maxSize', 'nameStyle', 'tags', 'description', 'bootId', 'bootTime', 'dev', 'ino',
  'mountId', 'mountIdUnique', 'uid', 'state', 'claimId', 'stagingPath', 'lastError', 'platform',
] as const satisfies readonly (keyof Entry)[];
const KNOWN = new Set<string>(['schema', ...KNOWN_KEYS]);

/** The unknown fields an entry was read with (empty for entries built in memory). */
export function extrasOf(entry: Entry): Extras {
  return ((entry as unknown as Record<symbol, Extras | undefined>)[EXTRA]) ?? [];
}

function attachExtras(entry: Entry, extras: Extras): Entry {
  if (extras.length > 0) Object.defineProperty(entry, EXTRA, { value: extras, enumerable: false, writable: false, configurable: true });
  return entry;
}

class Invalid extends Error {}

function fail(why: string): never {
  throw new Invalid(why);
}

function bytes(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

function text(v: unknown, field: string, max = MAX_TEXT_BYTES): string {
  if (typeof v !== 'string') fail(`${field} must be a string`);
  if (CONTROL.test(v)) fail(`${field} contains a control character`);
  if (bytes(v) > max) fail(`${field} is longer than ${max} bytes`);
  return v;
}

function nullable<T>(v: unknown, check: (v: unknown) => T): T | null {
  return v === null ? null : check(v);
}

function absolute(v: unknown, field: string): string {
  const s = text(v, field, MAX_PATH_BYTES);
  if (!s.startsWith('/')) fail(`${field} must be an absolute path`);
  if (path.posix.normalize(s) !== s || (s.length > 1 && s.endsWith('/'))) fail(`${field} must be a normalised path`);
  return s;
}

function finite(v: unknown, field: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(`${field} must be a finite number`);
  return v;
}

function natural(v: unknown, field: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) fail(`${field} must be a non-negative integer`);
  return v;
}

function bool(v: unknown, field: string): boolean {
  if (typeof v !== 'boolean') fail(`${field} must be true or false`);
  return v;
}

function oneOf<T extends string>(v: unknown, field: string, allowed: readonly T[]): T {
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) fail(`${field} must be one of ${allowed.join(', ')}`);
  return v as T;
}

function hexId(v: unknown, field: string): string {
  if (typeof v !== 'string' || !ID_RE.test(v)) fail(`${field} must be 32 lowercase hex characters`);
  return v;
}

function depth(v: unknown): number {
  // Iterative, so hostile nesting cannot overflow the stack.
  let max = 0;
  const stack: [unknown, number][] = [[v, 0]];
  while (stack.length > 0) {
    const [x, d] = stack.pop()!;
    if (d > max) max = d;
    if (max > MAX_EXTRA_DEPTH) return max;
    if (typeof x === 'object' && x !== null) for (const c of Object.values(x)) stack.push([c, d + 1]);
  }
  return max;
}

/** Validates a plain object as an Entry (every field, ranges, state invariants). */
function validate(o: Record<string, unknown>): Entry {
  for (const k of KNOWN_KEYS) if (!Object.prototype.hasOwnProperty.call(o, k)) fail(`missing field ${k}`);
  const e: Entry = {
    id: hexId(o.id, 'id'),
    path: absolute(o.path, 'path'),
    parent: absolute(o.parent, 'parent'),
    name: text(o.name, 'name', 255),
    createdAt: finite(o.createdAt, 'createdAt'),
    expiresAt: nullable(o.expiresAt, (v) => finite(v, 'expiresAt')),
    removeOnRestart: bool(o.removeOnRestart, 'removeOnRestart'),
    keepWhileInUse: bool(o.keepWhileInUse, 'keepWhileInUse'),
    cleanup: oneOf(o.cleanup, 'cleanup', ['auto', 'next-sweep'] as const),
    maxSize: nullable(o.maxSize, (v) => natural(v, 'maxSize')),
    nameStyle: oneOf(o.nameStyle, 'nameStyle', ['secure', 'clean'] as const),
    tags: (() => {
      if (!Array.isArray(o.tags)) fail('tags must be an array');
      if (o.tags.length > MAX_TAGS) fail(`more than ${MAX_TAGS} tags`);
      return o.tags.map((t, i) => {
        const s = text(t, `tags[${i}]`, 256);
        if (s.length === 0) fail(`tags[${i}] is empty`);
        return s;
      });
    })(),
    description: nullable(o.description, (v) => text(v, 'description')),
    bootId: nullable(o.bootId, (v) => {
      if (typeof v !== 'string' || !BOOT_ID_RE.test(v)) fail('bootId must be 1-128 characters of [A-Za-z0-9_-]');
      return v;
    }),
    bootTime: nullable(o.bootTime, (v) => finite(v, 'bootTime')),
    dev: natural(o.dev, 'dev'),
    ino: natural(o.ino, 'ino'),
    mountId: nullable(o.mountId, (v) => natural(v, 'mountId')),
    mountIdUnique: bool(o.mountIdUnique, 'mountIdUnique'),
    uid: natural(o.uid, 'uid'),
    state: oneOf(o.state, 'state', ['active', 'moving', 'deleting', 'recovery'] as const),
    claimId: nullable(o.claimId, (v) => hexId(v, 'claimId')),
    stagingPath: nullable(o.stagingPath, (v) => absolute(v, 'stagingPath')),
    lastError: nullable(o.lastError, (v) => text(v, 'lastError', MAX_LAST_ERROR_BYTES)),
    platform: oneOf(o.platform, 'platform', ['linux', 'darwin'] as const),
  };
  if (e.createdAt < 0) fail('createdAt must not be negative');
  if (e.name.length === 0 || e.name === '.' || e.name === '..' || e.name.includes('/')) fail('name must be a single path component');
  if (e.parent === '/' ? e.path !== `/${e.name}` : e.path !== `${e.parent}/${e.name}`) fail('path must be parent/name');
  if (e.stagingPath !== null && e.stagingPath === e.path) fail('stagingPath must differ from path');
  switch (e.state) {
    case 'active':
      if (e.claimId !== null || e.stagingPath !== null) fail('an active entry has no claimId and no stagingPath');
      break;
    case 'moving':
    case 'deleting':
      // claimId is null after an interrupted or failed attempt (retryable; see policy/journal).
      if (e.stagingPath === null) fail(`a ${e.state} entry needs a stagingPath`);
      break;
    case 'recovery':
      if (e.claimId !== null) fail('a recovery entry has no claimId');
      break;
  }
  return e;
}

/**
 * Decodes the bytes of an entry file (`<expectedId>.json`). Throws EphemdirError
 * (REGISTRY_UNUSABLE, with `reason`) for anything but a valid entry of that id.
 */
export function decodeEntry(data: Uint8Array, expectedId: string, where = `entry ${expectedId}`): Entry {
  try {
    if (data.length > MAX_ENTRY_BYTES) fail(`larger than ${MAX_ENTRY_BYTES} bytes`);
    if (!isUtf8(data)) fail('not valid UTF-8');
    const json = Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8');
    let raw: unknown;
    try {
      raw = JSON.parse(json);
    } catch {
      fail('not valid JSON');
    }
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail('not a JSON object');
    const o = raw as Record<string, unknown>;
    const schema = o.schema;
    if (typeof schema !== 'number' || !Number.isInteger(schema) || schema < 1) fail('missing or invalid schema');
    if (schema > ENTRY_SCHEMA) fail(`written by a newer ephemdir (entry schema ${schema}; this version reads ${ENTRY_SCHEMA})`);
    const entry = validate(o);
    if (entry.id !== expectedId) fail(`its id ${entry.id} does not match the file name`);
    const extras: Extras = [];
    for (const k of Object.keys(o)) {
      if (KNOWN.has(k)) continue;
      if (depth(o[k]) > MAX_EXTRA_DEPTH) fail(`unknown field ${JSON.stringify(k)} is nested too deeply`);
      extras.push([k, o[k]]);
    }
    return attachExtras(entry, extras);
  } catch (err) {
    const reason = err instanceof Invalid ? err.message : `unreadable (${err instanceof Error ? err.name : typeof err})`;
    throw new EphemdirError(ErrorCodes.REGISTRY_UNUSABLE, `${where} is corrupt: ${reason}`, { reason, id: expectedId });
  }
}

/** Makes a diagnostic safe to store: control characters escaped, at most 1 KiB. */
export function sanitizeLastError(s: string): string {
  let out = s.replace(/[\p{Cc}\p{Zl}\p{Zp}]/gu, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  out = out.replace(/\p{Cs}/gu, '\ufffd');
  if (bytes(out) <= MAX_LAST_ERROR_BYTES) return out;
  let kept = '';
  let used = 0;
  for (const ch of out) {
    const n = bytes(ch);
    if (used + n > MAX_LAST_ERROR_BYTES - 3) break;
    kept += ch;
    used += n;
  }
  return `${kept}...`;
}

/**
 * The file bytes for `entry`: `schema` first, the known fields, then the
 * unknown fields it was read with (or `extras`). Throws INVALID_ARGUMENT
 * for an entry that would not decode (a caller bug: nothing is written).
 */
export function encodeEntry(entry: Entry, extras: Extras = extrasOf(entry)): Buffer {
  const out: Record<string, unknown> = { schema: ENTRY_SCHEMA };
  for (const k of KNOWN_KEYS) out[k] = entry[k];
  if (typeof out.lastError === 'string') out.lastError = sanitizeLastError(out.lastError);
  try {
    validate(out);
  } catch (err) {
    if (err instanceof Invalid) throw invalidArgument(`refusing to store entry ${String(entry.id)}: ${err.message}`, { reason: err.message });
    throw err;
  }
  for (const [k, v] of extras) if (!KNOWN.has(k)) Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
  const data = Buffer.from(`${JSON.stringify(out, null, 2)}\n`, 'utf8');
  if (data.length > MAX_ENTRY_BYTES) throw invalidArgument(`refusing to store entry ${entry.id}: ${data.length} bytes is over the ${MAX_ENTRY_BYTES}-byte limit`);
  return data;
}

/** A copy of `entry` that carries `extras` (used when a rewrite must keep what was on disk). */
export function withExtras(entry: Entry, extras: Extras): Entry {
  return attachExtras({ ...entry }, extras);
}
