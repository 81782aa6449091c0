// Every option and positional argument of every public function, given a
// wrong type or value, is refused with EPHEMDIR_INVALID_ARGUMENT naming the
// option and the value, before anything is touched: the scratch tree (work
// files, the tracked directory, the registry, the removeTree target) is the
// same afterwards. Async functions reject, sync ones throw. The second part
// checks that this table covers every export of the package and every
// option of every signature.
//
// The calls below would delete things if a check regressed (removeTree('')
// once removed the current directory), so the process first moves into a
// scratch directory: a regression fails the test without harming the checkout.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isolatedEnv } from '../helpers/api-env';
import * as pkg from '../../src/index';
import * as testing from '../../src/testing';
import { describeValue } from '../../src/core/humanize';
import type { Signature } from '../../src/core/options';
import { API_SIGNATURES } from '../../src/api/signatures';
import { FS_SIGNATURES } from '../../src/fs/signatures';
import { COMPANION_SIGNATURES } from '../../src/companions/signatures';
import type {
  CreateTempDirOptions,
  ExtendOptions,
  ListOptions,
  RecoverOptions,
  RemoveTreeOptions,
  RootOptions,
  ScanTreeOptions,
  SweepOptions,
  TempdirOptions,
  TempFilesOptions,
} from '../../src/index';
import type { WalkOptions } from '../../src/fs/walk';

const env = isolatedEnv('args');
const originalCwd = process.cwd();
const sacrificialCwd = path.join(env.root, 'cwd');
fs.mkdirSync(sacrificialCwd);
process.chdir(sacrificialCwd);
after(() => {
  process.chdir(originalCwd);
  env.cleanup();
});

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
const MILLIS = [-1, NaN, Infinity, '1', true, {}, []];
const AREA = ['', 'TMP', 'foo', 1, null, true, {}, []];
const TARGET = ['', 'a\0b', 1, null, undefined, true, {}, []];
const BAD_OPTION_OBJECTS = [null, 'x', 1, true, [], () => 0];

/** One bad-value list for every key of an options type `T` (the compiler checks the keys). */
type Bad<T> = { [K in keyof Required<T>]-?: unknown[] };

interface Case {
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

// ---- Fixtures (made once; nothing may change them) ----
// A 7-day directory: a forced sweep would delete it, a normal one not.
const tracked = pkg.tempdirSync({ parent: env.work, lifetime: '7d', tags: ['args'] });
const tree = path.join(env.work, 'tree');
fs.mkdirSync(path.join(tree, 'a', 'b'), { recursive: true });
fs.writeFileSync(path.join(tree, 'a', 'b', 'file'), 'data');
const storeDir = path.join(env.work, 'store');
const store = new pkg.FileStore(storeDir);
store.prepare();
fs.writeFileSync(path.join(storeDir, 'tmp', 'f1'), 'one');
const workHandle = pkg.openDirectory(env.work);
const closedHandle = pkg.openDirectory(env.work);
closedHandle.close();
const tempFiles = new pkg.TempFiles({ root: env.root });
after(() => {
  workHandle.close();
  tempFiles.cleanup();
});

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
};
const SWEEP_BAD: Bad<SweepOptions> = { dryRun: BOOL, force: BOOL, tags: TAGS, mode: ENUM, onProgress: FUNC };
const LIST_BAD: Bad<ListOptions> = { tags: TAGS };
const EXTEND_BAD: Bad<ExtendOptions> = { relative: BOOL };
const RECOVER_BAD: Bad<RecoverOptions> = { forget: BOOL };
const REMOVE_TREE_BAD: Bad<RemoveTreeOptions> = {
  protect: PATH_LIST,
  repairPermissions: BOOL,
  maxRescans: int(0, 1_000_000),
  skipLocked: BOOL,
  removeLast: COMPONENT,
  keepRoot: BOOL,
  expect: IDENTITY,
  onProgress: FUNC,
  parallel: int(1, 64),
  maxOpenDirs: int(2, 4096),
  maxEntries: int(1, Number.MAX_SAFE_INTEGER),
};
const SCAN_TREE_BAD: Bad<ScanTreeOptions> = {
  maxEntries: int(0, Number.MAX_SAFE_INTEGER),
  maxDepth: int(0, Number.MAX_SAFE_INTEGER),
  timeoutMs: int(0, Number.MAX_SAFE_INTEGER),
  stopAboveBytes: int(0, Number.MAX_SAFE_INTEGER),
  maxOpenDirs: int(1, 4096),
};
const WALK_BAD: Bad<WalkOptions> = { trust: ENUM, final: ENUM, create: BOOL };
const CREATE_TEMP_DIR_BAD: Bad<CreateTempDirOptions> = { dir: ABSOLUTE, prefix: PREFIX };
const ROOT_BAD: Bad<RootOptions> = { timeout: DURATION, timeoutMs: MILLIS, prefix: PREFIX };
const TEMP_FILES_BAD: Bad<TempFilesOptions> = { root: ABSOLUTE, prefix: PREFIX };

