// The declarative checker (core/options.ts): each spec and the call check,
// decided by table without any I/O.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  boolean,
  callProblem,
  checkCall,
  component,
  finiteNumber,
  fsPath,
  func,
  integer,
  nameValue,
  nullable,
  oneOf,
  optional,
  optionsProblem,
  pathList,
  pathString,
  record,
  signature,
  validatedBy,
  type ValueSpec,
} from '../../src/core/options';
import { parseDuration } from '../../src/core/duration';
import { label } from '../helpers/invalid';

function specTable(name: string, spec: ValueSpec, good: unknown[], badRows: Array<[unknown, string]>): void {
  describe(name, () => {
    for (const v of good) it(`accepts ${label(v)}`, () => assert.equal(spec.problem(v), null));
    for (const [v, shown] of badRows) {
      it(`refuses ${label(v)}`, () => {
        const why = spec.problem(v);
        assert.ok(why !== null, 'expected a problem');
        assert.ok(why.includes(shown), `${JSON.stringify(why)} should show ${shown}`);
      });
    }
  });
}

specTable('boolean', boolean(), [true, false], [
  ['true', "'true'"],
  ['false', "'false'"],
  [1, '1'],
  [0, '0'],
  [null, 'null'],
  [Infinity, 'Infinity'],
  [NaN, 'NaN'],
  [{}, 'an object'],
  [[], 'an array'],
]);

specTable('integer(1, 64)', integer(1, 64), [1, 64, 8], [
  [0, '0'],
  [65, '65'],
  [1.5, '1.5'],
  [-1, '-1'],
  ['8', "'8'"],
  [NaN, 'NaN'],
  [Infinity, 'Infinity'],
  [null, 'null'],
  [true, 'true'],
  [8n, '8n'],
]);

specTable('finiteNumber(0)', finiteNumber(0), [0, 1.5, 1e9], [
  [-0.5, '-0.5'],
  [Infinity, 'Infinity'],
  [NaN, 'NaN'],
  ['1', "'1'"],
]);

specTable("oneOf('a', 'b')", oneOf('a', 'b'), ['a', 'b'], [
  ['A', "'A'"],
  ['', "''"],
  ['c', "'c'"],
  [1, '1'],
  [['a'], 'an array'],
]);

specTable('func', func(), [() => 0, async () => 0], [
  ['f', "'f'"],
  [{}, 'an object'],
  [null, 'null'],
]);

specTable('pathString', pathString(), ['/a', 'rel', '~/x'], [
  ['', "''"],
  ['a\0b', "'a\\x00b'"],
  [Buffer.from('/a'), 'a Buffer'],
  [1, '1'],
]);

specTable('pathString absolute', pathString({ absolute: true }), ['/', '/a/b'], [
  ['a/b', "'a/b'"],
  ['./x', "'./x'"],
]);

specTable('fsPath', fsPath(), ['/a', 'rel', Buffer.from('/a'), new URL('file:///tmp/x')], [
  ['', "''"],
  [Buffer.alloc(0), 'a Buffer'],
  [Buffer.from('a\0b'), 'a Buffer'],
  [new URL('http://example.com/x'), 'an object'],
  [42, '42'],
]);

specTable('fsPath absolute', fsPath({ absolute: true }), ['/a', Buffer.from('/a'), new URL('file:///tmp/x')], [
  ['a', "'a'"],
  [Buffer.from('a'), 'a Buffer'],
  ['', "''"],
]);

specTable('pathList', pathList(), [[], ['/a', 'b']], [
  ['/a', "'/a'"],
  [[1], 'element 0'],
  [['/a', ''], 'element 1'],
]);

specTable('component', component(), ['a', '.marker', Buffer.from([0xff])], [
  ['', "''"],
  ['.', "'.'"],
  ['..', "'..'"],
  ['a/b', "'a/b'"],
  [Buffer.from('a/b'), 'a Buffer'],
  [7, '7'],
]);

specTable('nameValue', nameValue(), ['a', 'a/b', Buffer.from('x')], [
  [1, '1'],
  [null, 'null'],
  [{}, 'an object'],
]);

specTable('record', record({ dev: integer(0, 9), ino: integer(0, 9) }, '{ dev, ino }'), [{ dev: 1, ino: 2 }], [
  [null, 'null'],
  [[1, 2], 'an array'],
  [{ dev: 1 }, 'ino: invalid value undefined'],
  [{ dev: '1', ino: 2 }, "dev: invalid value '1'"],
  [{ dev: 1, ino: 2, extra: 3 }, "unexpected key 'extra'"],
]);

