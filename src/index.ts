// Public API of ephemdir. One module format (CommonJS): the registry, locks
// and exit hooks are process-wide, so there must be exactly one copy.
export { ErrorCodes, EphemdirError, isEphemdirError } from './errors';
export type { ErrorCode, ErrorFields, EphemdirErrorOf, EphemdirErrorOptions, SystemError } from './errors';
export { capabilities } from './native/binding';
export type { Capabilities } from './native/binding';

// The deletion engine.
export { removeTree, removeTreeSync, removeTreeAt, removeTreeAtSync } from './fs/remove-tree';
export type { RemoveTreeOptions, RemoveTreeResult, RemoveTreeFailure, RemoveTreeIncomplete, RemoveTreeProgress } from './fs/remove-tree';
export { scanTree, scanTreeSync } from './fs/scan-tree';
export { AbortError } from './fs/abort';
export type { ScanTreeOptions, ScanTreeResult } from './fs/scan-tree';
export { DirHandle } from './fs/dir-handle';
export { openDirectory } from './fs/walk';

// Managed temporary directories.
export {
  tempdir,
  tempdirSync,
  EphemeralDirectory,
  sweep,
  keep,
  extend,
  remove,
  resolve,
  explain,
  recover,
  prune,
  registered,
  list,
  stats,
  last,
  currentTarget,
} from './api/index';
export { withTempdir, withTempdirSync } from './api/scoped';
export type {
  Hold,
  TempdirOptions,
  TrackedDirectory,
  SweepOptions,
  SweepReport,
  SweepItem,
  RemoveResult,
  Stats,
  RecoverOptions,
  ListOptions,
  ExtendOptions,
  RegistryOptions,
  QuarantinedEntry,
  TrackedList,
} from './api/index';
export type { Entry } from './model/entry';
export type { ExplainModel } from './policy/explain';
export { diagnose } from './api/diagnostics';
export type { Diagnostic, DiagnosticName } from './api/diagnostics';
export { parseDuration } from './core/duration';
export { parseSize } from './core/size';

// Companion APIs.
export { withTempDir, withTempDirSync } from './companions/scoped';
export { createTempDir, root, Root, TemporaryDirectory, TempFiles, defaultTempFiles, FileStore, AREAS } from './companions';
export type {
  CreateTempDirOptions,
  RootOptions,
  CleanupReport,
  SkippedEntry,
  SkipReason,
  TempFilesOptions,
  TempFilesCleanup,
  TempFilesFailure,
  Area,
  CreateMode,
  PathFileHandle,
} from './companions';
