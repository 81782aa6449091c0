// Per-user defaults from `<configDir>/config.toml`. The file is honoured
// only when it is a regular file (never a symlink), at most 1 MiB, owned by
// the caller or root and writable by nobody else, in a folder reached and
// held the same way (see openConfigDir); otherwise it is ignored with a
// warning. Values come back raw (the API layer validates them with the
// duration/size grammars); unknown or mistyped keys are dropped with a warning.
import * as path from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { DirHandle, isSymlink } from '../fs/dir-handle';
import { readFileAt } from '../fs/files';
import { openDirectory } from '../fs/walk';
import { EphemdirError, ErrorCodes, escapeMessage, hasCode, systemError } from '../errors';
import { configDirIfAny } from './paths';
import { euid, ownedByMeOrRoot, ownershipProblem, writableByOthers } from '../core/trust';

export interface ConfigValues {
  lifetime: string | number;
  removeOnRestart: boolean;
  keepWhileInUse: boolean;
  parent: string;
  prefix: string;
  words: number;
  cleanup: string;
  maxSize: string | number;
  nameStyle: string;
}

export interface LoadedConfig {
  values: Partial<ConfigValues>;
  warnings: string[];
  /** The file consulted (display path), whether or not it exists. */
  file: string;
}

export const CONFIG_FILE = 'config.toml';
const MAX_CONFIG_BYTES = 1024 * 1024;

type Kind = 'string' | 'number' | 'integer' | 'boolean';

const KEYS: Record<string, { field: keyof ConfigValues; kinds: Kind[] }> = {
  lifetime: { field: 'lifetime', kinds: ['string', 'number'] },
  remove_on_restart: { field: 'removeOnRestart', kinds: ['boolean'] },
  keep_while_in_use: { field: 'keepWhileInUse', kinds: ['boolean'] },
  parent: { field: 'parent', kinds: ['string'] },
  prefix: { field: 'prefix', kinds: ['string'] },
  words: { field: 'words', kinds: ['integer'] },
  cleanup: { field: 'cleanup', kinds: ['string'] },
  max_size: { field: 'maxSize', kinds: ['string', 'integer'] },
  name_style: { field: 'nameStyle', kinds: ['string'] },
};

const KIND_TEXT: Record<Kind, string> = { string: 'a string', number: 'a number', integer: 'an integer', boolean: 'true or false' };

function matches(v: unknown, kind: Kind): boolean {
  switch (kind) {
    case 'string': return typeof v === 'string';
    case 'boolean': return typeof v === 'boolean';
    case 'number': return typeof v === 'number';
    case 'integer': return typeof v === 'number' && Number.isSafeInteger(v);
  }
}

function describe(v: unknown): string {
  if (typeof v === 'bigint') return 'an integer too large to represent';
  if (Array.isArray(v)) return 'an array';
  if (v instanceof Date || (typeof v === 'object' && v !== null && v.constructor?.name === 'TomlDate')) return 'a date';
  if (typeof v === 'object' && v !== null) return 'a table';
  if (typeof v === 'number' && !Number.isInteger(v)) return 'a float';
  return typeof v === 'number' ? 'an integer' : typeof v === 'boolean' ? 'a boolean' : typeof v;
}

