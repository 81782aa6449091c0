// Text for people: time left, and escaping of anything that reaches a terminal.
// Directory names, paths, tags and descriptions can come from other users (a
// shared /tmp, a hand-edited registry), so every one of them goes through
// escapeForTerminal before it is printed or put into an error message.
import { invalidArgument } from '../errors';

const TIME_UNITS: ReadonlyArray<readonly [suffix: string, seconds: number]> = [
  ['d', 86_400],
  ['h', 3_600],
  ['m', 60],
  ['s', 1],
];

/**
 * The two largest non-zero units of a duration: `1d 4h`, `1h 23m`, `5m 12s`,
 * `42s`, `0s`. Fractions of a second are dropped (59.9 s shows as `59s`, so a
 * countdown never claims more time than is left). A negative value is shown by
 * its magnitude: the caller words it ("expired 5m ago").
 */
export function formatRemaining(seconds: number): string {
  if (typeof seconds !== 'number' || !Number.isFinite(seconds)) {
    throw invalidArgument(`invalid duration ${describeValue(seconds)}: expected a finite number of seconds`, {
      value: seconds,
    });
  }
  let rest = Math.floor(Math.abs(seconds));
  const parts: string[] = [];
  for (const [suffix, size] of TIME_UNITS) {
    const count = Math.floor(rest / size);
    rest -= count * size;
    if (count > 0 && parts.length < 2) parts.push(`${count}${suffix}`);
  }
  return parts.length === 0 ? '0s' : parts.join(' ');
}

// Characters a terminal may act on or that hide/reorder text: controls (C0, DEL,
// C1), format characters (bidi overrides, zero-width joiners), lone surrogates,
// and the line/paragraph separators some terminals and editors break lines on.
const UNSAFE_CHARACTER = /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]/u;
// Printable ASCII without the backslash needs no work (the common case).
const PLAIN_ASCII = /^[\x20-\x5b\x5d-\x7e]*$/;

/**
 * Makes text safe to print: C0 controls and DEL become `\xNN`, other unsafe
 * code points (C1 controls, Unicode Cf such as U+202E, lone surrogates, U+2028,
 * U+2029) become `\u{N}`, and `\` becomes `\\`, so the output is unambiguous.
 * A Buffer is decoded as strict UTF-8; each byte that is not part of a
 * well-formed sequence becomes `\xNN` (always ≥ `\x80`, so it cannot be
 * confused with an escaped control character).
 */
export function escapeForTerminal(input: string | Uint8Array): string {
  if (typeof input === 'string') {
    if (PLAIN_ASCII.test(input)) return input;
    let out = '';
    for (const character of input) out += escapeCodePoint(character.codePointAt(0)!);
    return out;
  }
  if (input instanceof Uint8Array) return escapeUtf8Bytes(input);
  throw invalidArgument(`cannot escape ${describeValue(input)}: expected a string or a Buffer`, { value: input });
}

function escapeCodePoint(codePoint: number): string {
  if (codePoint === 0x5c) return '\\\\';
  if (codePoint < 0x20 || codePoint === 0x7f) return `\\x${codePoint.toString(16).padStart(2, '0')}`;
  const character = String.fromCodePoint(codePoint);
  return UNSAFE_CHARACTER.test(character) ? `\\u{${codePoint.toString(16)}}` : character;
}

function escapeUtf8Bytes(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  while (i < bytes.length) {
    const decoded = decodeUtf8At(bytes, i);
    if (decoded === null) {
      out += `\\x${bytes[i]!.toString(16).padStart(2, '0')}`;
      i += 1;
    } else {
      out += escapeCodePoint(decoded.codePoint);
      i += decoded.length;
    }
  }
  return out;
}

/**
 * The code point of the well-formed UTF-8 sequence starting at `start`, or null.
 * Rejects what the Unicode standard rejects: stray continuation bytes, overlong
 * forms, encoded surrogates, and anything above U+10FFFF.
 */
function decodeUtf8At(bytes: Uint8Array, start: number): { codePoint: number; length: number } | null {
  const lead = bytes[start]!;
  if (lead < 0x80) return { codePoint: lead, length: 1 };
  let length: number;
  let codePoint: number;
  // The allowed range of the second byte tightens for some leads (Unicode Table 3-7).
  let low = 0x80;
  let high = 0xbf;
  if (lead >= 0xc2 && lead <= 0xdf) {
    length = 2;
    codePoint = lead & 0x1f;
  } else if (lead >= 0xe0 && lead <= 0xef) {
    length = 3;
    codePoint = lead & 0x0f;
    if (lead === 0xe0) low = 0xa0; // overlong
    if (lead === 0xed) high = 0x9f; // surrogates
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    length = 4;
    codePoint = lead & 0x07;
    if (lead === 0xf0) low = 0x90; // overlong
    if (lead === 0xf4) high = 0x8f; // above U+10FFFF
  } else {
    return null;
  }
  if (start + length > bytes.length) return null;
  for (let k = 1; k < length; k++) {
    const byte = bytes[start + k]!;
    const [min, max] = k === 1 ? [low, high] : [0x80, 0xbf];
    if (byte < min || byte > max) return null;
    codePoint = (codePoint << 6) | (byte & 0x3f);
  }
  return { codePoint, length };
}

const MAX_ECHOED_CHARACTERS = 80;

/**
 * A value as error messages show it: strings quoted and escaped (and cut short
 * when long), other types named, so a message always says what was passed.
 */
export function describeValue(value: unknown): string {
  switch (typeof value) {
    case 'string': {
      const characters = Array.from(value);
      const shown =
        characters.length > MAX_ECHOED_CHARACTERS
          ? `${characters.slice(0, MAX_ECHOED_CHARACTERS).join('')}…`
          : value;
      return `'${escapeForTerminal(shown)}'`;
    }
    case 'number':
      return Object.is(value, -0) ? '-0' : String(value);
    case 'bigint':
      return `${value}n`;
    case 'boolean':
      return `${value} (a boolean)`;
    case 'undefined':
      return 'undefined';
    case 'symbol':
      return 'a symbol';
    case 'function':
      return 'a function';
    default:
      if (value === null) return 'null';
      if (Array.isArray(value)) return 'an array';
      if (value instanceof Uint8Array) return 'a Buffer';
      return 'an object';
  }
}
