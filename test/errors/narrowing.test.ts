// isEphemdirError(err, code?) narrows by code. The first half is checked by
// the compiler (`npm run build:test`): an `@ts-expect-error` line that stops
// being an error fails the build, and `Equal` pins the exact field types.
// The second half checks the guard on real errors at run time.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { isolatedEnv } from '../helpers/api-env';
import { isRoot } from '../helpers/scratch';
import {
  isEphemdirError,
  EphemdirError,
  ErrorCodes,
  removeTree,
  resolve,
  tempdirSync,
  type ErrorCode,
  type EphemdirErrorOf,
  type ErrorFields,
  type RemoveTreeFailure,
} from '../../src/index';

// ---- Compile time ----------------------------------------------------------
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function expectType<T extends true>(): T | undefined {
  return undefined;
}

/** Never called: its body only has to compile (and its @ts-expect-error lines to fail). */
export function compileTimeChecks(err: unknown): void {
  // @ts-expect-error unknown has no fields until narrowed
  void err.matches;

  if (isEphemdirError(err, 'EPHEMDIR_AMBIGUOUS')) {
    expectType<Equal<typeof err.matches, string[]>>();
    expectType<Equal<typeof err.code, 'EPHEMDIR_AMBIGUOUS'>>();
    expectType<Equal<typeof err.target, string | undefined>>();
    const first: string | undefined = err.matches[0]; // required: no `?.` needed
    void first;
    void err.message;
    void (err instanceof EphemdirError);
    // @ts-expect-error an AMBIGUOUS error carries no failures
    void err.failures;
    // @ts-expect-error fields are read-only
    err.matches = [];
  }

  if (isEphemdirError(err, 'EPHEMDIR_INCOMPLETE')) {
    expectType<Equal<typeof err.failures, RemoveTreeFailure[] | undefined>>();
    expectType<Equal<typeof err.entriesRemoved, number | undefined>>();
    // @ts-expect-error some INCOMPLETE errors have no failures (postponed, wrapped): check first
    void err.failures.length;
    for (const f of err.failures ?? []) {
      void f;
      expectType<Equal<typeof f.errno, number>>();
      expectType<Equal<typeof f.code, string>>();
    }
    // @ts-expect-error an INCOMPLETE error has no matches
    void err.matches;
  }

  if (isEphemdirError(err, 'EPHEMDIR_INVALID_ARGUMENT')) {
    expectType<Equal<typeof err.where, string | undefined>>();
    expectType<Equal<typeof err.value, unknown>>();
  }

  if (isEphemdirError(err, ['EPHEMDIR_NOT_FOUND', 'EPHEMDIR_AMBIGUOUS'])) {
    expectType<Equal<typeof err.code, 'EPHEMDIR_NOT_FOUND' | 'EPHEMDIR_AMBIGUOUS'>>();
    // @ts-expect-error only the AMBIGUOUS member has matches
    void err.matches;
    if (err.code === 'EPHEMDIR_AMBIGUOUS') expectType<Equal<typeof err.matches, string[]>>();
    else expectType<Equal<typeof err.target, string | undefined>>();
  }

  if (isEphemdirError(err)) {
    expectType<Equal<typeof err.code, ErrorCode>>();
    switch (err.code) {
      case 'EPHEMDIR_AMBIGUOUS':
        expectType<Equal<typeof err.matches, string[]>>();
        break;
      case 'EPHEMDIR_NATIVE_UNAVAILABLE':
        expectType<Equal<typeof err.tried, Array<{ file: string; reason: string }> | undefined>>();
        break;
      default:
        // @ts-expect-error not every code has matches
        void err.matches;
    }
  }

  // @ts-expect-error not a code
  isEphemdirError(err, 'EPHEMDIR_NOPE');
  // @ts-expect-error not a code
  isEphemdirError(err, 'ENOENT');
  const code: ErrorCode = 'EPHEMDIR_BUSY';
  void code;
  // @ts-expect-error ErrorCode is the union of the codes, not string
  const notACode: ErrorCode = 'EPHEMDIR_NOPE';
  void notACode;
  expectType<Equal<EphemdirErrorOf<'EPHEMDIR_AMBIGUOUS'>['matches'], string[]>>();
  expectType<Equal<keyof ErrorFields, ErrorCode>>();
  expectType<Equal<(typeof ErrorCodes)[keyof typeof ErrorCodes], ErrorCode>>();
}

// ---- Run time --------------------------------------------------------------
const env = isolatedEnv('narrowing');
after(() => env.cleanup());

