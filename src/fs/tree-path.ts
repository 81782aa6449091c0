// The path argument of the public tree functions, as the caller wrote it:
// a string, a Buffer (raw bytes, any encoding) or a file: URL. Everything
// here is a pure function of its input (and the cwd for relative paths), so
// the refusals are decided before any file is opened and tested by tables.
import * as path from 'node:path';
import { isUtf8 } from 'node:buffer';
import { invalidArgument } from '../errors';
import { nameToString } from './dir-handle';

export type PathLike = string | Buffer | URL;

const SLASH = 0x2f;
const DOT = 0x2e;

export interface TreePath {
  /** The absolute path as bytes (relative paths joined to the cwd, otherwise as written). */
  bytes: Buffer;
  /** For messages: lexically normalised, invalid UTF-8 written as \xNN. */
  display: string;
}

function isUrl(p: unknown): p is URL {
  return p instanceof URL || (typeof p === 'object' && p !== null && typeof (p as URL).href === 'string' && typeof (p as URL).protocol === 'string');
}

/**
 * The bytes of a file: URL's path, as url.fileURLToPath reads it on POSIX:
 * no host, no encoded '/', percent escapes decoded -- to bytes, so a URL
 * made from a non-UTF-8 name (%FF) names that very byte.
 */
export function fileUrlBytes(url: URL): Buffer {
  const shown = url.href;
  if (url.protocol !== 'file:') throw invalidArgument(`path URL must use the file: protocol, got ${url.protocol} (${shown})`, { value: shown });
  if (url.hostname !== '') throw invalidArgument(`file: URL must not name a host on ${process.platform}, got host ${url.hostname} (${shown})`, { value: shown });
  const pathname = url.pathname;
  if (/%2f/i.test(pathname)) throw invalidArgument(`file: URL path must not contain an encoded '/' (%2F): ${shown}`, { value: shown });
  const out: number[] = [];
  const raw = Buffer.from(pathname, 'utf8');
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (c === 0x25 && i + 2 < raw.length) {
      const hex = String.fromCharCode(raw[i + 1]!, raw[i + 2]!);
      if (/^[0-9a-fA-F]{2}$/.test(hex)) {
        out.push(parseInt(hex, 16));
        i += 2;
        continue;
      }
    }
    out.push(c);
  }
  return Buffer.from(out);
}

/** The raw bytes of a path argument, or EPHEMDIR_INVALID_ARGUMENT for anything else. */
export function pathBytes(p: unknown, what = 'path'): Buffer {
  let bytes: Buffer;
  if (typeof p === 'string') bytes = Buffer.from(p, 'utf8');
  else if (Buffer.isBuffer(p)) bytes = Buffer.from(p);
  else if (p instanceof Uint8Array) bytes = Buffer.from(p);
  else if (isUrl(p)) bytes = fileUrlBytes(p);
  else throw invalidArgument(`${what} must be a string, a Buffer or a file: URL, got ${p === null ? 'null' : typeof p}`, { value: p });
  if (bytes.length === 0) throw invalidArgument(`${what} must not be empty (an empty path would mean the current directory)`, { value: '' });
  if (bytes.includes(0)) throw invalidArgument(`${what} contains a NUL byte: ${JSON.stringify(nameToString(bytes))}`, { value: nameToString(bytes) });
  return bytes;
}

/**
 * Why the last component, as written, may not be removed: `.` and `..`
 * (with any trailing slashes: 'a/.', 'a/./', '..//') name the current
 * directory or a parent, which normalising would silently turn into a real
 * name. Null when it is an ordinary name.
 */
export function lastComponentProblem(bytes: Buffer): string | null {
  let end = bytes.length;
  while (end > 0 && bytes[end - 1] === SLASH) end--;
  if (end === 0) return null; // only slashes: the root, refused elsewhere
  let start = end;
  while (start > 0 && bytes[start - 1] !== SLASH) start--;
  const len = end - start;
  if (len === 1 && bytes[start] === DOT) return "its last component is '.' (the directory itself)";
  if (len === 2 && bytes[start] === DOT && bytes[start + 1] === DOT) return "its last component is '..' (a parent directory)";
  return null;
}

/** Components of an absolute or relative byte path ('' and '.' dropped, '..' kept). */
export function splitComponents(bytes: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let start = 0;
  for (let i = 0; i <= bytes.length; i++) {
    if (i === bytes.length || bytes[i] === SLASH) {
      if (i > start && !(i - start === 1 && bytes[start] === DOT)) out.push(bytes.subarray(start, i));
      start = i + 1;
    }
  }
  return out;
}

function absolute(bytes: Buffer): Buffer {
  if (bytes[0] === SLASH) return bytes;
  return Buffer.concat([Buffer.from(process.cwd(), 'utf8'), Buffer.from('/'), bytes]);
}

/**
 * Reads the path of a tree operation (removeTree, scanTree, ...): refuses an
 * empty path and a last component of `.` or `..` as written, then makes it
 * absolute. Nothing is opened.
 */
export function treePath(p: unknown, what = 'path'): TreePath {
  const bytes = pathBytes(p, what);
  const why = lastComponentProblem(bytes);
  const display = path.posix.resolve(nameToString(bytes));
  if (why) throw invalidArgument(`refusing ${what} ${JSON.stringify(nameToString(bytes))}: ${why}`, { path: display, value: nameToString(bytes) });
  return { bytes: absolute(bytes), display };
}

/**
 * A directory argument of the companions, which keep their path as a
 * string: a string, a UTF-8 Buffer or a file: URL, with the same refusals
 * as {@link treePath}. A Buffer that is not UTF-8 cannot be kept as a
 * string without changing the name, so it is refused.
 */
export function directoryArgument(p: unknown, what: string): string {
  const bytes = pathBytes(p, what);
  if (!isUtf8(bytes)) throw invalidArgument(`${what} must be valid UTF-8 here, got ${JSON.stringify(nameToString(bytes))}`, { value: nameToString(bytes) });
  const why = lastComponentProblem(bytes);
  const s = bytes.toString('utf8');
  if (why) throw invalidArgument(`refusing ${what} ${JSON.stringify(s)}: ${why}`, { value: s });
  return s;
}
