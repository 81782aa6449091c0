// Checks for user-supplied options. Each returns the normalized value or throws
// `EPHEMDIR_INVALID_ARGUMENT` naming the value (escaped) and the reason. They
// take `unknown` because JavaScript callers and config files can pass anything:
// types are checked at run time, not trusted (the `tmp` package's prefix CVE
// came from an array slipping through where a string was expected).
import { invalidArgument } from '../errors';
import { describeValue } from './humanize';

export type NameStyle = 'secure' | 'clean' | 'auto';
export type CleanupPolicy = 'auto' | 'next-sweep';

export const MAX_PREFIX_BYTES = 64;
export const MAX_WORDS = 4;
export const MAX_TAGS = 16;
export const TAG_RE = /^[a-z0-9][a-z0-9._-]{0,31}$/;
export const MAX_DESCRIPTION_BYTES = 256;
export const MAX_COMPONENT_BYTES = 255;

// Controls (C0, DEL, C1), format characters (bidi overrides, zero-width),
// lone surrogates (no faithful UTF-8 form) and line/paragraph separators:
// none belongs in a name or a one-line description.
const UNSAFE_CHARACTER = /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]/u;
const LONE_SURROGATE = /\p{Cs}/u;

function failure(what: string, value: unknown, reason: string) {
  return invalidArgument(`invalid ${what} ${describeValue(value)}: ${reason}`, { value });
}

function utf8Length(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/**
 * A name prefix (`scratch-` in `scratch-brave-otter-…`): a string of at most
 * 64 UTF-8 bytes that stays inside one path component. Refused: `/`, `\`,
 * control and format characters, `.` and `..`, and a leading `-` (shell tools
 * would read the directory name as an option). `''` means no prefix.
 */
export function validatePrefix(prefix: unknown): string {
  if (typeof prefix !== 'string') throw failure('prefix', prefix, 'expected a string');
  if (UNSAFE_CHARACTER.test(prefix)) throw failure('prefix', prefix, 'contains a control or invisible character');
  if (prefix.includes('/')) throw failure('prefix', prefix, "contains '/'; a prefix is part of one directory name");
  if (prefix.includes('\\')) throw failure('prefix', prefix, 'contains a backslash');
  if (prefix === '.' || prefix === '..') throw failure('prefix', prefix, 'is a reserved path component');
  if (prefix.startsWith('-')) {
    throw failure('prefix', prefix, "starts with '-', which command-line tools would read as an option");
  }
  if (utf8Length(prefix) > MAX_PREFIX_BYTES) {
    throw failure('prefix', prefix, `longer than ${MAX_PREFIX_BYTES} bytes of UTF-8`);
  }
  return prefix;
}

/** The number of words in a generated name: an integer from 1 to 4. */
export function validateWords(words: unknown): number {
  if (typeof words !== 'number' || !Number.isInteger(words) || words < 1 || words > MAX_WORDS) {
    throw failure('word count', words, `expected an integer from 1 to ${MAX_WORDS}`);
  }
  return words;
}

/**
 * Tags: an array of strings matching {@link TAG_RE} (lowercase, up to 32
 * characters). Duplicates are dropped keeping the first; at most 16 remain.
 * `null`/`undefined` means no tags. A bare string is refused rather than
 * split into characters or taken as one tag silently.
 */
export function validateTags(tags: unknown): string[] {
  if (tags === null || tags === undefined) return [];
  if (typeof tags === 'string') {
    throw failure('tags', tags, 'expected an array of strings, not a single string');
  }
  if (!Array.isArray(tags)) throw failure('tags', tags, 'expected an array of strings');
  const unique: string[] = [];
  for (const tag of tags) {
    if (typeof tag !== 'string' || !TAG_RE.test(tag)) {
      throw failure(
        'tag',
        tag,
        'expected 1 to 32 characters of a-z, 0-9, ".", "_" or "-", starting with a letter or digit',
      );
    }
    if (!unique.includes(tag)) unique.push(tag);
  }
  if (unique.length > MAX_TAGS) {
    throw invalidArgument(`invalid tags: ${unique.length} distinct tags given, at most ${MAX_TAGS} are allowed`, {
      value: tags,
    });
  }
  return unique;
}

/**
 * A one-line description of at most 256 UTF-8 bytes without control or format
 * characters. `null`, `undefined` and `''` mean none and give `null`.
 */
export function validateDescription(description: unknown): string | null {
  if (description === null || description === undefined || description === '') return null;
  if (typeof description !== 'string') throw failure('description', description, 'expected a string or null');
  if (UNSAFE_CHARACTER.test(description)) {
    throw failure('description', description, 'contains a control or invisible character (it must be one line)');
  }
  if (utf8Length(description) > MAX_DESCRIPTION_BYTES) {
    throw failure('description', description, `longer than ${MAX_DESCRIPTION_BYTES} bytes of UTF-8`);
  }
  return description;
}

/** `secure`, `clean` or `auto`; the Python tool's alias `funny` means `secure`. */
export function validateNameStyle(style: unknown): NameStyle {
  if (style === 'secure' || style === 'clean' || style === 'auto') return style;
  if (style === 'funny') return 'secure';
  throw failure('name style', style, "expected 'secure', 'clean' or 'auto'");
}

/** `auto` (lifetime and restart rules) or `next-sweep` (only an explicit full sweep). */
export function validateCleanup(cleanup: unknown): CleanupPolicy {
  if (cleanup === 'auto' || cleanup === 'next-sweep') return cleanup;
  throw failure('cleanup policy', cleanup, "expected 'auto' or 'next-sweep'");
}

/**
 * A single path component chosen by a caller (a file name in a store, say):
 * non-empty, at most 255 UTF-8 bytes, no `/` or NUL, not `.` or `..`. Lone
 * surrogates are refused too: they have no UTF-8 form, so two different
 * strings would name the same file.
 */
export function validateComponent(name: unknown): string {
  if (typeof name !== 'string') throw failure('name', name, 'expected a string');
  if (name === '') throw failure('name', name, 'it is empty');
  if (name.includes('/')) throw failure('name', name, "contains '/'; expected a single path component");
  if (name.includes('\0')) throw failure('name', name, 'contains a NUL character');
  if (name === '.' || name === '..') throw failure('name', name, 'is a reserved path component');
  if (LONE_SURROGATE.test(name)) throw failure('name', name, 'contains a lone surrogate (not valid Unicode)');
  if (utf8Length(name) > MAX_COMPONENT_BYTES) {
    throw failure('name', name, `longer than ${MAX_COMPONENT_BYTES} bytes of UTF-8`);
  }
  return name;
}
