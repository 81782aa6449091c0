// The companion systems: tempman, tracked temp files (duplicity) and a
// maildir-like FileStore (gocept.filestore), on ephemdir's fd primitives.
export { createTempDir, root, Root, TemporaryDirectory } from './tempman';
export type { CreateTempDirOptions, RootOptions, CleanupReport, SkippedEntry, SkipReason, AgeBy } from './tempman';
export { TempFiles, defaultTempFiles } from './temp-files';
export type { TempFilesOptions, TempFilesCleanup, TempFilesFailure } from './temp-files';
export { FileStore, AREAS } from './file-store';
export type { Area, CreateMode } from './file-store';
export type { PathFileHandle } from './file-handle';
