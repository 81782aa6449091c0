// Generated directory names: `[prefix]adjective-…-animal[-token]`, e.g.
// `brave-otter-a81f42c9d047315b`. The 64-bit token is what makes names
// unguessable: without it another local user could pre-create every name in a
// shared sticky directory such as /tmp and block or hijack creation. `clean`
// names (no token) are therefore only for private parents (the caller decides).
import * as crypto from 'node:crypto';
import { invalidArgument } from '../errors';
import { describeValue } from './humanize';
import { validatePrefix, validateWords } from './validate';
import { ADJECTIVES, ANIMALS } from './words';

/** A source of random bytes, `crypto.randomBytes` by default; tests inject their own. */
export type RandomBytes = (size: number) => Uint8Array;

export interface GenerateNameOptions {
  /** 1 to 4: that many words, the last an animal. Default 2. */
  words?: number;
  /** Prepended verbatim, e.g. `scratch-`. Validated with {@link validatePrefix}. */
  prefix?: string;
  /** `secure` (default) appends a random token; `clean` does not. */
  style?: 'secure' | 'clean';
  random?: RandomBytes;
}

/** Bytes of randomness in a token: 64 bits, 16 hex characters. */
export const TOKEN_BYTES = 8;
/** A token: exactly 16 lowercase hex characters. */
export const TOKEN_RE = /^[0-9a-f]{16}$/;
/** The shape of a generated name once the prefix is removed. */
export const NAME_RE = /^(?:[a-z]{2,12}-){0,3}[a-z]{2,12}(?:-[0-9a-f]{16})?$/;

const ADJECTIVE_SET: ReadonlySet<string> = new Set(ADJECTIVES);
const ANIMAL_SET: ReadonlySet<string> = new Set(ANIMALS);

/**
 * A fresh name. Words are drawn uniformly (no modulo bias) with no adjective
 * repeated; with the default random source they come from `crypto.randomInt`
 * and the token from `crypto.randomBytes(8)`.
 */
export function generateName(options: GenerateNameOptions = {}): string {
  const words = validateWords(options.words ?? 2);
  const prefix = validatePrefix(options.prefix ?? '');
  const style = options.style ?? 'secure';
  if (style !== 'secure' && style !== 'clean') {
    throw invalidArgument(
      `invalid name style ${describeValue(style)}: expected 'secure' or 'clean' (resolve 'auto' from the parent first)`,
      { value: style },
    );
  }
  const random = options.random;

  const chosen: string[] = [];
  while (chosen.length < words - 1) {
    const adjective = ADJECTIVES[pickIndex(ADJECTIVES.length, random)]!;
    if (!chosen.includes(adjective)) chosen.push(adjective);
  }
  chosen.push(ANIMALS[pickIndex(ANIMALS.length, random)]!);
  if (style === 'secure') chosen.push(Buffer.from(readRandom(random, TOKEN_BYTES)).toString('hex'));
  return prefix + chosen.join('-');
}

/** A generated name taken apart. */
export interface ParsedName {
  /** Whatever precedes the words (`''` when none). */
  prefix: string;
  /** The adjectives then the animal, 1 to 4 of them. */
  words: string[];
  /** The 16-hex token of a secure name, or null for a clean one. */
  token: string | null;
}

/**
 * Whether `name` looks like one ephemdir generated, and its parts, or null.
 * With `prefix` given the name must start with it and the rest must be words
 * (and a token). Without it the prefix is guessed: the longest run of known
 * words (at most three adjectives and an animal) at the end counts as the
 * name, and whatever precedes it as the prefix.
 */
export function parseName(name: string, options: { prefix?: string } = {}): ParsedName | null {
  if (typeof name !== 'string') return null;
  const { prefix } = options;
  if (prefix !== undefined && !name.startsWith(prefix)) return null;
  const segments = name.slice(prefix?.length ?? 0).split('-');

  let token: string | null = null;
  if (segments.length >= 2 && TOKEN_RE.test(segments[segments.length - 1]!)) token = segments.pop()!;
  const animal = segments.pop();
  if (animal === undefined || !ANIMAL_SET.has(animal)) return null;
  const adjectives: string[] = [];
  while (adjectives.length < 3 && segments.length > 0 && ADJECTIVE_SET.has(segments[segments.length - 1]!)) {
    adjectives.unshift(segments.pop()!);
  }

  let guessedPrefix = '';
  if (prefix !== undefined) {
    if (segments.length > 0) return null;
    guessedPrefix = prefix;
  } else if (segments.length > 0) {
    guessedPrefix = `${segments.join('-')}-`;
  }
  return { prefix: guessedPrefix, words: [...adjectives, animal], token };
}

/** A uniform index below `count`; rejection sampling when the source is injected. */
function pickIndex(count: number, random: RandomBytes | undefined): number {
  if (random === undefined) return crypto.randomInt(count);
  // Accept only values below the largest multiple of `count`, so every index
  // is equally likely; give up if an injected source keeps missing.
  const range = 2 ** 32;
  const limit = range - (range % count);
  for (let attempt = 0; attempt < 64; attempt++) {
    const value = Buffer.from(readRandom(random, 4)).readUInt32BE(0);
    if (value < limit) return value % count;
  }
  throw new Error('the random source keeps returning out-of-range values');
}

function readRandom(random: RandomBytes | undefined, size: number): Uint8Array {
  const bytes = (random ?? crypto.randomBytes)(size);
  if (!(bytes instanceof Uint8Array) || bytes.length !== size) {
    throw invalidArgument(`invalid random source: asked for ${size} bytes, got ${describeValue(bytes)}`, {
      value: bytes,
    });
  }
  return bytes;
}
