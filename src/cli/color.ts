// When to colour, and how. Colour goes only to a terminal, unless asked for;
// NO_COLOR (any value, even empty) turns `auto` off; `always` and `never` win
// over both. JSON is never coloured (its callers pass `false`).

export type ColorMode = 'auto' | 'always' | 'never';
export type ColorName = 'bold' | 'dim' | 'red' | 'green' | 'yellow' | 'blue' | 'cyan';

const CODES: Record<ColorName, number> = { bold: 1, dim: 2, red: 31, green: 32, yellow: 33, blue: 34, cyan: 36 };

export function shouldColor(mode: ColorMode, stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): boolean {
  if (mode === 'always') return true;
  if (mode === 'never') return false;
  if (env.NO_COLOR !== undefined) return false;
  if (env.TERM === 'dumb') return false;
  return stream.isTTY === true;
}

export type Painter = (color: ColorName | null | undefined, text: string) => string;

export function painter(enabled: boolean): Painter {
  if (!enabled) return (_c, text) => text;
  return (color, text) => (color && text ? `\x1b[${CODES[color]}m${text}\x1b[0m` : text);
}

/**
 * Whether the terminal can show emoji: the locale must be UTF-8 and the
 * terminal not the Linux console. Like the reference tool, this depends on
 * the encoding, not on whether the stream is a terminal.
 */
export function canShowEmoji(env: NodeJS.ProcessEnv): boolean {
  const locale = env.LC_ALL || env.LC_CTYPE || env.LANG || '';
  if (!/utf-?8/i.test(locale)) return false;
  return env.TERM !== 'linux' && env.TERM !== 'dumb';
}
