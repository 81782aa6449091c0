// The argument and option tables of the public fs functions (see
// core/options.ts). Adding an option to RemoveTreeOptions or ScanTreeOptions
// without a line here fails to compile.
import {
  abortSignal,
  boolean,
  component,
  fsPath,
  func,
  instance,
  integer,
  oneOf,
  optionsOf,
  pathList,
  record,
  signature,
  type ValueSpec,
} from '../core/options';
import { DIR_HANDLE_SIGNATURES, DirHandle } from './dir-handle';
import type { RemoveTreeOptions } from './remove-tree';
import type { ScanTreeOptions } from './scan-tree';
import type { WalkOptions } from './walk';

/** An open directory handle (not closed). */
const openHandle = instance(DirHandle, 'an open DirHandle', (h) => !h.closed);
const MAX = Number.MAX_SAFE_INTEGER;

const REMOVE_TREE_OPTIONS = optionsOf<RemoveTreeOptions>({
  protect: pathList(),
  repairPermissions: boolean(),
  maxRescans: integer(0, 1_000_000),
  skipLocked: boolean(),
  removeLast: component(),
  keepRoot: boolean(),
  emptyMount: boolean(),
  signal: abortSignal(),
  expect: record({ dev: integer(0, MAX), ino: integer(0, MAX) }, '{ dev, ino } (non-negative integers)'),
  onProgress: func(),
  parallel: integer(1, 64),
  maxOpenDirs: integer(2, 4096),
  maxEntries: integer(1, MAX),
});

export const REMOVE_TREE = signature('removeTree', { path: fsPath() }, REMOVE_TREE_OPTIONS);
export const REMOVE_TREE_SYNC = signature('removeTreeSync', { path: fsPath() }, REMOVE_TREE_OPTIONS);
export const REMOVE_TREE_AT = signature('removeTreeAt', { parent: openHandle, name: component() }, REMOVE_TREE_OPTIONS);
export const REMOVE_TREE_AT_SYNC = signature('removeTreeAtSync', { parent: openHandle, name: component() }, REMOVE_TREE_OPTIONS);

const SCAN_TREE_OPTIONS = optionsOf<ScanTreeOptions>({
  maxEntries: integer(0, MAX),
  maxDepth: integer(0, MAX),
  timeoutMs: integer(0, MAX),
  stopAboveBytes: integer(0, MAX),
  maxOpenDirs: integer(1, 4096),
  signal: abortSignal(),
});

/** A path, or `{ parent: DirHandle, name }`. */
const scanTarget: ValueSpec = {
  expected: 'a path, or { parent: DirHandle, name }',
  problem(value) {
    if (typeof value !== 'object' || value === null || value instanceof URL || value instanceof Uint8Array) return fsPath().problem(value);
    return record({ parent: openHandle, name: component() }, 'a path, or { parent: DirHandle, name }').problem(value);
  },
};

export const SCAN_TREE = signature('scanTree', { target: scanTarget }, SCAN_TREE_OPTIONS);
export const SCAN_TREE_SYNC = signature('scanTreeSync', { target: scanTarget }, SCAN_TREE_OPTIONS);

export const OPEN_DIRECTORY = signature(
  'openDirectory',
  { path: fsPath({ absolute: true }) },
  optionsOf<WalkOptions>({ trust: oneOf('nofollow', 'chain', 'safe'), final: oneOf('any', 'parent', 'owned'), create: boolean() }),
);

/** Every signature of this layer, for the coverage test. */
export const FS_SIGNATURES = [
  REMOVE_TREE,
  REMOVE_TREE_SYNC,
  REMOVE_TREE_AT,
  REMOVE_TREE_AT_SYNC,
  SCAN_TREE,
  SCAN_TREE_SYNC,
  OPEN_DIRECTORY,
  ...DIR_HANDLE_SIGNATURES,
];
