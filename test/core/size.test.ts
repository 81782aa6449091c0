import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { EphemdirError } from '../../src/errors';
import { SIZE_GRAMMAR, formatSize, parseSize } from '../../src/core/size';
import { assertInvalid, itMaps, itRejects, type Invalid } from '../helpers/invalid';

const KIB = 1024;
const MIB = 1024 ** 2;
const GIB = 1024 ** 3;
const TIB = 1024 ** 4;

describe('parseSize: valid input', () => {
  const cases: Array<[number | string | null, number | null]> = [
    [null, null],
    [0, 0],
    [-0, 0],
    [4096, 4096],
    [Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
    ['0', 0],
    ['500', 500],
    ['500B', 500],
    ['500 b', 500],
    ['10k', 10_000],
    ['10K', 10_000],
    ['10kb', 10_000],
    ['10 KB', 10_000],
    ['3m', 3_000_000],
    ['3MB', 3_000_000],
    ['1.5 GB', 1_500_000_000],
    ['2g', 2_000_000_000],
    ['1TB', 1e12],
    ['1t', 1e12],
    ['0.5KiB', 512],
    ['0.1 KiB', 102],
    ['1kib', KIB],
    ['12MiB', 12 * MIB],
    ['2GiB', 2 * GIB],
    ['2 gib', 2 * GIB],
    ['3TiB', 3 * TIB],
    ['1.5B', 1],
    ['  64 MiB  ', 64 * MIB],
    ['9007199254740991', Number.MAX_SAFE_INTEGER],
    ['0.000001KB', 0],
  ];
  itMaps(parseSize, cases);
});

describe('parseSize: invalid input', () => {
  const cases: Invalid = [
    ['', "''", /empty/],
    [' ', "' '", /empty/],
    ['-5MB', "'-5MB'", /negative/],
    ['+5MB', "'+5MB'", /no sign/],
    ['.5GB', "'.5GB'", /leading digit/],
    ['1e3', "'1e3'", /exponent/],
    ['1.5e3KB', "'1.5e3KB'", /exponent/],
    ['1 2 MB', "'1 2 MB'", /one number and one unit/],
    ['1.2.3MB', "'1.2.3MB'", /more than one decimal point/],
    ['10 XB', "'10 XB'", /unknown unit 'XB'/],
    ['1PB', "'1PB'", /unknown unit/],
    ['5  MB', "'5  MB'", /unknown unit/],
    ['MB', "'MB'", /expected a number/],
    ['1\u001bMB', "'1\\x1bMB'", /unknown unit/],
    ['9007199254740992', "'9007199254740992'", /maximum/],
    ['9PiB', "'9PiB'", /unknown unit/],
    ['8193TiB', "'8193TiB'", /maximum/],
    ['1'.repeat(65), "'1111", /longer than 64/],
    [-1, '-1', /negative/],
    [1.5, '1.5', /whole number/],
    [NaN, 'NaN', /whole number/],
    [Infinity, 'Infinity', /whole number/],
    [Number.MAX_SAFE_INTEGER + 1, '9007199254740992', /maximum/],
    [true, 'true (a boolean)'],
    [undefined, 'undefined'],
    [['1GB'], 'an array'],
    [1024n, '1024n'],
  ];
  itRejects(parseSize, cases);
});

describe('formatSize', () => {
  const cases: Array<[number, string]> = [
    [0, '0 B'],
    [1, '1 B'],
    [1023, '1023 B'],
    [1024, '1.0 KiB'],
    [1536, '1.5 KiB'],
    [Math.round(12.1 * MIB), '12.1 MiB'],
    [MIB - 1, '1.0 MiB'],
    [GIB, '1.0 GiB'],
    [5.25 * TIB, '5.3 TiB'],
    [1024 ** 5, '1.0 PiB'],
    [Number.MAX_SAFE_INTEGER, '8.0 PiB'],
    [2 ** 70, '1024.0 EiB'],
  ];
  for (const [input, expected] of cases) {
    it(`${input} -> ${expected}`, () => assert.equal(formatSize(input), expected));
  }
  for (const bad of [-1, NaN, Infinity, '1' as unknown as number]) {
    it(`rejects ${String(bad)}`, () => assertInvalid(() => formatSize(bad), String(bad)));
  }
});

describe('SIZE_GRAMMAR', () => {
  it('names the decimal and binary units', () => {
    for (const unit of ['KB', 'MB', 'GB', 'TB', 'KiB', 'MiB', 'GiB', 'TiB', 'case-insensitive']) {
      assert.ok(SIZE_GRAMMAR.includes(unit), unit);
    }
  });
});

describe('size properties', () => {
  const units: Array<[string, number]> = [
    ['', 1],
    ['B', 1],
    ['KB', 1000],
    ['MB', 1000 ** 2],
    ['GB', 1000 ** 3],
    ['TB', 1000 ** 4],
    ['KiB', KIB],
    ['MiB', MIB],
    ['GiB', GIB],
    ['TiB', TIB],
  ];

  it('an integer amount with any unit and spacing round-trips', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...units),
        fc.integer({ min: 0, max: 8000 }),
        fc.boolean(),
        fc.boolean(),
        ([unit, multiplier], amount, space, lower) => {
          const written = lower ? unit.toLowerCase() : unit;
          const text = `${amount}${space && unit !== '' ? ' ' : ''}${written}`;
          assert.equal(parseSize(text), amount * multiplier);
        },
      ),
    );
  });

  it('a byte count written as a string parses back to itself', () => {
    fc.assert(
      fc.property(fc.maxSafeNat(), fc.constantFrom('', 'B', ' B', ' b'), (bytes, suffix) => {
        assert.equal(parseSize(`${bytes}${suffix}`), bytes);
        assert.equal(parseSize(bytes), bytes);
      }),
    );
  });

  it('formatSize output parses back to within its one-decimal rounding', () => {
    fc.assert(
      fc.property(fc.maxSafeNat(), (bytes) => {
        const shown = formatSize(bytes);
        const unit = shown.split(' ')[1]!;
        if (unit === 'PiB') {
          // PiB is display-only: not an input unit, so the shown value is refused.
          assert.throws(() => parseSize(shown), { code: 'EPHEMDIR_INVALID_ARGUMENT' }, shown);
          return;
        }
        const steps: Record<string, number> = { B: 1, KiB: KIB, MiB: MIB, GiB: GIB, TiB: TIB };
        const step = steps[unit]!;
        const back = parseSize(shown)!;
        assert.ok(Math.abs(back - bytes) <= step * 0.05 + 1, `${bytes} -> ${shown} -> ${back}`);
      }),
    );
  });

  it('never throws anything but EphemdirError on arbitrary strings', () => {
    const alphabet = fc.constantFrom(...'0123456789.+- eKkMmGgTtiBb\u001b'.split(''));
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ unit: 'binary', maxLength: 80 }), fc.string({ unit: alphabet, maxLength: 16 })),
        (text) => {
          try {
            const bytes = parseSize(text);
            assert.ok(Number.isSafeInteger(bytes) && bytes! >= 0);
          } catch (err) {
            assert.ok(err instanceof EphemdirError, `unexpected ${String(err)}`);
            assert.doesNotMatch(err.message, /[\u0000-\u001f\u007f]/);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});
