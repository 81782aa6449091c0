import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { EphemdirError } from '../../src/errors';
import {
  DURATION_GRAMMAR,
  MAX_DURATION_SECONDS,
  parseDuration,
  parseDurationParts,
  parseExtension,
} from '../../src/core/duration';
import { itMaps, itRejects, type Invalid } from '../helpers/invalid';

describe('parseDuration: valid input', () => {
  const cases: Array<[number | string | null, number | null]> = [
    [null, null],
    [0, 0],
    [-0, 0],
    [3600, 3600],
    [0.25, 0.25],
    [MAX_DURATION_SECONDS, MAX_DURATION_SECONDS],
    ['0s', 0],
    ['90s', 90],
    ['30m', 1800],
    ['1h30m', 5400],
    ['1h 30m', 5400],
    ['1.5h', 5400],
    ['7d', 604800],
    ['2w', 1209600],
    ['500ms', 0.5],
    ['1.1s', 1.1],
    ['1 day', 86400],
    ['5 mins', 300],
    ['1 h 30 m', 5400],
    ['2 hours 15 minutes', 8100],
    ['1hr', 3600],
    ['3hrs', 10800],
    ['1sec', 1],
    ['10secs', 10],
    ['1second', 1],
    ['45seconds', 45],
    ['1min', 60],
    ['1minute', 60],
    ['1week', 604800],
    ['3weeks', 1814400],
    ['30m1h', 5400],
    ['1w1d1h1m1s1ms', 694861.001],
    ['  2h  ', 7200],
    ['36500d', MAX_DURATION_SECONDS],
    ['007s', 7],
  ];
  itMaps(parseDuration, cases);
});

describe('parseDuration: invalid input', () => {
  const cases: Invalid = [
    ['', "''", /empty/],
    ['   ', "'   '", /empty/],
    ['3600', "'3600'", /add a unit, e\.g\. 3600s/],
    ['1.5', "'1.5'", /add a unit/],
    ['1M', "'1M'", /did you mean m \(minutes\)\? months are not a unit/],
    ['2W', "'2W'", /lowercase/],
    ['1H30M', "'1H30M'", /lowercase/],
    ['1y', "'1y'", /years are not a unit/],
    ['2years', "'2years'", /years are not a unit/],
    ['1mo', "'1mo'", /months are not a unit/],
    ['3 months', "'3 months'", /months are not a unit/],
    ['1x', "'1x'", /unknown unit 'x'/],
    ['1fortnight', "'1fortnight'", /unknown unit/],
    ['-1h', "'-1h'", /negative/],
    ['1h-30m', "'1h-30m'", /negative/],
    ['+1h', "'+1h'", /extending/],
    ['1h30', "'1h30'", /'30' has no unit/],
    ['1 30m', "'1 30m'", /'1' has no unit/],
    ['1h,30m', "'1h,30m'", /commas/],
    ['1h  30m', "'1h  30m'", /single space/],
    ['1h1h', "'1h1h'", /repeats/],
    ['1h 2hours', "'1h 2hours'", /repeats/],
    ['1m 1min', "'1m 1min'", /repeats/],
    ['.5h', "'.5h'", /leading digit/],
    ['5.h', "'5.h'", /followed by digits/],
    ['1.2.3h', "'1.2.3h'", /more than one decimal point/],
    ['1e3s', "'1e3s'", /unknown unit 'e'/],
    ['36501d', "'36501d'", /100 years/],
    ['99999999999999999999w', "'99999999999999999999w'", /100 years/],
    ['1h\t30m', "'1h\\x0930m'"],
    ['1\u001b[31mh', "'1\\x1b[31mh'"],
    ['x'.repeat(65), "'xxxx", /longer than 64/],
    ['１h', "'１h'"],
    [-1, '-1', /negative/],
    [NaN, 'NaN', /finite/],
    [Infinity, 'Infinity', /finite/],
    [MAX_DURATION_SECONDS + 1, String(MAX_DURATION_SECONDS + 1), /100 years/],
    [true, 'true (a boolean)'],
    [undefined, 'undefined'],
    [[3600], 'an array'],
    [{ hours: 1 }, 'an object'],
    [3600n, '3600n'],
  ];
  itRejects(parseDuration, cases);
});

