// The table of every public call: for each signature (src/{api,fs,companions}/signatures.ts,
// DirHandle's in src/fs/dir-handle.ts) how to call it with valid arguments,
// and wrong values for each positional argument and each option. The wrong
// values are chosen by what the option is, independently of the schemas.
// Used by test/api/public-arguments.test.ts (the refusals) and
// test/api/public-coverage.test.ts (that the table covers every export).
import * as path from 'node:path';
import * as pkg from '../../src/index';
import * as testing from '../../src/testing';
import type {
  CreateTempDirOptions,
  ExtendOptions,
  ListOptions,
  RecoverOptions,
  RegistryOptions,
  RemoveTreeOptions,
  RootOptions,
  ScanTreeOptions,
  SweepOptions,
  TempdirOptions,
  TempFilesOptions,
} from '../../src/index';
import type { WalkOptions } from '../../src/fs/walk';
import type { LockOptions, OpenDirOptions, RenameOptions } from '../../src/fs/dir-handle';

// ---- Wrong values, by what the option is (independent of the schemas) ----
const OBJECTS = [{}, [], () => 0];
const BOOL = ['true', 'false', 'yes', '', 1, 0, null, Infinity, NaN, ...OBJECTS];
const int = (min: number, max: number) => ['1', min - 1, max + 1, min + 0.5, NaN, Infinity, -Infinity, null, true, ...OBJECTS];
const ENUM = ['', 'nope', 'FULL', 1, null, true, ...OBJECTS];
const FUNC = ['f', 1, null, true, {}, []];
const TAGS = ['x', 'Nope!', ['Nope!'], [1], [null], ['a'.repeat(33)], 1, true, {}];
const DURATION = ['abc', '-1h', '1M', '', -1, NaN, Infinity, true, ...OBJECTS];
const SIZE = ['abc', '-1', -1, 1.5, NaN, Infinity, true, ...OBJECTS];
const PATH = ['', 'a\0b', 1, null, true, ...OBJECTS];
const ABSOLUTE = ['relative/dir', ...PATH];
const PREFIX = ['/x', '-x', '..', 'a\u202eb', 'x'.repeat(65), 1, null, true, ...OBJECTS];
const WORDS = [0, 5, 1.5, '2', null, NaN, Infinity, true, {}];
const DESCRIPTION = ['two\nlines', 'x'.repeat(300), 1, true, {}, []];
const COMPONENT = ['', '.', '..', 'a/b', 'a\0b', 1, null, true, {}, []];
const PATH_LIST = ['/a', [1], [''], ['a\0b'], [null], 1, null, true, {}];
const IDENTITY = [{}, { dev: 1 }, { dev: '1', ino: 1 }, { dev: -1, ino: 1 }, { dev: 1, ino: 1.5 }, { dev: 1, ino: 1, extra: 1 }, null, 1, 'x', []];
const SIGNAL = [true, 'abort', 1, null, {}, [], () => 0, new AbortController()];
const MILLIS = [-1, NaN, Infinity, '1', true, {}, []];
const NOT_A_NAME = [1, null, undefined, true, {}, [], () => 0];
const AREA = ['', 'TMP', 'foo', 1, null, true, {}, []];
const TARGET = ['', 'a\0b', 1, null, undefined, true, {}, []];
/** A registry's data directory: an absolute path (its trust is test/api/data-dir.test.ts's). */
const DATA_DIR = ['relative/data', './data', '/data\0x', new URL('file:///tmp'), Buffer.from('/tmp'), ...PATH];
export const BAD_OPTION_OBJECTS = [null, 'x', 1, true, [], () => 0];

/** One bad-value list for every key of an options type `T` (the compiler checks the keys). */
export type Bad<T> = { [K in keyof Required<T>]-?: unknown[] };

export interface Case {
  /** The signature's name (see src/{api,fs,companions}/signatures.ts). */
  name: string;
  async: boolean;
  /** Valid positional arguments. */
  args(): unknown[];
  /** Valid options every bad value is merged into (so a broken check would act on our fixtures). */
  base?(): Record<string, unknown>;
  call(args: unknown[], options: unknown): unknown;
  badArgs: Record<string, unknown[]>;
  badOptions: Record<string, unknown[]> | null;
}