/** Keys and messages quoted so a hostile file cannot put control characters on the terminal. */
function quote(s: string): string {
  return JSON.stringify(s).replace(/[\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

const MAX_LINK_HOPS = 8;

/**
 * Opens the config folder under the rules the data folder has: every folder
 * on the way owned by you or root and, when others may write it, sticky (the
 * chain rule of fs/walk); the folder itself owned by you or root and writable
 * by nobody else. A symlink on the way (dotfile setups, a symlinked home) is
 * followed only when it is yours or root's, so nobody else can plant one; its
 * target is walked under the same rules.
 */
export function openConfigDir(dirPath: string): DirHandle {
  let target = dirPath;
  for (let hops = 0; ; hops++) {
    try {
      const dir = openDirectory(target, { trust: 'chain', final: 'any' });
      const problem = configDirProblem(dir.stat());
      if (problem !== null) {
        dir.close();
        throw new EphemdirError(ErrorCodes.UNSAFE_PARENT, `refusing ${target}: ${problem}`, { path: target, reason: problem });
      }
      return target === dirPath ? dir : new DirHandle(dir.release(), dirPath);
    } catch (err) {
      const link = (err as { component?: unknown }).component;
      if (!hasCode(err, ErrorCodes.SYMLINK_IN_PATH) || typeof link !== 'string' || hops >= MAX_LINK_HOPS) throw err;
      target = followOwnLink(link, target);
    }
  }
}

function configDirProblem(st: { uid: number; mode: number }): string | null {
  return ownershipProblem(st, { allowRoot: true });
}

/** `target` with the symlink `link` (a prefix of it) replaced by where the link points, if the link is yours or root's. */
function followOwnLink(link: string, target: string): string {
  const parent = openDirectory(path.posix.dirname(link), { trust: 'chain', final: 'any' });
  try {
    const name = path.posix.basename(link);
    const st = parent.tryStat(name);
    if (st === null) throw systemError(-2, 'lstat', link);
    if (!ownedByMeOrRoot(st)) {
      const reason = `${link} is a symlink owned by uid ${st.uid}, not by you (uid ${euid()}) or root`;
      throw new EphemdirError(ErrorCodes.SYMLINK_IN_PATH, `refusing ${target}: ${reason}`, { path: target, reason });
    }
    const to = parent.readlink(name).toString('utf8');
    const rest = target.slice(link.length);
    return path.posix.normalize(path.posix.resolve(path.posix.dirname(link), to) + rest);
  } finally {
    parent.close();
  }
}

/**
 * Reads and filters the config; never throws for the file's content,
 * ownership or absence. Without a home directory (and no
 * EPHEMDIR_CONFIG_DIR) there is no config file: the defaults apply.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  const dirPath = configDirIfAny(env);
  if (dirPath === null) return { values: {}, warnings: [], file: '(none: there is no home directory)' };
  const file = `${dirPath === '/' ? '' : dirPath}/${CONFIG_FILE}`;
  const values: Partial<ConfigValues> = {};
  const warnings: string[] = [];
  const result = { values, warnings, file };
  const ignored = (why: string) => {
    warnings.push(escapeMessage(`ignoring config file ${file}: ${why}`));
    return result;
  };

  let dir: DirHandle;
  try {
    dir = openConfigDir(dirPath);
  } catch (err) {
    if (hasCode(err, 'ENOENT')) return result;
    if (hasCode(err, 'ENOTDIR')) return ignored('its folder is not a directory');
    const why = (err as { reason?: unknown }).reason;
    return ignored(typeof why === 'string' ? `its folder cannot be trusted: ${(err as Error).message}` : `cannot open its folder (${(err as Error).message})`);
  }
  let data: Buffer;
  try {
    const r = readFileAt(dir, CONFIG_FILE, MAX_CONFIG_BYTES);
    if (!r.ok) {
      if (r.reason === 'missing') return result;
      if (r.reason === 'not-regular') {
        return ignored(isSymlink(r.stat) ? 'it is a symlink (config files are never followed)' : 'it is not a regular file');
      }
      if (r.reason === 'too-large' || (r.stat?.size ?? 0) > MAX_CONFIG_BYTES) return ignored(`it is larger than ${MAX_CONFIG_BYTES} bytes`);
      return ignored(`it cannot be read (${r.error.message})`);
    }
    const problem = ownershipProblem(r.stat, { allowRoot: true });
    if (problem !== null) return ignored(writableByOthers(r.stat) && ownedByMeOrRoot(r.stat) ? `${problem}; run chmod go-w on it` : problem);
    data = r.data;
  } finally {
    dir.close();
  }

  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(data);
  } catch {
    return ignored('it is not valid UTF-8');
  }
  let table: Record<string, unknown>;
  try {
    table = parseToml(text, { integersAsBigInt: 'asNeeded' }) as Record<string, unknown>;
  } catch (err) {
    const line = (err as { line?: unknown }).line;
    return ignored(`it is not valid TOML${typeof line === 'number' ? ` (line ${line})` : ''}`);
  }
  for (const key of Object.keys(table)) {
    const spec = Object.prototype.hasOwnProperty.call(KEYS, key) ? KEYS[key] : undefined;
    const v = table[key];
    if (spec === undefined) {
      warnings.push(escapeMessage(`${file}: ignoring unknown key ${quote(key)}`));
      continue;
    }
    if (!spec.kinds.some((k) => matches(v, k))) {
      warnings.push(escapeMessage(`${file}: ignoring ${key}: expected ${spec.kinds.map((k) => KIND_TEXT[k]).join(' or ')}, got ${describe(v)}`));
      continue;
    }
    (values as Record<string, unknown>)[spec.field] = v;
  }
  return result;
}
