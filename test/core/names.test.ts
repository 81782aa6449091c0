import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { NAME_RE, TOKEN_RE, generateName, parseName, type RandomBytes } from '../../src/core/names';
import { validateComponent } from '../../src/core/validate';
import { ADJECTIVES, ANIMALS } from '../../src/core/words';
import { assertInvalid } from '../helpers/invalid';

/** A deterministic byte source: replays `bytes` cyclically. */
function replay(bytes: number[]): RandomBytes {
  let next = 0;
  return (size) => Uint8Array.from({ length: size }, () => bytes[next++ % bytes.length]!);
}

describe('word lists', () => {
  for (const [name, list] of [
    ['ADJECTIVES', ADJECTIVES],
    ['ANIMALS', ANIMALS],
  ] as const) {
    it(`${name} has at least 256 words`, () => assert.ok(list.length >= 256, `${list.length}`));
    it(`${name} words are 2 to 12 lowercase ASCII letters`, () => {
      for (const word of list) assert.match(word, /^[a-z]{2,12}$/);
    });
    it(`${name} has no duplicates and is sorted`, () => {
      assert.equal(new Set(list).size, list.length);
      assert.deepEqual([...list].sort(), list);
    });
    it(`${name} is frozen`, () => assert.ok(Object.isFrozen(list)));
  }
  it('no word is both an adjective and an animal', () => {
    const animals = new Set(ANIMALS);
    assert.deepEqual(
      ADJECTIVES.filter((w) => animals.has(w)),
      [],
    );
  });
  it('no word looks like a token or a unit of hex', () => {
    for (const word of [...ADJECTIVES, ...ANIMALS]) assert.doesNotMatch(word, /^[0-9a-f]{16}$/);
  });
});

describe('generateName', () => {
  it('defaults to two words and a 16-hex token', () => {
    const name = generateName();
    const [adjective, animal, token, extra] = name.split('-');
    assert.ok(ADJECTIVES.includes(adjective!), name);
    assert.ok(ANIMALS.includes(animal!), name);
    assert.match(token!, TOKEN_RE);
    assert.equal(extra, undefined);
  });

  const shapes: Array<[Parameters<typeof generateName>[0], RegExp]> = [
    [{ words: 1 }, /^[a-z]+-[0-9a-f]{16}$/],
    [{ words: 3 }, /^[a-z]+-[a-z]+-[a-z]+-[0-9a-f]{16}$/],
    [{ words: 4, style: 'clean' }, /^[a-z]+-[a-z]+-[a-z]+-[a-z]+$/],
    [{ style: 'clean' }, /^[a-z]+-[a-z]+$/],
    [{ prefix: 'scratch-' }, /^scratch-[a-z]+-[a-z]+-[0-9a-f]{16}$/],
    [{ prefix: 'café_', words: 1, style: 'clean' }, /^café_[a-z]+$/],
  ];
  for (const [options, shape] of shapes) {
    it(`${JSON.stringify(options)} matches ${shape}`, () => assert.match(generateName(options), shape));
  }

  it('uses the injected random source for words and token', () => {
    // Every 4-byte draw is 0 (first word of each list); the token is eight zero bytes.
    const name = generateName({ random: replay([0]), words: 2 });
    assert.equal(name, `${ADJECTIVES[0]}-${ANIMALS[0]}-0000000000000000`);
    const token = generateName({ random: replay([0xab]), words: 1 }).split('-')[1];
    assert.equal(token, 'abababababababab');
  });

  it('draws adjectives without repeating one', () => {
    // A source that keeps offering index 0 first, then 1, then 2: duplicates are redrawn.
    const draws = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 2];
    const name = generateName({ random: replay(draws), words: 4, style: 'clean' });
    const words = name.split('-');
    assert.equal(new Set(words.slice(0, 3)).size, 3, name);
  });

  it('rejects out-of-range draws instead of folding them (no modulo bias)', () => {
    // 0xffffffff is above the largest multiple of the list length, so it must be redrawn.
    assert.notEqual(2 ** 32 % ANIMALS.length, 0, 'pick a list length that is not a power of two');
    const name = generateName({ random: replay([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]), words: 1, style: 'clean' });
    assert.equal(name, ANIMALS[0]);
    assert.throws(() => generateName({ random: replay([0xff]), words: 1 }), /out-of-range/);
  });

  const invalid: Array<[Parameters<typeof generateName>[0], string, RegExp?]> = [
    [{ words: 0 }, '0', /1 to 4/],
    [{ words: 5 }, '5'],
    [{ words: 1.5 }, '1.5'],
    [{ prefix: 'a/b' }, "'a/b'"],
    [{ prefix: '-x' }, "'-x'"],
    [{ prefix: ['x'] as unknown as string }, 'an array'],
    [{ style: 'auto' as 'secure' }, "'auto'", /resolve 'auto'/],
    [{ style: 'funny' as 'secure' }, "'funny'"],
    [{ random: () => Buffer.alloc(1) }, 'a Buffer', /asked for 4 bytes/],
    [{ random: (() => 'abcd') as unknown as RandomBytes }, "'abcd'"],
  ];
  for (const [options, shown, reason] of invalid) {
    it(`rejects ${shown}`, () => assertInvalid(() => generateName(options), shown, reason));
  }

  it('generated names always match the name regex, are valid components and parse back', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }),
        fc.constantFrom('secure', 'clean') as fc.Arbitrary<'secure' | 'clean'>,
        fc.constantFrom('', 'scratch-', 'tmp_', 'x'.repeat(64), 'été-'),
        fc.option(fc.uint8Array({ minLength: 64, maxLength: 64 }), { nil: undefined }),
        (words, style, prefix, seed) => {
          const random = seed === undefined ? undefined : replay([...seed]);
          const name = generateName({ words, style, prefix, random });
          assert.ok(name.startsWith(prefix));
          const bare = name.slice(prefix.length);
          assert.match(bare, NAME_RE);
          assert.equal(validateComponent(name), name);
          const parts = bare.split('-');
          assert.equal(parts.length, words + (style === 'secure' ? 1 : 0));
          if (style === 'secure') assert.match(parts.at(-1)!, /^[0-9a-f]{16}$/);
          const parsed = parseName(name, { prefix });
          assert.ok(parsed, name);
          assert.equal(parsed.words.length, words);
          assert.equal(parsed.token, style === 'secure' ? parts.at(-1) : null);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('spreads words across the whole lists', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 4000; i++) seen.add(generateName({ words: 1, style: 'clean' }));
    // With 340 animals and 4000 draws, missing more than a handful would mean a skewed picker.
    assert.ok(seen.size > ANIMALS.length - 5, `${seen.size}`);
  });
});

