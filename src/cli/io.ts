// The per-invocation context every command gets: where data and diagnostics
// go, how loud to be, whether to colour, and the failure type for bad usage.
// stdout carries data only; everything else goes to stderr.
import { canShowEmoji, painter, shouldColor, type ColorMode, type Painter } from './color';

/** Bad usage or invalid input: exit 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A failure already reported on stderr: exit with `exitCode`, print nothing more. */
export class Reported extends Error {
  constructor(readonly exitCode: number) {
    super(`exit ${exitCode}`);
    this.name = 'Reported';
  }
}

export interface Streams {
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
}

export interface Ctx {
  command: string;
  /** -1 quiet, 0 normal, 1 verbose, 2 debug. */
  verbosity: number;
  colorMode: ColorMode;
  /** `--data-dir`: the registry every command uses instead of the configured one (undefined: the configured one). */
  dataDir: string | undefined;
  /** The environment, with EPHEMDIR_DATA_DIR set to `dataDir` when that is given (what doctor and install-service read). */
  env: NodeJS.ProcessEnv;
  streams: Streams;
  /** Colour for stdout / stderr text. */
  paint: Painter;
  paintErr: Painter;
  /** Emoji unless --plain or the terminal cannot show them. */
  emoji(plain: boolean | undefined): boolean;
  /** Write data to stdout (no newline added). */
  out(text: string): void;
  /** Confirmation messages ("removed P"): stderr, silenced by -q. */
  note(text: string): void;
  /** Details: stderr with -v. */
  info(text: string): void;
  /** Debug: stderr with -vv. */
  debug(text: string): void;
  /** A warning: stderr unless -q, prefixed `ephemdir: <command>: `. */
  warn(text: string): void;
  /** An error line: always shown, prefixed `ephemdir: <command>: `. */
  error(text: string): void;
}

export function makeCtx(
  command: string,
  opts: { verbosity: number; colorMode: ColorMode; dataDir?: string | undefined },
  streams: Streams,
  givenEnv: NodeJS.ProcessEnv,
): Ctx {
  const env = opts.dataDir === undefined ? givenEnv : { ...givenEnv, EPHEMDIR_DATA_DIR: opts.dataDir };
  const paintErr = painter(shouldColor(opts.colorMode, streams.stderr, env));
  const errLine = (text: string) => {
    streams.stderr.write(text.endsWith('\n') ? text : `${text}\n`);
  };
  const prefix = `ephemdir: ${command}: `;
  return {
    command,
    verbosity: opts.verbosity,
    colorMode: opts.colorMode,
    dataDir: opts.dataDir,
    env,
    streams,
    paint: painter(shouldColor(opts.colorMode, streams.stdout, env)),
    paintErr,
    emoji: (plain) => !plain && canShowEmoji(env),
    out: (text) => {
      streams.stdout.write(text);
    },
    note: (text) => {
      if (opts.verbosity >= 0) errLine(text);
    },
    info: (text) => {
      if (opts.verbosity >= 1) errLine(text);
    },
    debug: (text) => {
      if (opts.verbosity >= 2) errLine(text);
    },
    warn: (text) => {
      if (opts.verbosity >= 0) errLine(prefix + paintErr('yellow', 'warning: ') + text);
    },
    error: (text) => errLine(prefix + text),
  };
}

/**
 * Writes `chunks` to stdout one after another, waiting for the stream to
 * drain whenever it buffers (a slow pipe), so a long output is never held
 * in memory whole. Stops early if the stream is closed (`| head`).
 */
export async function outChunks(ctx: Ctx, chunks: Iterable<string>): Promise<void> {
  const out = ctx.streams.stdout;
  for (const chunk of chunks) {
    if (out.write(chunk)) continue;
    if ((out as { destroyed?: boolean }).destroyed) return;
    const closed = await new Promise<boolean>((resolve) => {
      const done = (isClosed: boolean) => {
        out.off('drain', onDrain);
        out.off('close', onClose);
        out.off('error', onClose);
        resolve(isClosed);
      };
      const onDrain = () => done(false);
      const onClose = () => done(true);
      out.on('drain', onDrain);
      out.on('close', onClose);
      out.on('error', onClose);
    });
    if (closed) return;
  }
}
