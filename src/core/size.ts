// Sizes: byte counts, or strings such as "500", "10k", "1.5 GB", "2GiB".
// Arithmetic is exact (BigInt over the decimal digits), so "0.1 KiB" is
// 102 bytes on every platform and a value near the limit cannot round past it.
import { invalidArgument } from '../errors';
import { describeValue } from './humanize';

/** Longer strings are refused before parsing. */
const MAX_SIZE_LENGTH = 64;

/** For `--help` and the README. */
export const SIZE_GRAMMAR = `\
A size is a number of bytes with an optional unit: 500, 10k, 1.5 GB, 2GiB.
  number  digits with an optional fraction (1, 1.5); no sign, no exponent
  unit    B (bytes, the default)
          k, KB, M, MB, G, GB, T, TB   powers of 1000
          KiB, MiB, GiB, TiB           powers of 1024
Unit letters are case-insensitive (10mb = 10 MB; a single m is megabytes here).
One space may separate the number from the unit. Fractions of a byte are
dropped (0.1 KiB = 102 bytes). The maximum is 2^53 - 1 bytes (about 9 PB).`;

const SIZE_UNITS: ReadonlyMap<string, bigint> = new Map<string, bigint>([
  ['', 1n],
  ['b', 1n],
  ['k', 1000n],
  ['kb', 1000n],
  ['m', 1000n ** 2n],
  ['mb', 1000n ** 2n],
  ['g', 1000n ** 3n],
  ['gb', 1000n ** 3n],
  ['t', 1000n ** 4n],
  ['tb', 1000n ** 4n],
  ['kib', 1024n],
  ['mib', 1024n ** 2n],
  ['gib', 1024n ** 3n],
  ['tib', 1024n ** 4n],
]);

const SIZE = /^(\d+)(?:\.(\d+))?( ?)(.*)$/s;

/**
 * A size limit in bytes. A number must be a non-negative safe integer; `null`
 * means no limit; a string must follow {@link SIZE_GRAMMAR}. Throws
 * `EPHEMDIR_INVALID_ARGUMENT` otherwise.
 */
export function parseSize(value: number | string | null): number | null {
  if (value === null) return null;
  const fail = (reason: string) => invalidArgument(`invalid size ${describeValue(value)}: ${reason}`, { value });
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || !Number.isInteger(value)) throw fail('expected a whole number of bytes');
    if (value < 0) throw fail('a size cannot be negative');
    if (!Number.isSafeInteger(value)) throw fail('larger than the maximum of 2^53 - 1 bytes');
    return value + 0; // -0 becomes 0
  }
  if (typeof value !== 'string') throw fail("expected a number of bytes, a string such as '2GiB', or null");
  if (value.length > MAX_SIZE_LENGTH) throw fail(`longer than ${MAX_SIZE_LENGTH} characters`);

  const input = value.trim();
  if (input === '') throw fail('it is empty; write e.g. 500MB or 2GiB');
  const match = SIZE.exec(input);
  if (match === null) throw fail(describeBadStart(input));
  const [, whole, fraction = '', space, written] = match as unknown as [string, string, string | undefined, string, string];
  if (space !== '' && written === '') throw fail('a space must be followed by a unit');
  const multiplier = SIZE_UNITS.get(written.toLowerCase());
  if (multiplier === undefined) throw fail(describeBadUnit(whole, written));

  const bytes = (BigInt(whole + fraction) * multiplier) / 10n ** BigInt(fraction.length);
  if (bytes > BigInt(Number.MAX_SAFE_INTEGER)) throw fail('larger than the maximum of 2^53 - 1 bytes');
  return Number(bytes);
}

function describeBadStart(input: string): string {
  if (input.startsWith('-')) return 'a size cannot be negative';
  if (input.startsWith('+')) return "a size takes no sign; write e.g. '2GiB'";
  if (input.startsWith('.')) return 'a fraction needs a leading digit, e.g. 0.5GB';
  return "expected a number, e.g. '500MB' or '2GiB'";
}

function describeBadUnit(whole: string, written: string): string {
  if (/^e[+-]?\d/i.test(written)) return `exponent notation is not supported; write the digits, e.g. ${whole}000`;
  if (written.startsWith('.')) return 'the number has more than one decimal point';
  if (/\d/.test(written)) return 'a size is one number and one unit';
  return `unknown unit ${describeValue(written)}; use B, KB, MB, GB, TB, KiB, MiB, GiB or TiB`;
}

const IEC_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'] as const;

/**
 * A byte count in IEC units with one decimal: `0 B`, `1023 B`, `1.0 KiB`,
 * `12.1 MiB`. Values that round up to 1024 of a unit move to the next unit
 * (`1.0 MiB`, not `1024.0 KiB`).
 */
export function formatSize(bytes: number): string {
  if (typeof bytes !== 'number' || !Number.isFinite(bytes) || bytes < 0) {
    throw invalidArgument(`invalid size ${describeValue(bytes)}: expected a non-negative number of bytes`, {
      value: bytes,
    });
  }
  if (bytes < 1024) return `${Math.floor(bytes)} B`;
  let index = Math.min(Math.floor(Math.log2(bytes) / 10), IEC_UNITS.length - 1);
  let scaled = Math.round((bytes / 1024 ** index) * 10) / 10;
  if (scaled >= 1024 && index < IEC_UNITS.length - 1) {
    index += 1;
    scaled = Math.round((bytes / 1024 ** index) * 10) / 10;
  }
  return `${scaled.toFixed(1)} ${IEC_UNITS[index]}`;
}
