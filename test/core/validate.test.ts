import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  validateCleanup,
  validateComponent,
  validateDescription,
  validateNameStyle,
  validatePrefix,
  validateTags,
  validateWords,
} from '../../src/core/validate';
import { itRejects, label, type Invalid } from '../helpers/invalid';

function table<T>(name: string, fn: (v: unknown) => T, valid: Array<[unknown, T]>, invalid: Invalid): void {
  describe(name, () => {
    for (const [input, expected] of valid) {
      it(`accepts ${label(input)}`, () => assert.deepEqual(fn(input), expected));
    }
    itRejects(fn, invalid);
  });
}

table(
  'validatePrefix',
  validatePrefix,
  [
    ['', ''],
    ['scratch-', 'scratch-'],
    ['build_', 'build_'],
    ['.hidden-', '.hidden-'],
    ['with space ', 'with space '],
    ['café-', 'café-'],
    ['x'.repeat(64), 'x'.repeat(64)],
    ['é'.repeat(32), 'é'.repeat(32)],
  ],
  [
    [['scratch-'], 'an array', /expected a string/],
    [null, 'null'],
    [undefined, 'undefined'],
    [42, '42'],
    [{ toString: () => 'x' }, 'an object'],
    ['a/b', "'a/b'", /'\/'/],
    ['../', "'../'", /'\/'/],
    ['/abs', "'/abs'"],
    ['back\\slash', "'back\\\\slash'", /backslash/],
    ['.', "'.'", /reserved/],
    ['..', "'..'", /reserved/],
    ['-rf', "'-rf'", /option/],
    ['nul\u0000', "'nul\\x00'", /control/],
    ['tab\t', "'tab\\x09'", /control/],
    ['esc\u001b[1m', "'esc\\x1b[1m'", /control/],
    ['del\u007f', "'del\\x7f'", /control/],
    ['c1\u0085', "'c1\\u{85}'", /control/],
    ['rlo\u202e', "'rlo\\u{202e}'", /invisible/],
    ['zw\u200d', "'zw\\u{200d}'"],
    ['lone\ud800', "'lone\\u{d800}'"],
    ['x'.repeat(65), "'xxxxx", /64 bytes/],
    ['é'.repeat(33), "'éééé", /64 bytes/],
  ],
);

table(
  'validateWords',
  validateWords,
  [
    [1, 1],
    [2, 2],
    [4, 4],
  ],
  [
    [0, '0', /1 to 4/],
    [5, '5'],
    [-1, '-1'],
    [2.5, '2.5'],
    [NaN, 'NaN'],
    ['2', "'2'"],
    [true, 'true (a boolean)'],
    [null, 'null'],
    [2n, '2n'],
  ],
);

table(
  'validateTags',
  validateTags,
  [
    [null, []],
    [undefined, []],
    [[], []],
    [['ci'], ['ci']],
    [['build', 'ci', 'build', 'x.y_z-1'], ['build', 'ci', 'x.y_z-1']],
    [['0day'], ['0day']],
    [['a'.repeat(32)], ['a'.repeat(32)]],
    [Array.from({ length: 16 }, (_, i) => `t${i}`), Array.from({ length: 16 }, (_, i) => `t${i}`)],
    [[...Array.from({ length: 16 }, (_, i) => `t${i}`), 't0', 't1'], Array.from({ length: 16 }, (_, i) => `t${i}`)],
  ],
  [
    ['ci', "'ci'", /not a single string/],
    [{ 0: 'ci' }, 'an object'],
    [['Upper'], "'Upper'"],
    [[''], "''"],
    [['-lead'], "'-lead'"],
    [['.lead'], "'.lead'"],
    [['has space'], "'has space'"],
    [['a'.repeat(33)], `'${'a'.repeat(33)}'`],
    [['ok', 7], '7'],
    [['ok', null], 'null'],
    [['ctl\u001b'], "'ctl\\x1b'"],
    [Array.from({ length: 17 }, (_, i) => `t${i}`), '17 distinct tags', /at most 16/],
  ],
);

table(
  'validateDescription',
  validateDescription,
  [
    [null, null],
    [undefined, null],
    ['', null],
    ['nightly build cache', 'nightly build cache'],
    ['naïve café ☕', 'naïve café ☕'],
    ['d'.repeat(256), 'd'.repeat(256)],
  ],
  [
    [42, '42', /string/],
    [['x'], 'an array'],
    ['two\nlines', "'two\\x0alines'", /control/],
    ['bell\u0007', "'bell\\x07'"],
    ['bidi\u202e', "'bidi\\u{202e}'"],
    ['sep\u2028', "'sep\\u{2028}'"],
    ['d'.repeat(257), "'dddd", /256 bytes/],
    ['€'.repeat(86), "'€€€", /256 bytes/],
  ],
);

table(
  'validateNameStyle',
  validateNameStyle,
  [
    ['secure', 'secure'],
    ['clean', 'clean'],
    ['auto', 'auto'],
    ['funny', 'secure'],
  ],
  [
    ['Secure', "'Secure'", /'secure', 'clean' or 'auto'/],
    ['', "''"],
    [null, 'null'],
    [1, '1'],
  ],
);

table(
  'validateCleanup',
  validateCleanup,
  [
    ['auto', 'auto'],
    ['next-sweep', 'next-sweep'],
  ],
  [
    ['next_sweep', "'next_sweep'", /'auto' or 'next-sweep'/],
    ['until-sweep', "'until-sweep'"],
    [undefined, 'undefined'],
    [true, 'true (a boolean)'],
  ],
);

table(
  'validateComponent',
  validateComponent,
  [
    ['file.txt', 'file.txt'],
    ['.hidden', '.hidden'],
    ['...', '...'],
    ['-dash', '-dash'],
    ['with\\backslash', 'with\\backslash'],
    ['x'.repeat(255), 'x'.repeat(255)],
    ['日本', '日本'],
  ],
  [
    ['', "''", /empty/],
    ['.', "'.'", /reserved/],
    ['..', "'..'", /reserved/],
    ['a/b', "'a/b'", /single path component/],
    ['/', "'/'"],
    ['a\u0000b', "'a\\x00b'", /NUL/],
    ['x\udc00', "'x\\u{dc00}'", /surrogate/],
    ['x'.repeat(256), "'xxxx", /255 bytes/],
    ['日'.repeat(86), "'日日日", /255 bytes/],
    [['a'], 'an array'],
    [Buffer.from('a'), 'a Buffer'],
    [null, 'null'],
  ],
);