/** What the calls act on (a broken check would change them; the test compares before and after). */
export interface Fixtures {
  env: { root: string; work: string };
  /** A tracked 7-day directory: a forced sweep would delete it, a normal one not. */
  tracked: pkg.EphemeralDirectory;
  /** A small tree for removeTree and scanTree. */
  tree: string;
  storeDir: string;
  /** A prepared store with `tmp/f1`. */
  store: pkg.FileStore;
  /** An open handle on `env.work`, and a closed one. */
  workHandle: pkg.DirHandle;
  closedHandle: pkg.DirHandle;
  tempFiles: pkg.TempFiles;
}

/** Every public call. Fixtures are read only when a row is called. */
export function publicCalls(f: Fixtures): Case[] {
  const { env, tracked, tree, storeDir, store, workHandle, closedHandle, tempFiles } = f;
  const TEMPDIR_BAD: Bad<TempdirOptions> = {
    lifetime: DURATION,
    removeOnRestart: BOOL,
    keepWhileInUse: BOOL,
    cleanup: ENUM,
    maxSize: SIZE,
    nameStyle: ENUM,
    parent: PATH,
    prefix: PREFIX,
    words: WORDS,
    tags: TAGS,
    description: DESCRIPTION,
    removeOnExit: BOOL,
    dataDir: DATA_DIR,
  };
  const SWEEP_BAD: Bad<SweepOptions> = { dryRun: BOOL, force: BOOL, tags: TAGS, mode: ENUM, onProgress: FUNC, signal: SIGNAL, dataDir: DATA_DIR };
  const LIST_BAD: Bad<ListOptions> = { tags: TAGS, dataDir: DATA_DIR };
  const EXTEND_BAD: Bad<ExtendOptions> = { relative: BOOL, dataDir: DATA_DIR };
  const RECOVER_BAD: Bad<RecoverOptions> = { forget: BOOL, dataDir: DATA_DIR };
  const REGISTRY_BAD: Bad<RegistryOptions> = { dataDir: DATA_DIR };
  const REMOVE_TREE_BAD: Bad<RemoveTreeOptions> = {
    protect: PATH_LIST,
    repairPermissions: BOOL,
    maxRescans: int(0, 1_000_000),
    skipLocked: BOOL,
    removeLast: COMPONENT,
    keepRoot: BOOL,
    emptyMount: BOOL,
    expect: IDENTITY,
    onProgress: FUNC,
    parallel: int(1, 64),
    maxOpenDirs: int(2, 4096),
    maxEntries: int(1, Number.MAX_SAFE_INTEGER),
    signal: SIGNAL,
  };
  const SCAN_TREE_BAD: Bad<ScanTreeOptions> = {
    maxEntries: int(0, Number.MAX_SAFE_INTEGER),
    maxDepth: int(0, Number.MAX_SAFE_INTEGER),
    timeoutMs: int(0, Number.MAX_SAFE_INTEGER),
    stopAboveBytes: int(0, Number.MAX_SAFE_INTEGER),
    maxOpenDirs: int(1, 4096),
    signal: SIGNAL,
  };
  const WALK_BAD: Bad<WalkOptions> = { trust: ENUM, final: ENUM, create: BOOL };
  const CREATE_TEMP_DIR_BAD: Bad<CreateTempDirOptions> = { dir: ABSOLUTE, prefix: PREFIX };
  const ROOT_BAD: Bad<RootOptions> = { timeout: DURATION, timeoutMs: MILLIS, prefix: PREFIX, ageBy: ENUM };
  const TEMP_FILES_BAD: Bad<TempFilesOptions> = { root: ABSOLUTE, prefix: PREFIX };

  const HANDLE_BAD = [closedHandle, null, 'x', 1, {}, []];
  const SCAN_TARGET_BAD = ['', 'a\0b', 1, null, true, [], { parent: 'x', name: 'tree' }, { name: 'tree' }, { parent: closedHandle, name: 'tree' }];

  // A test context whose after hook is never run: a broken check would leave a directory, which the snapshot sees.
  const testContext = { after() {} };
  const TEST_CONTEXT_BAD = [null, undefined, {}, { after: 1 }, 'x', 1, true, []];

  return [
    {
      name: 'withTempdir',
      async: true,
      args: () => [() => 1],
      base: () => ({ parent: env.work, tags: ['args'] }),
      call: (a, o) => pkg.withTempdir(a[0] as never, o as never),
      badArgs: { fn: FUNC },
      badOptions: TEMPDIR_BAD,
    },
    {
      name: 'withTempdirSync',
      async: false,
      args: () => [() => 1],
      base: () => ({ parent: env.work, tags: ['args'] }),
      call: (a, o) => pkg.withTempdirSync(a[0] as never, o as never),
      badArgs: { fn: FUNC },
      badOptions: TEMPDIR_BAD,
    },
    {
      name: 'testTempdir',
      async: false,
      args: () => [testContext],
      base: () => ({ parent: env.work, tags: ['args'] }),
      call: (a, o) => testing.testTempdir(a[0] as never, o as never),
      badArgs: { t: TEST_CONTEXT_BAD },
      badOptions: TEMPDIR_BAD,
    },
    {
      name: 'withTempDir',
      async: true,
      args: () => [() => 1],
      base: () => ({ dir: env.work }),
      call: (a, o) => pkg.withTempDir(a[0] as never, o as never),
      badArgs: { fn: FUNC },
      badOptions: CREATE_TEMP_DIR_BAD,
    },
    {
      name: 'withTempDirSync',
      async: false,
      args: () => [() => 1],
      base: () => ({ dir: env.work }),
      call: (a, o) => pkg.withTempDirSync(a[0] as never, o as never),
      badArgs: { fn: FUNC },
      badOptions: CREATE_TEMP_DIR_BAD,
    },
    {
      name: 'tempdir',
      async: true,
      args: () => [],
      base: () => ({ parent: env.work, tags: ['args'] }),
      call: (_a, o) => pkg.tempdir(o as never),
      badArgs: {},
      badOptions: TEMPDIR_BAD,
    },
    {
      name: 'tempdirSync',
      async: false,
      args: () => [],
      base: () => ({ parent: env.work, tags: ['args'] }),
      call: (_a, o) => pkg.tempdirSync(o as never),
      badArgs: {},
      badOptions: TEMPDIR_BAD,
    },
    { name: 'sweep', async: true, args: () => [], call: (_a, o) => pkg.sweep(o as never), badArgs: {}, badOptions: SWEEP_BAD },
    { name: 'list', async: true, args: () => [], call: (_a, o) => pkg.list(o as never), badArgs: {}, badOptions: LIST_BAD },
    { name: 'keep', async: true, args: () => [tracked.name], call: (a, o) => pkg.keep(a[0] as never, o as never), badArgs: { target: TARGET }, badOptions: REGISTRY_BAD },
    {
      name: 'extend',
      async: true,
      args: () => [tracked.name, '1h'],
      call: (a, o) => pkg.extend(a[0] as never, a[1] as never, o as never),
      badArgs: { target: TARGET, lifetime: [...DURATION, '+', '+abc', undefined] },
      badOptions: EXTEND_BAD,
    },
    { name: 'remove', async: true, args: () => [tracked.name], call: (a, o) => pkg.remove(a[0] as never, o as never), badArgs: { target: TARGET }, badOptions: REGISTRY_BAD },
    { name: 'resolve', async: true, args: () => [tracked.name], call: (a, o) => pkg.resolve(a[0] as never, o as never), badArgs: { target: TARGET }, badOptions: REGISTRY_BAD },
    { name: 'explain', async: true, args: () => [tracked.name], call: (a, o) => pkg.explain(a[0] as never, o as never), badArgs: { target: TARGET }, badOptions: REGISTRY_BAD },
    // A registry-wide call that a broken check would let run: prune forgets, the others only read.
    { name: 'prune', async: true, args: () => [], call: (_a, o) => pkg.prune(o as never), badArgs: {}, badOptions: REGISTRY_BAD },
    { name: 'registered', async: true, args: () => [], call: (_a, o) => pkg.registered(o as never), badArgs: {}, badOptions: REGISTRY_BAD },
    { name: 'stats', async: true, args: () => [], call: (_a, o) => pkg.stats(o as never), badArgs: {}, badOptions: REGISTRY_BAD },
    { name: 'last', async: true, args: () => [], call: (_a, o) => pkg.last(o as never), badArgs: {}, badOptions: REGISTRY_BAD },
    { name: 'diagnose', async: true, args: () => [], call: (_a, o) => pkg.diagnose(o as never), badArgs: {}, badOptions: REGISTRY_BAD },
    {
      name: 'recover',
      async: true,
      args: () => [tracked.name],
      call: (a, o) => pkg.recover(a[0] as never, o as never),
      badArgs: { target: TARGET },
      badOptions: RECOVER_BAD,
    },
    {
      name: 'currentTarget',
      async: true,
      args: () => [tracked.path],
      call: (a, o) => pkg.currentTarget(a[0] as never, o as never),
      badArgs: { cwd: ['', 'a\0b', 1, null, true, {}] },
      badOptions: REGISTRY_BAD,
    },
    {
      name: 'EphemeralDirectory.extend',
      async: false,
      args: () => ['1h'],
      call: (a) => tracked.extend(a[0] as never),
      badArgs: { lifetime: [...DURATION, '+abc', undefined] },
      badOptions: null,
    },
    {
      name: 'removeTree',
      async: true,
      args: () => [tree],
      call: (a, o) => pkg.removeTree(a[0] as never, o as never),
      badArgs: { path: PATH },
      badOptions: REMOVE_TREE_BAD,
    },
    {
      name: 'removeTreeSync',
      async: false,
      args: () => [tree],
      call: (a, o) => pkg.removeTreeSync(a[0] as never, o as never),
      badArgs: { path: PATH },
      badOptions: REMOVE_TREE_BAD,
    },
    {
      name: 'removeTreeAt',
      async: true,
      args: () => [workHandle, 'tree'],
      call: (a, o) => pkg.removeTreeAt(a[0] as never, a[1] as never, o as never),
      badArgs: { parent: HANDLE_BAD, name: COMPONENT },
      badOptions: REMOVE_TREE_BAD,
    },
    {
      name: 'removeTreeAtSync',
      async: false,
      args: () => [workHandle, 'tree'],
      call: (a, o) => pkg.removeTreeAtSync(a[0] as never, a[1] as never, o as never),
      badArgs: { parent: HANDLE_BAD, name: COMPONENT },
      badOptions: REMOVE_TREE_BAD,
    },
    {
      name: 'scanTree',
      async: true,
      args: () => [tree],
      call: (a, o) => pkg.scanTree(a[0] as never, o as never),
      badArgs: { target: [...SCAN_TARGET_BAD, { parent: workHandle, name: '..' }, { parent: workHandle, name: 'tree', x: 1 }] },
      badOptions: SCAN_TREE_BAD,
    },
    {
      name: 'scanTreeSync',
      async: false,
      args: () => [tree],
      call: (a, o) => pkg.scanTreeSync(a[0] as never, o as never),
      badArgs: { target: SCAN_TARGET_BAD },
      badOptions: SCAN_TREE_BAD,
    },
    {
      name: 'openDirectory',
      async: false,
      args: () => [path.join(env.work, 'not-yet')],
      call: (a, o) => pkg.openDirectory(a[0] as never, o as never),
      badArgs: { path: ABSOLUTE },
      badOptions: WALK_BAD,
    },
    {
      name: 'DirHandle.openDir',
      async: false,
      args: () => ['tree'],
      call: (a, o) => workHandle.openDir(a[0] as never, o as never).close(),
      // A string that is not one component is the addon's EINVAL (test/fs/dir-handle.test.ts).
      badArgs: { name: NOT_A_NAME },
      badOptions: { noXdev: BOOL } satisfies Bad<OpenDirOptions>,
    },
    {
      name: 'DirHandle.rename',
      async: false,
      args: () => ['tree', workHandle, 'tree-renamed'],
      call: (a, o) => workHandle.rename(a[0] as never, a[1] as never, a[2] as never, o as never),
      badArgs: { name: NOT_A_NAME, toDir: HANDLE_BAD, toName: NOT_A_NAME },
      badOptions: { noReplace: BOOL, exchange: BOOL } satisfies Bad<RenameOptions>,
    },
    {
      name: 'DirHandle.lock',
      async: false,
      args: () => ['shared'],
      call: (a, o) => workHandle.lock(a[0] as never, o as never),
      badArgs: { mode: ['', 'Shared', 'EXCLUSIVE', 'sh', 1, null, true, {}, []] },
      badOptions: { wait: BOOL } satisfies Bad<LockOptions>,
    },
    {
      name: 'createTempDir',
      async: false,
      args: () => [],
      base: () => ({ dir: env.work }),
      call: (_a, o) => pkg.createTempDir(o as never),
      badArgs: {},
      badOptions: CREATE_TEMP_DIR_BAD,
    },
    {
      name: 'root',
      async: false,
      args: () => [path.join(env.work, 'root')],
      call: (a, o) => pkg.root(a[0] as never, o as never),
      badArgs: { dir: ABSOLUTE },
      badOptions: ROOT_BAD,
    },
    {
      name: 'new Root',
      async: false,
      args: () => [path.join(env.work, 'root')],
      call: (a, o) => new pkg.Root(a[0] as never, o as never),
      badArgs: { dir: ABSOLUTE },
      badOptions: ROOT_BAD,
    },
    {
      name: 'new TempFiles',
      async: false,
      args: () => [],
      base: () => ({ root: env.work }),
      call: (_a, o) => new pkg.TempFiles(o as never),
      badArgs: {},
      badOptions: TEMP_FILES_BAD,
    },
    {
      name: 'TempFiles.forget',
      async: false,
      args: () => [path.join(tempFiles.dir(), 'x')],
      call: (a) => tempFiles.forget(a[0] as never),
      badArgs: { path: PATH },
      badOptions: null,
    },
    { name: 'new FileStore', async: false, args: () => [storeDir], call: (a) => new pkg.FileStore(a[0] as never), badArgs: { dir: PATH }, badOptions: null },
    {
      name: 'FileStore.create',
      async: true,
      args: () => ['f2', 'w'],
      call: (a) => store.create(a[0] as never, a[1] as never),
      badArgs: { name: [...COMPONENT, '.ephemdir-x'], mode: ['r', 'rw', '', 'W', 1, null, true, {}] },
      badOptions: null,
    },
    { name: 'FileStore.list', async: false, args: () => ['tmp'], call: (a) => store.list(a[0] as never), badArgs: { area: AREA }, badOptions: null },
    {
      name: 'FileStore.move',
      async: false,
      args: () => ['f1', 'tmp', 'new'],
      call: (a) => store.move(a[0] as never, a[1] as never, a[2] as never),
      badArgs: { name: COMPONENT, from: AREA, to: AREA },
      badOptions: null,
    },
    {
      name: 'FileStore.copy',
      async: true,
      args: () => ['f1', 'tmp', 'new'],
      call: (a) => store.copy(a[0] as never, a[1] as never, a[2] as never),
      badArgs: { name: COMPONENT, from: AREA, to: AREA },
      badOptions: null,
    },
    {
      name: 'FileStore.remove',
      async: false,
      args: () => ['f1', 'tmp'],
      call: (a) => store.remove(a[0] as never, a[1] as never),
      badArgs: { name: COMPONENT, area: AREA },
      badOptions: null,
    },
  ];
}