describe('parseName', () => {
  const token = 'a81f42c9d047315b';
  const cases: Array<[string, { prefix?: string } | undefined, ReturnType<typeof parseName>]> = [
    [`brave-otter-${token}`, undefined, { prefix: '', words: ['brave', 'otter'], token }],
    ['brave-otter', undefined, { prefix: '', words: ['brave', 'otter'], token: null }],
    [`otter-${token}`, undefined, { prefix: '', words: ['otter'], token }],
    ['jolly-brave-calm-otter', undefined, { prefix: '', words: ['jolly', 'brave', 'calm', 'otter'], token: null }],
    [`scratch-brave-otter-${token}`, undefined, { prefix: 'scratch-', words: ['brave', 'otter'], token }],
    [`scratch-brave-otter-${token}`, { prefix: 'scratch-' }, { prefix: 'scratch-', words: ['brave', 'otter'], token }],
    // Four adjectives: only three belong to the name, the first is taken as the prefix.
    ['jolly-brave-calm-keen-otter', undefined, { prefix: 'jolly-', words: ['brave', 'calm', 'keen', 'otter'], token: null }],
    ['tmp_otter', { prefix: 'tmp_' }, { prefix: 'tmp_', words: ['otter'], token: null }],
    [`brave-otter-${token}`, { prefix: 'scratch-' }, null],
    [`scratch-brave-otter-${token}`, { prefix: '' }, null],
    ['brave', undefined, null],
    ['otter-brave', undefined, null],
    [token, undefined, null],
    [`brave-otter-${token.toUpperCase()}`, undefined, null],
    [`brave-otter-${token}0`, undefined, null],
    ['brave-unicorn', undefined, null],
    ['', undefined, null],
    // An unknown prefix may end in '-' itself: 'brave-' + '-' + 'otter' reads as prefix 'brave--'.
    ['brave--otter', undefined, { prefix: 'brave--', words: ['otter'], token: null }],
    ['brave--otter', { prefix: '' }, null],
  ];
  for (const [name, options, expected] of cases) {
    it(`${JSON.stringify(name)} ${JSON.stringify(options ?? {})}`, () => assert.deepEqual(parseName(name, options), expected));
  }
  it('returns null for non-strings', () => assert.equal(parseName(42 as unknown as string), null));
});