test('an ambiguous prefix: isEphemdirError narrows to an error with matches', async () => {
  const a = tempdirSync({ parent: env.work, prefix: 'amb-' });
  const b = tempdirSync({ parent: env.work, prefix: 'amb-' });
  const err = await resolve('amb-').then(
    () => assert.fail('resolved'),
    (e: unknown) => e,
  );
  assert.equal(isEphemdirError(err), true);
  assert.equal(isEphemdirError(err, 'EPHEMDIR_AMBIGUOUS'), true);
  assert.equal(isEphemdirError(err, ['EPHEMDIR_NOT_FOUND', 'EPHEMDIR_AMBIGUOUS']), true);
  assert.equal(isEphemdirError(err, 'EPHEMDIR_NOT_FOUND'), false);
  if (!isEphemdirError(err, 'EPHEMDIR_AMBIGUOUS')) return assert.fail('not narrowed');
  assert.deepEqual(err.matches, [a.path, b.path].sort());
  assert.equal(err.target, 'amb-');
  a.removeSync();
  b.removeSync();
});

test('a lookup that matches nothing is EPHEMDIR_NOT_FOUND with target', async () => {
  const err = await resolve('no-such-thing').catch((e: unknown) => e);
  assert.ok(isEphemdirError(err, 'EPHEMDIR_NOT_FOUND'));
  assert.equal(err.target, 'no-such-thing');
});

test('an incomplete removal narrows to an error with the engine failures', { skip: !isRoot && 'chattr +i needs root' }, async (t) => {
  const tree = path.join(env.work, 'tree');
  fs.mkdirSync(path.join(tree, 'a'), { recursive: true });
  const pinned = path.join(tree, 'a', 'pinned');
  fs.writeFileSync(pinned, 'x');
  try {
    execFileSync('chattr', ['+i', pinned], { stdio: 'ignore' });
  } catch {
    t.skip('this filesystem does not support chattr +i');
    return;
  }
  try {
    const err = await removeTree(tree).catch((e: unknown) => e);
    assert.ok(isEphemdirError(err, 'EPHEMDIR_INCOMPLETE'), String(err));
    assert.equal(err.failures?.length, 1);
    assert.deepEqual({ ...err.failures![0]! }, { path: pinned, code: 'EPERM', errno: -1, syscall: 'unlink' });
  } finally {
    execFileSync('chattr', ['-i', pinned]);
    fs.rmSync(tree, { recursive: true, force: true });
  }
});

test('bad input is EPHEMDIR_INVALID_ARGUMENT with where and value', () => {
  let err: unknown;
  try {
    tempdirSync({ parent: env.work, lifetime: 'soon' });
  } catch (e) {
    err = e;
  }
  assert.ok(isEphemdirError(err, 'EPHEMDIR_INVALID_ARGUMENT'));
  assert.equal(err.where, 'option lifetime');
  assert.equal(err.value, 'soon');
});

test('only errors with one of our codes count; the class does not matter', () => {
  const enoent = (() => {
    try {
      fs.readFileSync(path.join(env.work, 'missing'));
    } catch (e) {
      return e;
    }
  })();
  assert.equal(isEphemdirError(enoent), false, 'a system error');
  assert.equal(isEphemdirError(new Error('plain')), false);
  assert.equal(isEphemdirError(Object.assign(new Error('x'), { code: 'EPHEMDIR_SOMETHING_ELSE' })), false, 'an unknown EPHEMDIR_ code');
  assert.equal(isEphemdirError({ code: 'EPHEMDIR_BUSY', message: 'not an Error' }), false, 'not an Error');
  assert.equal(isEphemdirError(null), false);
  assert.equal(isEphemdirError('EPHEMDIR_BUSY'), false);
  // an error made by another copy of ephemdir (another class, same code)
  const foreign = Object.assign(new Error('held'), { code: 'EPHEMDIR_BUSY' });
  assert.equal(isEphemdirError(foreign, 'EPHEMDIR_BUSY'), true);
  for (const code of Object.values(ErrorCodes)) {
    assert.equal(isEphemdirError(new EphemdirError(code, 'x'), code), true, code);
  }
});

test('a code that is not ours is refused, not silently never matched', () => {
  for (const bad of ['EPHEMDIR_NOPE', 'ENOENT', '', [], ['EPHEMDIR_BUSY', 'X'], 1, null, {}]) {
    assert.throws(() => isEphemdirError(new Error('x'), bad as never), (e: unknown) => {
      assert.ok(isEphemdirError(e, 'EPHEMDIR_INVALID_ARGUMENT'));
      assert.match(e.message, /^isEphemdirError: argument code: invalid value .*: expected an EPHEMDIR_\* code/);
      assert.equal(e.where, 'argument code');
      return true;
    });
  }
});