describe('parseExtension', () => {
  const valid: Array<[string, { relative: boolean; seconds: number }]> = [
    ['+1h', { relative: true, seconds: 3600 }],
    ['+1h30m', { relative: true, seconds: 5400 }],
    [' +2d ', { relative: true, seconds: 172800 }],
    ['2h', { relative: false, seconds: 7200 }],
    ['0s', { relative: false, seconds: 0 }],
  ];
  itMaps(parseExtension, valid);
  const invalid: Invalid = [
    ['+', "'+'", /followed by a duration/],
    ['++1h', "'++1h'", /followed by a duration/],
    ['+ 1h', "'+ 1h'", /followed by a duration/],
    ['+-1h', "'+-1h'", /followed by a duration/],
    ['+3600', "'+3600'", /add a unit/],
    ['-1h', "'-1h'", /negative/],
    ['+1M', "'+1M'", /months/],
    [3600, '3600', /expected a string/],
    [null, 'null'],
  ];
  itRejects(parseExtension, invalid);
});

describe('DURATION_GRAMMAR', () => {
  it('documents every unit family and the bare-number rule', () => {
    for (const word of ['ms', 'seconds', 'minutes', 'hours', 'days', 'weeks', '3600s', '100 years']) {
      assert.ok(DURATION_GRAMMAR.includes(word), word);
    }
  });
});

// Generators for the property tests: a valid duration string and its exact value.
const UNIT_SECONDS: Record<string, number> = { w: 604800, d: 86400, h: 3600, m: 60, s: 1 };
const SPELLINGS: Record<string, string[]> = {
  w: ['w', 'week', 'weeks'],
  d: ['d', 'day', 'days'],
  h: ['h', 'hr', 'hrs', 'hour', 'hours'],
  m: ['m', 'min', 'mins', 'minute', 'minutes'],
  s: ['s', 'sec', 'secs', 'second', 'seconds'],
};
const validDuration = fc
  .uniqueArray(fc.constantFrom('w', 'd', 'h', 'm', 's'), { minLength: 1, maxLength: 5 })
  .chain((units) =>
    fc.tuple(
      ...units.map((unit) =>
        fc.record({
          unit: fc.constant(unit),
          spelling: fc.constantFrom(...SPELLINGS[unit]!),
          amount: fc.integer({ min: 0, max: 999 }),
          innerSpace: fc.boolean(),
          outerSpace: fc.boolean(),
        }),
      ),
    ),
  );

describe('parseDuration properties', () => {
  it('every generated valid string parses to the sum of its parts', () => {
    fc.assert(
      fc.property(validDuration, (parts) => {
        const text = parts
          .map((p, i) => `${i > 0 && p.outerSpace ? ' ' : ''}${p.amount}${p.innerSpace ? ' ' : ''}${p.spelling}`)
          .join('');
        const expected = parts.reduce((sum, p) => sum + p.amount * UNIT_SECONDS[p.unit]!, 0);
        assert.equal(parseDuration(text), expected);
        assert.equal(parseDurationParts(text).length, parts.length);
      }),
    );
  });

  it('fractional single parts agree with plain arithmetic to the microsecond', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 5000 }), // 5000.999w is still under 100 years
        fc.integer({ min: 0, max: 999 }),
        fc.constantFrom('w', 'd', 'h', 'm', 's'),
        (whole, thousandths, unit) => {
          const text = `${whole}.${String(thousandths).padStart(3, '0')}${unit}`;
          const expected = (whole + thousandths / 1000) * UNIT_SECONDS[unit]!;
          assert.ok(Math.abs(parseDuration(text)! - expected) <= 1e-6, text);
        },
      ),
    );
  });

  it('never throws anything but EphemdirError on arbitrary strings', () => {
    const alphabet = fc.constantFrom(...'0123456789.+- hmsdwMHyoinuteacr,\t\u001b'.split(''));
    const arbitraryText = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 80 }),
      fc.string({ unit: alphabet, maxLength: 24 }),
    );
    fc.assert(
      fc.property(arbitraryText, (text) => {
        for (const parse of [() => parseDuration(text), () => parseExtension(text)]) {
          try {
            const result = parse();
            const seconds = typeof result === 'number' ? result : (result as { seconds: number }).seconds;
            assert.ok(Number.isFinite(seconds) && seconds >= 0 && seconds <= MAX_DURATION_SECONDS);
          } catch (err) {
            assert.ok(err instanceof EphemdirError, `unexpected ${String(err)}`);
            assert.equal(err.code, 'EPHEMDIR_INVALID_ARGUMENT');
            // Messages echo the input escaped: no raw control characters.
            assert.doesNotMatch(err.message, /[\u0000-\u001f\u007f]/);
          }
        }
      }),
      { numRuns: 2000 },
    );
  });
});
