// The argument and option tables of the companion APIs (see core/options.ts).
import { parseDuration } from '../core/duration';
import { validatePrefix } from '../core/validate';
import { finiteNumber, fsPath, func, nullable, oneOf, optionsOf, pathString, signature, validatedBy, type ValueSpec } from '../core/options';
import type { CreateTempDirOptions, RootOptions } from './tempman';
import type { TempFilesOptions } from './temp-files';
import { AREAS, checkCreateMode, checkStoreName } from './file-store-names';

const prefix = validatedBy('a name prefix of at most 64 bytes', validatePrefix);
// Paths as Node's fs takes them; the body turns them into a string (and, until
// it does, refuses a Buffer or URL itself, also before touching anything).
const absolute = fsPath({ absolute: true });
const area = oneOf(...AREAS);
const storeName: ValueSpec = validatedBy('a file name in the store', checkStoreName);

const CREATE_TEMP_DIR_OPTIONS = optionsOf<CreateTempDirOptions>({ dir: absolute, prefix });
export const CREATE_TEMP_DIR = signature('createTempDir', {}, CREATE_TEMP_DIR_OPTIONS);
/** Scoped createTempDir(): the callback, then createTempDir()'s options. */
export const WITH_TEMP_DIR = signature('withTempDir', { fn: func() }, CREATE_TEMP_DIR_OPTIONS);
export const WITH_TEMP_DIR_SYNC = signature('withTempDirSync', { fn: func() }, CREATE_TEMP_DIR_OPTIONS);

const ROOT_OPTIONS = optionsOf<RootOptions>({
  timeout: validatedBy('a number of seconds, a duration string such as "30m", or null', (v) => parseDuration(v as never)),
  timeoutMs: nullable(finiteNumber(0)),
  prefix,
  ageBy: oneOf('self', 'tree'),
});
export const ROOT = signature('root', { dir: absolute }, ROOT_OPTIONS);
export const ROOT_CONSTRUCTOR = signature('new Root', { dir: absolute }, ROOT_OPTIONS);

export const TEMP_FILES = signature('new TempFiles', {}, optionsOf<TempFilesOptions>({ root: absolute, prefix }));
export const TEMP_FILES_FORGET = signature('TempFiles.forget', { path: pathString() });

export const FILE_STORE = signature('new FileStore', { dir: fsPath() });
export const FILE_STORE_CREATE = signature('FileStore.create', { name: storeName, mode: validatedBy("'w', 'wx', 'w+', 'wx+', 'a' or 'a+' (a 'b' is ignored)", checkCreateMode) });
export const FILE_STORE_LIST = signature('FileStore.list', { area });
export const FILE_STORE_MOVE = signature('FileStore.move', { name: storeName, from: area, to: area });
export const FILE_STORE_COPY = signature('FileStore.copy', { name: storeName, from: area, to: area });
export const FILE_STORE_REMOVE = signature('FileStore.remove', { name: storeName, area });

/** Every signature of this layer, for the coverage test. */
export const COMPANION_SIGNATURES = [
  CREATE_TEMP_DIR,
  WITH_TEMP_DIR,
  WITH_TEMP_DIR_SYNC,
  ROOT,
  ROOT_CONSTRUCTOR,
  TEMP_FILES,
  TEMP_FILES_FORGET,
  FILE_STORE,
  FILE_STORE_CREATE,
  FILE_STORE_LIST,
  FILE_STORE_MOVE,
  FILE_STORE_COPY,
  FILE_STORE_REMOVE,
];