const HANDLE_BAD = [closedHandle, null, 'x', 1, {}, []];
const SCAN_TARGET_BAD = ['', 'a\0b', 1, null, true, [], { parent: 'x', name: 'tree' }, { name: 'tree' }, { parent: closedHandle, name: 'tree' }];

// A test context whose after hook is never run: a broken check would leave a directory, which the snapshot sees.
const testContext = { after() {} };
const TEST_CONTEXT_BAD = [null, undefined, {}, { after: 1 }, 'x', 1, true, []];

const CASES: Case[] = [
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
  { name: 'keep', async: true, args: () => [tracked.name], call: (a) => pkg.keep(a[0] as never), badArgs: { target: TARGET }, badOptions: null },
  {
    name: 'extend',
    async: true,
    args: () => [tracked.name, '1h'],
    call: (a, o) => pkg.extend(a[0] as never, a[1] as never, o as never),
    badArgs: { target: TARGET, lifetime: [...DURATION, '+', '+abc', undefined] },
    badOptions: EXTEND_BAD,
  },
  { name: 'remove', async: true, args: () => [tracked.name], call: (a) => pkg.remove(a[0] as never), badArgs: { target: TARGET }, badOptions: null },
  { name: 'resolve', async: true, args: () => [tracked.name], call: (a) => pkg.resolve(a[0] as never), badArgs: { target: TARGET }, badOptions: null },
  { name: 'explain', async: true, args: () => [tracked.name], call: (a) => pkg.explain(a[0] as never), badArgs: { target: TARGET }, badOptions: null },
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
    call: (a) => pkg.currentTarget(a[0] as never),
    badArgs: { cwd: ['', 'a\0b', 1, null, true, {}] },
    badOptions: null,
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

// ---- Nothing touched ----
/** Every entry under the scratch root with what a change would alter (atime aside). */
function snapshot(): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (dir: string) => {
    for (const name of fs.readdirSync(dir)) {
      const p = path.join(dir, name);
      const st = fs.lstatSync(p);
      out.set(p, `${st.ino} ${st.mode.toString(8)} ${st.size} ${st.nlink} ${st.mtimeMs} ${st.ctimeMs}`);
      if (st.isDirectory()) walk(p);
    }
  };
  walk(env.root);
  return out;
}

function isPrimitive(v: unknown): boolean {
  return v === null || (typeof v !== 'object' && typeof v !== 'function');
}

function checkError(err: unknown, where: string, value: unknown): void {
  const e = err as { code?: unknown; message?: unknown };
  assert.equal(e?.code, 'EPHEMDIR_INVALID_ARGUMENT', `expected EPHEMDIR_INVALID_ARGUMENT, got ${String(err)}`);
  const message = String(e.message);
  assert.ok(message.includes(where), `message ${JSON.stringify(message)} should name ${where}`);
  // Arrays and objects are named by kind; tags are checked one by one (the message shows the bad element).
  if (isPrimitive(value)) {
    assert.ok(message.includes(describeValue(value)), `message ${JSON.stringify(message)} should show ${describeValue(value)}`);
  }
  assert.ok(!/[\x00-\x08\x0b-\x1f\x7f\u202e]/.test(message), `message ${JSON.stringify(message)} carries raw control characters`);
}

