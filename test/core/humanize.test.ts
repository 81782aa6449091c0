import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { EphemdirError } from '../../src/errors';
import { describeValue, escapeForTerminal, formatRemaining } from '../../src/core/humanize';

describe('formatRemaining', () => {
  const cases: Array<[number, string]> = [
    [0, '0s'],
    [0.9, '0s'],
    [42, '42s'],
    [59.99, '59s'],
    [60, '1m'],
    [312, '5m 12s'],
    [3600, '1h'],
    [3660, '1h 1m'],
    [5016, '1h 23m'],
    [3605, '1h 5s'],
    [86400, '1d'],
    [100800, '1d 4h'],
    [86400 + 3605, '1d 1h'],
    [86400 + 65, '1d 1m'],
    [400 * 86400, '400d'],
    [-300, '5m'],
    [-0, '0s'],
  ];
  for (const [input, expected] of cases) {
    it(`${input} -> ${expected}`, () => assert.equal(formatRemaining(input), expected));
  }
  for (const bad of [NaN, Infinity, -Infinity, '5' as unknown as number]) {
    it(`rejects ${String(bad)}`, () => {
      assert.throws(
        () => formatRemaining(bad),
        (err: unknown) =>
          err instanceof EphemdirError && err.code === 'EPHEMDIR_INVALID_ARGUMENT' && err.message.includes(String(bad)),
      );
    });
  }
  it('always shows at most two units, largest first', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 40 }), (seconds) => {
        assert.match(formatRemaining(seconds), /^(0s|\d+[dhms]( \d+[hms])?)$/);
      }),
    );
  });
});

describe('escapeForTerminal: strings', () => {
  const cases: Array<[string, string]> = [
    ['', ''],
    ['brave-otter-a81f42c9d047315b', 'brave-otter-a81f42c9d047315b'],
    ['with space', 'with space'],
    ['back\\slash', 'back\\\\slash'],
    ['tab\there', 'tab\\x09here'],
    ['line\nbreak', 'line\\x0abreak'],
    ['\u0000nul', '\\x00nul'],
    ['\u001b[31mred\u001b[0m', '\\x1b[31mred\\x1b[0m'],
    ['\u001b]0;title\u0007', '\\x1b]0;title\\x07'],
    ['del\u007f', 'del\\x7f'],
    ['c1 csi \u009b31m', 'c1 csi \\u{9b}31m'],
    ['nel\u0085', 'nel\\u{85}'],
    ['evil\u202eexe.txt', 'evil\\u{202e}exe.txt'],
    ['isolate\u2066x\u2069', 'isolate\\u{2066}x\\u{2069}'],
    ['zero\u200bwidth', 'zero\\u{200b}width'],
    ['bom\ufeff', 'bom\\u{feff}'],
    ['ls\u2028ps\u2029', 'ls\\u{2028}ps\\u{2029}'],
    ['lone \ud800 surrogate', 'lone \\u{d800} surrogate'],
    ['café', 'café'],
    ['日本語', '日本語'],
    ['emoji 🦦', 'emoji 🦦'],
    ['tag \u{e0041}', 'tag \\u{e0041}'],
  ];
  for (const [input, expected] of cases) {
    it(`${JSON.stringify(input)} -> ${JSON.stringify(expected)}`, () => {
      assert.equal(escapeForTerminal(input), expected);
    });
  }
});

describe('escapeForTerminal: bytes', () => {
  const cases: Array<[number[], string]> = [
    [[0x61, 0x62], 'ab'],
    [[0xc3, 0xa9], 'é'],
    [[0xff], '\\xff'],
    [[0x61, 0x80, 0x62], 'a\\x80b'],
    [[0xc3], '\\xc3'], // truncated sequence
    [[0xc0, 0xaf], '\\xc0\\xaf'], // overlong '/'
    [[0xe0, 0x80, 0xaf], '\\xe0\\x80\\xaf'], // overlong
    [[0xed, 0xa0, 0x80], '\\xed\\xa0\\x80'], // encoded surrogate
    [[0xf4, 0x90, 0x80, 0x80], '\\xf4\\x90\\x80\\x80'], // above U+10FFFF
    [[0xf0, 0x9f, 0xa6, 0xa6], '🦦'],
    [[0x1b, 0x5b, 0x32, 0x4a], '\\x1b[2J'],
    [[0xc2, 0x9b], '\\u{9b}'], // C1 CSI encoded as UTF-8
    [[0xe2, 0x80, 0xae], '\\u{202e}'],
    [[0x5c], '\\\\'],
  ];
  for (const [bytes, expected] of cases) {
    it(`${Buffer.from(bytes).toString('hex')} -> ${JSON.stringify(expected)}`, () => {
      assert.equal(escapeForTerminal(Buffer.from(bytes)), expected);
      assert.equal(escapeForTerminal(new Uint8Array(bytes)), expected);
    });
  }
  it('agrees with the string form on well-formed UTF-8', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), (text) => {
        assert.equal(escapeForTerminal(Buffer.from(text, 'utf8')), escapeForTerminal(text));
      }),
    );
  });
  it('rejects other types', () => {
    assert.throws(
      () => escapeForTerminal(42 as unknown as string),
      (err: unknown) => err instanceof EphemdirError && err.message.includes('42'),
    );
  });
});

describe('escapeForTerminal properties', () => {
  const unsafe = /[\u0000-\u001f\u007f-\u009f\p{Cf}\p{Cs}\u2028\u2029]/u;
  it('output never contains a control, format or separator character (strings)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 60 }), (text) => {
        const out = escapeForTerminal(text);
        assert.doesNotMatch(out, unsafe);
        assert.doesNotMatch(out, /[\u0000-\u001f\u007f]/);
      }),
      { numRuns: 2000 },
    );
  });
  it('output never contains a byte below 0x20 or 0x7f (arbitrary bytes)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 60 }), (bytes) => {
        const encoded = Buffer.from(escapeForTerminal(bytes), 'utf8');
        assert.ok(encoded.every((b) => b >= 0x20 && b !== 0x7f));
        assert.doesNotMatch(escapeForTerminal(bytes), unsafe);
      }),
      { numRuns: 2000 },
    );
  });
  it('printable ASCII without a backslash is unchanged', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...printableAscii().filter((c) => c !== '\\')) }), (text) => {
        assert.equal(escapeForTerminal(text), text);
        assert.equal(escapeForTerminal(Buffer.from(text, 'latin1')), text);
      }),
    );
  });
  it('printable ASCII with backslashes only doubles them', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...printableAscii()) }), (text) => {
        assert.equal(escapeForTerminal(text), text.replaceAll('\\', '\\\\'));
      }),
    );
  });
});

describe('describeValue', () => {
  const cases: Array<[unknown, string]> = [
    ['x', "'x'"],
    ['a\u001bb', "'a\\x1bb'"],
    ['y'.repeat(100), `'${'y'.repeat(80)}…'`],
    [3, '3'],
    [-0, '-0'],
    [NaN, 'NaN'],
    [5n, '5n'],
    [false, 'false (a boolean)'],
    [null, 'null'],
    [undefined, 'undefined'],
    [['a'], 'an array'],
    [{}, 'an object'],
    [Buffer.from('x'), 'a Buffer'],
    [() => 1, 'a function'],
    [Symbol('s'), 'a symbol'],
  ];
  for (const [input, expected] of cases) {
    it(`-> ${expected.slice(0, 20)}`, () => assert.equal(describeValue(input), expected));
  }
});

function printableAscii(): string[] {
  return Array.from({ length: 0x7f - 0x20 }, (_, i) => String.fromCharCode(0x20 + i));
}