type ExportKind =
  | { signatures: string[]; exemptMethods?: Record<string, string> }
  | { noArguments: true }
  | { notCallable: true }
  | { exempt: string };

export const EXPORTS: Record<string, ExportKind> = {
  ErrorCodes: { notCallable: true },
  AREAS: { notCallable: true },
  EphemdirError: { exempt: 'an error class; ephemdir constructs it' },
  AbortError: { exempt: 'an error class; ephemdir constructs it' },
  isEphemdirError: { exempt: 'a type guard; it refuses an unknown code itself (test/errors/narrowing.test.ts)' },
  withTempdir: { signatures: ['withTempdir'] },
  withTempdirSync: { signatures: ['withTempdirSync'] },
  withTempDir: { signatures: ['withTempDir'] },
  withTempDirSync: { signatures: ['withTempDirSync'] },
  capabilities: { noArguments: true },
  removeTree: { signatures: ['removeTree'] },
  removeTreeSync: { signatures: ['removeTreeSync'] },
  removeTreeAt: { signatures: ['removeTreeAt'] },
  removeTreeAtSync: { signatures: ['removeTreeAtSync'] },
  scanTree: { signatures: ['scanTree'] },
  scanTreeSync: { signatures: ['scanTreeSync'] },
  DirHandle: {
    signatures: ['DirHandle.openDir', 'DirHandle.rename', 'DirHandle.lock'],
    exemptMethods: {
      // openDir checks the call; tryOpenDir passes its arguments straight to it.
      'DirHandle.tryOpenDir': 'delegates to openDir',
      ...Object.fromEntries(
        ['openPath', 'openSearch', 'openFile', 'stat', 'tryStat', 'unlink', 'rmdir', 'mkdir', 'readlink', 'readSmallFiles', 'statMany', 'probeMarkedDirs'].map((m) => [
          `DirHandle.${m}`,
          'one syscall on one name, no options: the addon refuses anything but a single component (EINVAL)',
        ]),
      ),
    },
  },
  openDirectory: { signatures: ['openDirectory'] },
  tempdir: { signatures: ['tempdir'] },
  tempdirSync: { signatures: ['tempdirSync'] },
  EphemeralDirectory: { signatures: ['EphemeralDirectory.extend'] },
  sweep: { signatures: ['sweep'] },
  keep: { signatures: ['keep'] },
  extend: { signatures: ['extend'] },
  remove: { signatures: ['remove'] },
  resolve: { signatures: ['resolve'] },
  explain: { signatures: ['explain'] },
  recover: { signatures: ['recover'] },
  prune: { signatures: ['prune'] },
  registered: { signatures: ['registered'] },
  list: { signatures: ['list'] },
  stats: { signatures: ['stats'] },
  last: { signatures: ['last'] },
  currentTarget: { signatures: ['currentTarget'] },
  diagnose: { signatures: ['diagnose'] },
  parseDuration: { exempt: 'a validator itself: test/core/duration.test.ts tables its refusals' },
  parseSize: { exempt: 'a validator itself: test/core/size.test.ts tables its refusals' },
  createTempDir: { signatures: ['createTempDir'] },
  root: { signatures: ['root'] },
  Root: { signatures: ['new Root'] },
  TemporaryDirectory: { noArguments: true },
  TempFiles: { signatures: ['new TempFiles', 'TempFiles.forget'] },
  defaultTempFiles: { noArguments: true },
  FileStore: { signatures: ['new FileStore', 'FileStore.create', 'FileStore.list', 'FileStore.move', 'FileStore.copy', 'FileStore.remove'] },
};

/** The same for the `ephemdir/testing` subpath. */
export const TESTING_EXPORTS: typeof EXPORTS = {
  testTempdir: { signatures: ['testTempdir'] },
  TEST_LIFETIME: { notCallable: true },
  TEST_TAG: { notCallable: true },
};

/** A function taking arguments by its name; for a class, its methods that take arguments. */
export function takesArguments(value: unknown): string[] {
  if (typeof value !== 'function') return [];
  const fn = value as { name: string; prototype?: object; length: number };
  const isClass = /^class\b/.test(Function.prototype.toString.call(fn));
  if (!isClass) return fn.length > 0 ? [fn.name] : [];
  const out: string[] = [];
  for (const key of Object.getOwnPropertyNames(fn.prototype ?? {})) {
    if (key === 'constructor') continue;
    const d = Object.getOwnPropertyDescriptor(fn.prototype, key)!;
    if (typeof d.value === 'function' && d.value.length > 0) out.push(`${fn.name}.${key}`);
  }
  return out;
}