/** Calls and checks the refusal: a sync function throws, an async one returns a rejected promise. */
async function expectRefusal(c: Case, args: unknown[], options: unknown, where: string, value: unknown): Promise<void> {
  const before = snapshot();
  let result: unknown;
  let thrown: unknown = null;
  let threw = false;
  try {
    result = c.call(args, options);
  } catch (err) {
    threw = true;
    thrown = err;
  }
  if (c.async) {
    assert.equal(threw, false, `${c.name} threw synchronously: ${String(thrown)}`);
    assert.ok(result instanceof Promise, `${c.name} did not return a promise`);
    await assert.rejects(result, (err) => {
      checkError(err, where, value);
      return true;
    });
  } else {
    assert.equal(threw, true, `${c.name} accepted ${describeValue(value)} for ${where}`);
    checkError(thrown, where, value);
  }
  assert.deepEqual(snapshot(), before, `${c.name} changed the scratch tree`);
}

function optionsFor(c: Case, key: string, value: unknown): Record<string, unknown> {
  return { ...(c.base?.() ?? {}), [key]: value };
}

function typo(key: string): string {
  return key.toLowerCase() === key ? `${key}s` : key.toLowerCase();
}

for (const c of CASES) {
  describe(c.name, () => {
    for (const [arg, values] of Object.entries(c.badArgs)) {
      it(`refuses bad argument ${arg}`, async () => {
        const index = signatureOf(c.name).args.findIndex(([n]) => n === arg);
        for (const value of values) {
          const args = c.args();
          args[index] = value;
          await expectRefusal(c, args, c.base?.(), `argument ${arg}`, value);
        }
      });
    }
    if (c.badOptions === null) return;
    for (const [key, values] of Object.entries(c.badOptions)) {
      it(`refuses bad option ${key}`, async () => {
        for (const value of values) await expectRefusal(c, c.args(), optionsFor(c, key, value), `option ${key}`, value);
      });
      it(`refuses the misspelt option ${typo(key)}`, async () => {
        await expectRefusal(c, c.args(), optionsFor(c, typo(key), true), 'unknown option', typo(key));
      });
    }
    it('refuses an options value that is not an object', async () => {
      for (const value of BAD_OPTION_OBJECTS) await expectRefusal(c, c.args(), value, 'invalid options', value);
    });
  });
}

describe('the headline cases of issues 10 and 13', () => {
  it("sweep({ force: 'false' }) deletes nothing (it used to force-delete a 7-day directory)", async () => {
    await assert.rejects(pkg.sweep({ force: 'false' as never }), { code: 'EPHEMDIR_INVALID_ARGUMENT' });
    assert.ok(fs.existsSync(tracked.path));
    const report = await pkg.sweep({ tags: ['args'] });
    assert.equal(report.removed.length, 0, 'a 7-day directory is not due');
    assert.ok(fs.existsSync(tracked.path));
  });

  it("list({ tags: 'x' }) is an EPHEMDIR_INVALID_ARGUMENT, not a TypeError", async () => {
    await assert.rejects(pkg.list({ tags: 'x' as never }), { code: 'EPHEMDIR_INVALID_ARGUMENT' });
  });

  for (const keepRoot of ['true', 1, null, Infinity]) {
    it(`removeTree(p, { keepRoot: ${describeValue(keepRoot)} }) leaves the root (and everything else)`, async () => {
      await assert.rejects(pkg.removeTree(tree, { keepRoot: keepRoot as never }), { code: 'EPHEMDIR_INVALID_ARGUMENT' });
      assert.throws(() => pkg.removeTreeSync(tree, { keepRoot: keepRoot as never }), { code: 'EPHEMDIR_INVALID_ARGUMENT' });
      assert.ok(fs.existsSync(path.join(tree, 'a', 'b', 'file')));
    });
  }

  it('a typo such as { keeproot: true } is refused, not taken as the default', () => {
    assert.throws(() => pkg.removeTreeSync(tree, { keeproot: true } as never), /unknown option 'keeproot' \(did you mean keepRoot\?\)/);
    assert.ok(fs.existsSync(path.join(tree, 'a', 'b', 'file')));
  });

  it('undefined options and undefined option values mean the defaults', async () => {
    assert.ok(Array.isArray(await pkg.list(undefined)));
    assert.ok(Array.isArray(await pkg.list({ tags: undefined })));
    assert.equal(pkg.scanTreeSync(tree, { maxDepth: undefined }).complete, true);
  });
});

