// Text for people: time left, and escaping of anything that reaches a terminal.
// Directory names, paths, tags and descriptions can come from other users (a
// shared /tmp, a hand-edited registry), so every one of them goes through
// escapeForTerminal before it is printed or put into an error message.
import { invalidArgument } from '../errors';
import { escapeForTerminal } from './escape';

// The escaping function lives in escape.ts (importable by every layer).
export { escapeForTerminal } from './escape';

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