specTable('nullable(validatedBy(parseDuration))', nullable(validatedBy('a duration', (v) => parseDuration(v as never))), [null, 5, '1h'], [
  ['1 hour later', "'1 hour later'"],
  [-5, '-5'],
  [true, 'true'],
]);

specTable('nullable(integer)', nullable(integer(0, 9)), [null, 0], [['1', "invalid value '1': expected an integer from 0 to 9, or null"]]);

specTable('optional(boolean)', optional(boolean()), [undefined, true], [[null, 'invalid value null: expected true or false, or undefined']]);

describe('validatedBy', () => {
  it('lets an error other than EPHEMDIR_INVALID_ARGUMENT through (a bug, not bad input)', () => {
    const spec = validatedBy('x', () => {
      throw new TypeError('boom');
    });
    assert.throws(() => spec.problem(1), TypeError);
  });
});

describe('optionsProblem', () => {
  const table = { keepRoot: boolean(), maxEntries: integer(1, 10) };
  const rows: Array<[unknown, string | null]> = [
    [undefined, null],
    [{}, null],
    [{ keepRoot: true, maxEntries: 3 }, null],
    [{ keepRoot: undefined }, null],
    [null, 'f: invalid options null: expected an object or undefined'],
    ['yes', "f: invalid options 'yes'"],
    [1, 'f: invalid options 1'],
    [[], 'f: invalid options an array'],
    [() => 0, 'f: invalid options a function'],
    [{ keeproot: true }, "f: unknown option 'keeproot' (did you mean keepRoot?); known options: keepRoot, maxEntries"],
    [{ keepRot: true }, '(did you mean keepRoot?)'],
    [{ bogus: 1 }, "f: unknown option 'bogus'; known options"],
    [{ keepRoot: 'true' }, "f: option keepRoot: invalid value 'true': expected true or false"],
    [{ keepRoot: true, maxEntries: 0 }, 'f: option maxEntries: invalid value 0: expected an integer from 1 to 10'],
    // A value inherited from the prototype is read by the function body, so it is checked too.
    [Object.create({ keepRoot: 1 }), 'f: option keepRoot: invalid value 1'],
    // Names that could corrupt a terminal are escaped.
    [{ 'a\u001b[2Jb': 1 }, "unknown option 'a\\x1b[2Jb'"],
  ];
  for (const [options, expected] of rows) {
    it(`${label(options)} -> ${expected ?? 'fine'}`, () => {
      const p = optionsProblem('f', table, options);
      if (expected === null) assert.equal(p, null);
      else {
        assert.ok(p, 'expected a problem');
        assert.ok(p.message.includes(expected), `${JSON.stringify(p.message)} should contain ${JSON.stringify(expected)}`);
      }
    });
  }

  it('a function that takes no options says so', () => {
    assert.match(optionsProblem('g', {}, { x: 1 })!.message, /unknown option 'x'; it takes no options/);
  });
});

describe('callProblem / checkCall', () => {
  const sig = signature('extend', { target: pathString(), lifetime: nullable(integer(0, 100)) }, { relative: boolean() });

  it('checks positional arguments in order, then the options', () => {
    assert.equal(callProblem(sig, ['x', 5], { relative: true }), null);
    assert.equal(callProblem(sig, ['x', null]), null);
    assert.equal(callProblem(sig, ['', 'x'], { relative: 1 })!.where, 'argument target');
    assert.equal(callProblem(sig, ['x', 'x'], { relative: 1 })!.where, 'argument lifetime');
    assert.equal(callProblem(sig, ['x', 1], { relative: 1 })!.where, 'option relative');
    assert.equal(callProblem(sig, ['x'])!.message, 'extend: argument lifetime: invalid value undefined: expected an integer from 0 to 100, or null');
  });

  it('a signature without options ignores the options argument', () => {
    assert.equal(callProblem(signature('keep', { target: pathString() }), ['x'], 'anything'), null);
  });

  it('throws EPHEMDIR_INVALID_ARGUMENT carrying where and value', () => {
    assert.throws(
      () => checkCall(sig, ['x', 1], { relative: 'no' }),
      (err: unknown) => {
        const e = err as { code: string; where: string; value: unknown; message: string };
        assert.equal(e.code, 'EPHEMDIR_INVALID_ARGUMENT');
        assert.equal(e.where, 'option relative');
        assert.equal(e.value, 'no');
        assert.equal(e.message, "extend: option relative: invalid value 'no': expected true or false");
        return true;
      },
    );
  });
});