// ---- Coverage ----
const ALL_SIGNATURES: Signature[] = [...API_SIGNATURES, ...FS_SIGNATURES, ...COMPANION_SIGNATURES];

function signatureOf(name: string): Signature {
  const sig = ALL_SIGNATURES.find((s) => s.name === name);
  if (!sig) throw new Error(`no signature named ${name}`);
  return sig;
}

/**
 * What each export of the package is, and where its arguments are checked.
 * A new export fails the test below until it is listed here (and, when it
 * takes arguments, given a signature and a row in CASES).
 */
const EXPORTS: Record<string, { signatures: string[] } | { noArguments: true } | { notCallable: true } | { exempt: string }> = {
  ErrorCodes: { notCallable: true },
  AREAS: { notCallable: true },
  EphemdirError: { exempt: 'an error class; ephemdir constructs it' },
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
  DirHandle: { exempt: 'the low-level fd handle behind openDirectory; its methods are single syscalls on names' },
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
  prune: { noArguments: true },
  registered: { noArguments: true },
  list: { signatures: ['list'] },
  stats: { noArguments: true },
  last: { noArguments: true },
  currentTarget: { signatures: ['currentTarget'] },
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
const TESTING_EXPORTS: typeof EXPORTS = {
  testTempdir: { signatures: ['testTempdir'] },
  TEST_LIFETIME: { notCallable: true },
  TEST_TAG: { notCallable: true },
};

/** A function taking arguments by its name; for a class, its methods that take arguments. */
function takesArguments(value: unknown): string[] {
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

describe('coverage', () => {
  it('every export of the package is listed, and nothing else', () => {
    assert.deepEqual(Object.keys(pkg).sort(), Object.keys(EXPORTS).sort());
  });

  it('every export of ephemdir/testing is listed, and nothing else', () => {
    assert.deepEqual(Object.keys(testing).sort(), Object.keys(TESTING_EXPORTS).sort());
  });

  it('every export that takes arguments has its signatures; the rest take none', () => {
    const all: Array<[string, unknown, (typeof EXPORTS)[string]]> = [
      ...Object.entries(EXPORTS).map(([n, k]) => [n, (pkg as Record<string, unknown>)[n], k] as [string, unknown, (typeof EXPORTS)[string]]),
      ...Object.entries(TESTING_EXPORTS).map(([n, k]) => [n, (testing as Record<string, unknown>)[n], k] as [string, unknown, (typeof EXPORTS)[string]]),
    ];
    for (const [name, value, kind] of all) {
      if ('notCallable' in kind) assert.notEqual(typeof value, 'function', name);
      if ('noArguments' in kind) assert.deepEqual(takesArguments(value), [], `${name} takes arguments: give it a signature`);
      if ('signatures' in kind) {
        for (const s of kind.signatures) signatureOf(s);
        for (const method of takesArguments(value)) assert.ok(kind.signatures.includes(method), `${method} takes arguments but has no signature`);
      }
    }
  });

  it('every signature has a row, and each row has bad values for exactly its arguments and options', () => {
    const listed = new Set([...Object.values(EXPORTS), ...Object.values(TESTING_EXPORTS)].flatMap((k) => ('signatures' in k ? k.signatures : [])));
    for (const sig of ALL_SIGNATURES) {
      assert.ok(listed.has(sig.name), `${sig.name} is not reachable from an export in EXPORTS`);
      const c = CASES.find((x) => x.name === sig.name);
      assert.ok(c, `no row for ${sig.name}`);
      assert.deepEqual(Object.keys(c.badArgs).sort(), sig.args.map(([n]) => n).sort(), `${sig.name}: positional arguments`);
      assert.deepEqual(Object.keys(c.badOptions ?? {}).sort(), Object.keys(sig.options ?? {}).sort(), `${sig.name}: options`);
      for (const [k, v] of [...Object.entries(c.badArgs), ...Object.entries(c.badOptions ?? {})]) assert.ok(v.length > 0, `${sig.name}: ${k}`);
    }
    assert.equal(CASES.length, ALL_SIGNATURES.length);
  });
});
