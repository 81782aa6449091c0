// One registry entry <-> the bytes of `entries/<shard>/<id>.json`. Decoding is
// strict and total: any input either yields a valid Entry or throws an
// EphemdirError (REGISTRY_UNUSABLE) saying what is wrong, never anything else.
// Fields this version does not know are kept aside and written back on the
// next rewrite, so an older ephemdir does not strip a newer one's data.
import { isAscii, isUtf8 } from 'node:buffer';
import { EphemdirError, ErrorCodes, invalidArgument } from '../errors';
import type { Entry } from '../model/entry';
import { SUPPORTED_PLATFORMS } from '../core/platform';

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

export const KNOWN_KEYS = [
  'id', 'path', 'parent', 'name', 'createdAt', 'expiresAt', 'removeOnRestart', 'keepWhileInUse',
  'cleanup', 'maxSize', 'nameStyle', 'tags', 'description', 'bootId', 'bootTime', 'dev', 'ino',
  'mountId', 'mountIdUnique', 'uid', 'state', 'claimId', 'stagingPath', 'lastError', 'platform',
] as const satisfies readonly (keyof Entry)[];
/** Every field of Entry is stored: a new field fails to compile here until it is listed above. */
const EVERY_FIELD_STORED: Exclude<keyof Entry, (typeof KNOWN_KEYS)[number]> extends never ? true : never = true;
void EVERY_FIELD_STORED;
const KNOWN = new Set<string>(['schema', ...KNOWN_KEYS]);
const CLEANUPS = ['auto', 'next-sweep'] as const;
const NAME_STYLES = ['secure', 'clean'] as const;
const STATES = ['active', 'moving', 'deleting', 'recovery'] as const;

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

/**
 * A string field. `plain` says the whole file was printable ASCII without a
 * JSON escape, so no field can hold a control character, a lone surrogate
 * or a multi-byte character: only the type and the length are left to check.
 * Nearly every entry is plain, and `ephemdir list` decodes all of them.
 */
function text(v: unknown, field: string, max: number, plain: boolean): string {
  if (typeof v !== 'string') fail(`${field} must be a string`);
  if (plain) {
    if (v.length > max) fail(`${field} is longer than ${max} bytes`);
    return v;
  }
  if (CONTROL.test(v)) fail(`${field} contains a control character`);
  if (v.length > max / 3 && bytes(v) > max) fail(`${field} is longer than ${max} bytes`);
  return v;
}

/**
 * True when `s` is what path.posix.normalize would leave as it is, absolute,
 * and without a trailing slash: no empty, `.` or `..` component.
 */
export function isNormalAbsolute(s: string): boolean {
  if (s.charCodeAt(0) !== 0x2f) return false;
  if (s.length === 1) return true;
  if (s.charCodeAt(s.length - 1) === 0x2f) return false;
  return !(s.includes('//') || s.includes('/./') || s.includes('/../') || s.endsWith('/.') || s.endsWith('/..'));
}

function absolute(v: unknown, field: string, plain: boolean): string {
  const s = text(v, field, MAX_PATH_BYTES, plain);
  if (!s.startsWith('/')) fail(`${field} must be an absolute path`);
  if (!isNormalAbsolute(s)) fail(`${field} must be a normalised path`);
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

function tagList(v: unknown, plain: boolean): string[] {
  if (!Array.isArray(v)) fail('tags must be an array');
  if (v.length > MAX_TAGS) fail(`more than ${MAX_TAGS} tags`);
  const out: string[] = [];
  for (let i = 0; i < v.length; i++) {
    const s = text(v[i], `tags[${i}]`, 256, plain);
    if (s.length === 0) fail(`tags[${i}] is empty`);
    out.push(s);
  }
  return out;
}

function bootId(v: unknown): string {
  if (typeof v !== 'string' || !BOOT_ID_RE.test(v)) fail('bootId must be 1-128 characters of [A-Za-z0-9_-]');
  return v;
}

/**
 * Validates a plain object as an Entry (every field, ranges, state
 * invariants). Written without per-field closures: a listing runs it a
 * thousand times in a cold process, where every allocation shows.
 */
function validate(o: Record<string, unknown>, plain = false): Entry {
  for (const k of KNOWN_KEYS) if (!Object.prototype.hasOwnProperty.call(o, k)) fail(`missing field ${k}`);
  const e: Entry = {
    id: hexId(o.id, 'id'),
    path: absolute(o.path, 'path', plain),
    parent: absolute(o.parent, 'parent', plain),
    name: text(o.name, 'name', 255, plain),
    createdAt: finite(o.createdAt, 'createdAt'),
    expiresAt: o.expiresAt === null ? null : finite(o.expiresAt, 'expiresAt'),
    removeOnRestart: bool(o.removeOnRestart, 'removeOnRestart'),
    keepWhileInUse: bool(o.keepWhileInUse, 'keepWhileInUse'),
    cleanup: oneOf(o.cleanup, 'cleanup', CLEANUPS),
    maxSize: o.maxSize === null ? null : natural(o.maxSize, 'maxSize'),
    nameStyle: oneOf(o.nameStyle, 'nameStyle', NAME_STYLES),
    tags: tagList(o.tags, plain),
    description: o.description === null ? null : text(o.description, 'description', MAX_TEXT_BYTES, plain),
    bootId: o.bootId === null ? null : bootId(o.bootId),
    bootTime: o.bootTime === null ? null : finite(o.bootTime, 'bootTime'),
    dev: natural(o.dev, 'dev'),
    ino: natural(o.ino, 'ino'),
    mountId: o.mountId === null ? null : natural(o.mountId, 'mountId'),
    mountIdUnique: bool(o.mountIdUnique, 'mountIdUnique'),
    uid: natural(o.uid, 'uid'),
    state: oneOf(o.state, 'state', STATES),
    claimId: o.claimId === null ? null : hexId(o.claimId, 'claimId'),
    stagingPath: o.stagingPath === null ? null : absolute(o.stagingPath, 'stagingPath', plain),
    lastError: o.lastError === null ? null : text(o.lastError, 'lastError', MAX_LAST_ERROR_BYTES, plain),
    platform: oneOf(o.platform, 'platform', SUPPORTED_PLATFORMS),
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
    const ascii = isAscii(data);
    if (!ascii && !isUtf8(data)) fail('not valid UTF-8');
    const json = Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString(ascii ? 'latin1' : 'utf8');
    // JSON.parse refuses raw control characters inside strings, so without
    // a backslash or a DEL every string in this file is printable ASCII.
    const plain = ascii && !json.includes('\\') && !json.includes('\x7f');
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
    const entry = validate(o, plain);
    if (entry.id !== expectedId) fail(`its id ${entry.id} does not match the file name`);
    const extras: Extras = [];
    const keys = Object.keys(o);
    // Every known key (and schema) is present, so equal counts mean no unknown field.
    if (keys.length !== KNOWN.size) for (const k of keys) {
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
