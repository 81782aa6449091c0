// Lifetimes: numbers of seconds, or strings such as "1h30m", "1.5h", "7d".
// The grammar is ours and strict (case-sensitive units, no bare numbers, no
// months); `ms` does the arithmetic of each single `<number><unit>` part, which
// it gets right, while we do the parts it gets wrong (compound durations, "1M"
// meaning minutes, bare numbers meaning milliseconds).
import ms from 'ms';
import { invalidArgument } from '../errors';
import { describeValue } from './humanize';

/** The largest lifetime accepted: 100 years of 365 days. Beyond it is a typo. */
export const MAX_DURATION_SECONDS = 100 * 365 * 86_400;

/** Longer strings are refused before parsing (no legitimate duration needs more). */
const MAX_DURATION_LENGTH = 64;

/** For `--help` and the README. */
export const DURATION_GRAMMAR = `\
A duration is one or more <number><unit> parts: 90s, 30m, 1h30m, "1h 30m", 1.5h, 7d, 2w.
  number  digits with an optional fraction (1, 1.5); no sign, no exponent
  unit    ms
          s, sec, secs, second, seconds
          m, min, mins, minute, minutes
          h, hr, hrs, hour, hours
          d, day, days
          w, week, weeks
Units are lowercase ("M" is not minutes; there are no months or years).
One space may separate a number from its unit, and one part from the next.
Each unit may appear once, in any order. A bare number such as "3600" needs a
unit: 3600s. The maximum is 100 years (36500d).`;

type BaseUnit = 'ms' | 's' | 'm' | 'h' | 'd' | 'w';

// Every accepted spelling, mapped to the short unit handed to `ms`.
const UNIT_SPELLINGS: ReadonlyMap<string, BaseUnit> = new Map<string, BaseUnit>([
  ['ms', 'ms'],
  ...(['s', 'sec', 'secs', 'second', 'seconds'] as const).map((u) => [u, 's'] as const),
  ...(['m', 'min', 'mins', 'minute', 'minutes'] as const).map((u) => [u, 'm'] as const),
  ...(['h', 'hr', 'hrs', 'hour', 'hours'] as const).map((u) => [u, 'h'] as const),
  ...(['d', 'day', 'days'] as const).map((u) => [u, 'd'] as const),
  ...(['w', 'week', 'weeks'] as const).map((u) => [u, 'w'] as const),
]);

// One part, matched at the current position: a number, at most one space, letters.
const PART = /(\d+(?:\.\d+)?)( ?)([A-Za-z]*)/y;

/** One `<number><unit>` part as written. */
export interface DurationPart {
  number: string;
  unit: BaseUnit;
}

/**
 * A lifetime in seconds. A number is taken as seconds (finite, ≥ 0); `null`
 * means no time limit and is returned as is; a string must follow
 * {@link DURATION_GRAMMAR}. Throws `EPHEMDIR_INVALID_ARGUMENT` otherwise.
 */
export function parseDuration(value: number | string | null): number | null {
  if (value === null) return null;
  if (typeof value === 'number') return checkSeconds(value, value);
  if (typeof value === 'string') return sumParts(parseDurationParts(value, value), value);
  throw invalidArgument(
    `invalid duration ${describeValue(value)}: expected a number of seconds, a string such as '2h', or null`,
    { value },
  );
}

/** The argument of `extend NAME +1h` (added to the current expiry) or `extend NAME 2h` (from now). */
export interface Extension {
  relative: boolean;
  seconds: number;
}

/**
 * Parses an extension: a leading `+` makes it relative to the current expiry
 * (`+1h`), otherwise it is a fresh lifetime counted from now (`2h`).
 */
export function parseExtension(value: string): Extension {
  if (typeof value !== 'string') {
    throw invalidArgument(`invalid extension ${describeValue(value)}: expected a string such as '+1h' or '2h'`, {
      value,
    });
  }
  const trimmed = value.trim();
  if (trimmed.startsWith('+')) {
    const rest = trimmed.slice(1);
    if (!/^\d/.test(rest)) {
      throw invalidArgument(`invalid extension ${describeValue(value)}: '+' must be followed by a duration, e.g. +1h`, {
        value,
      });
    }
    return { relative: true, seconds: sumParts(parseDurationParts(rest, value), value) };
  }
  return { relative: false, seconds: sumParts(parseDurationParts(value, value), value) };
}

/**
 * Splits a duration string into its parts without converting them; `original`
 * is what error messages quote. Exported for tests and for callers that want
 * to show how a duration was read.
 */
