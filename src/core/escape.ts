// The one escaping function for text that may reach a terminal or a log:
// names and paths can come from other users (a shared /tmp, a hand-edited
// registry), so the CLI escapes everything it prints with it, and every
// library error escapes its message with it (errors.ts). It imports nothing
// at load time, so every layer can use it.

// Characters a terminal may act on or that hide/reorder text: controls (C0, DEL,
// C1), format characters (bidi overrides, zero-width joiners), lone surrogates,
// and the line/paragraph separators some terminals and editors break lines on.
const UNSAFE_CHARACTER = /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]/u;
// Printable ASCII without the backslash needs no work (the common case).
const PLAIN_ASCII = /^[\x20-\x5b\x5d-\x7e]*$/;
// With backslashes left alone: printable ASCII.
const PLAIN_TEXT = /^[\x20-\x7e]*$/;

export interface EscapeOptions {
  /**
   * Escape `\` as `\\` (default true), so that escaped output is unambiguous.
   * false leaves backslashes alone: escaping is then idempotent, which is
   * what error messages need (they may quote values escaped already).
   */
  backslashes?: boolean;
}

/**
 * Makes text safe to print: C0 controls and DEL become `\xNN`, other unsafe
 * code points (C1 controls, Unicode Cf such as U+202E, lone surrogates, U+2028,
 * U+2029) become `\u{N}`, and `\` becomes `\\`, so the output is unambiguous.
 * A Buffer is decoded as strict UTF-8; each byte that is not part of a
 * well-formed sequence becomes `\xNN` (always ≥ `\x80`, so it cannot be
 * confused with an escaped control character).
 */
export function escapeForTerminal(input: string | Uint8Array, options: EscapeOptions = {}): string {
  const backslashes = options.backslashes ?? true;
  if (typeof input === 'string') {
    if (PLAIN_ASCII.test(input) || (!backslashes && PLAIN_TEXT.test(input))) return input;
    let out = '';
    for (const character of input) out += escapeCodePoint(character.codePointAt(0)!, backslashes);
    return out;
  }
  if (input instanceof Uint8Array) return escapeUtf8Bytes(input, backslashes);
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- import cycle: errors.ts imports this module; loaded on this rare path only
  const { invalidArgument } = require('../errors') as typeof import('../errors');
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- import cycle: humanize.ts imports this module; loaded on this rare path only
  const { describeValue } = require('./humanize') as typeof import('./humanize');
  throw invalidArgument(`cannot escape ${describeValue(input)}: expected a string or a Buffer`, { value: input });
}

function escapeCodePoint(codePoint: number, backslashes: boolean): string {
  if (codePoint === 0x5c) return backslashes ? '\\\\' : '\\';
  if (codePoint < 0x20 || codePoint === 0x7f) return `\\x${codePoint.toString(16).padStart(2, '0')}`;
  const character = String.fromCodePoint(codePoint);
  return UNSAFE_CHARACTER.test(character) ? `\\u{${codePoint.toString(16)}}` : character;
}

function escapeUtf8Bytes(bytes: Uint8Array, backslashes: boolean): string {
  let out = '';
  let i = 0;
  while (i < bytes.length) {
    const decoded = decodeUtf8At(bytes, i);
    if (decoded === null) {
      out += `\\x${bytes[i]!.toString(16).padStart(2, '0')}`;
      i += 1;
    } else {
      out += escapeCodePoint(decoded.codePoint, backslashes);
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