export function parseDurationParts(text: string, original: string = text): DurationPart[] {
  const fail = (reason: string) => invalidArgument(`invalid duration ${describeValue(original)}: ${reason}`, {
    value: original,
  });
  if (text.length > MAX_DURATION_LENGTH) throw fail(`longer than ${MAX_DURATION_LENGTH} characters`);
  const input = text.trim();
  if (input === '') throw fail('it is empty; write e.g. 30m, 2h or 7d');

  const parts: DurationPart[] = [];
  const seen = new Set<BaseUnit>();
  let position = 0;
  while (position < input.length) {
    PART.lastIndex = position;
    const match = PART.exec(input);
    if (match === null) throw fail(describeUnexpected(input, position, parts.length === 0));
    const [whole, number, , written] = match as unknown as [string, string, string, string];
    if (written === '') {
      const next = position + whole.length;
      if (next < input.length && !/\d/.test(input[next]!)) throw fail(describeUnexpected(input, next, false));
      throw fail(
        parts.length === 0 && whole.length === input.length
          ? `add a unit, e.g. ${number}s (a bare number is ambiguous)`
          : `'${number}' has no unit; add one, e.g. ${number}m`,
      );
    }
    const unit = lookUpUnit(written, fail);
    if (seen.has(unit)) throw fail(`the unit '${written}' repeats a unit used earlier; give each unit once`);
    seen.add(unit);
    parts.push({ number, unit });
    position += whole.length;
    // One optional space between parts; more, or a trailing separator, is an error.
    if (input[position] === ' ') {
      position += 1;
      if (input[position] === ' ') throw fail('use a single space between parts');
    }
  }
  return parts;
}

/** Total seconds of the parts, each converted by `ms`. */
function sumParts(parts: readonly DurationPart[], original: string): number {
  let totalMilliseconds = 0;
  for (const { number, unit } of parts) {
    const milliseconds = ms(`${number}${unit}` as ms.StringValue);
    if (typeof milliseconds !== 'number' || !Number.isFinite(milliseconds)) {
      throw invalidArgument(`invalid duration ${describeValue(original)}: '${number}${unit}' is out of range`, {
        value: original,
      });
    }
    totalMilliseconds += milliseconds;
  }
  // Whole microseconds: hides binary-fraction noise such as 1.1s -> 1.1000000000000003.
  const seconds = Math.round(totalMilliseconds * 1000) / 1_000_000;
  return checkSeconds(seconds, original);
}

function checkSeconds(seconds: number, original: unknown): number {
  const fail = (reason: string) => invalidArgument(`invalid duration ${describeValue(original)}: ${reason}`, {
    value: original,
  });
  if (!Number.isFinite(seconds)) throw fail('expected a finite number of seconds');
  if (seconds < 0) throw fail('a duration cannot be negative');
  if (seconds > MAX_DURATION_SECONDS) throw fail('longer than the maximum of 100 years');
  return seconds + 0; // -0 becomes 0
}

function lookUpUnit(written: string, fail: (reason: string) => Error): BaseUnit {
  const unit = UNIT_SPELLINGS.get(written);
  if (unit !== undefined) return unit;
  if (written === 'M') throw fail("unknown unit 'M': did you mean m (minutes)? months are not a unit");
  const lower = written.toLowerCase();
  if (/^(y|yrs?|years?)$/.test(lower)) throw fail(`unknown unit '${written}': years are not a unit; use days, e.g. 365d`);
  if (/^(mo|mos|mths?|months?)$/.test(lower)) {
    throw fail(`unknown unit '${written}': months are not a unit; use days, e.g. 30d`);
  }
  const lowercased = UNIT_SPELLINGS.get(lower);
  if (lowercased !== undefined) throw fail(`units are lowercase: did you mean '${lower}'?`);
  throw fail(`unknown unit '${written}'; use ms, s, m, h, d or w`);
}

function describeUnexpected(input: string, position: number, atStart: boolean): string {
  const character = input[position]!;
  if (character === '-') return 'a duration cannot be negative';
  if (character === '+') {
    return atStart ? "a leading '+' is only allowed when extending (extend NAME +1h)" : "unexpected '+'";
  }
  if (character === '.') {
    const digitBefore = /\d/.test(input[position - 1] ?? '');
    const digitAfter = /\d/.test(input[position + 1] ?? '');
    if (digitBefore && digitAfter) return 'the number has more than one decimal point';
    if (digitBefore) return 'a decimal point must be followed by digits, e.g. 1.5h';
    return 'a fraction needs a leading digit, e.g. 0.5h';
  }
  if (character === ' ') return 'use a single space between parts';
  if (character === ',') return "parts are not separated by commas; write e.g. '1h30m' or '1h 30m'";
  return `unexpected ${describeValue(character)} at position ${position + 1}; expected a number such as 30m`;
}
