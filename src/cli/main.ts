// ephemdir's command line. Startup is kept lean: this file loads only the
// list of commands and the parser; the one command's file (and the library
// API behind it) is required when that command is named.
import { readFileSync } from 'node:fs';
import { parseCommand, splitGlobal } from './args';
import { isCommandName, loadCommand, visibleCommands } from './commands/index';
import { report } from './errors';
import { makeCtx, UsageError, type Ctx, type Streams } from './io';
import type { Command } from './spec';
import { useDataDir } from './api';
import { stdioWriter } from './stdio';

/** The streams of the running bin (null when main() is called from a test). */
let binStreams: Streams | null = null;

/** The command a user named, or undefined (the hidden helper is found by its exact name only). */
function findCommand(name: string): Command | undefined {
  return isCommandName(name) ? loadCommand(name) : undefined;
}

/** `unknown command 'lsit' (did you mean list?)`, among the commands a user sees. */
function unknownCommand(name: string): UsageError {
  const names = visibleCommands().map((c) => c.name);
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy: suggestions load only for a mistyped command (CLI start-up)
  const { didYouMean } = require('./suggest') as typeof import('./suggest');
  return new UsageError(`unknown command '${name}'${didYouMean(name, names, ' (see: ephemdir --help)')}`);
}

function version(): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy: loads only for --version (CLI start-up)
  const { installFolder } = require('../api/install') as typeof import('../api/install');
  // Read, not required: the package root is found at run time (a bundler must not try to resolve it).
  const pkg = JSON.parse(readFileSync(`${installFolder()}/package.json`, 'utf8')) as { version: string };
  return pkg.version;
}

function loadHelp(): typeof import('./help') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy: help text loads only when asked for (CLI start-up)
  return require('./help') as typeof import('./help');
}

/** Library warnings (config problems) as our own diagnostics, not node's `(node:PID) Warning:` lines. */
function routeWarnings(ctx: Ctx): void {
  if (process.listenerCount('warning') === 0 || binStreams === null || ctx.streams.stderr !== binStreams.stderr) return;
  process.removeAllListeners('warning');
  process.on('warning', (w: Error) => ctx.warn(w.message));
}

/** Ends quietly when the reader of stdout goes away (`ephemdir list | head`). */
function quietOnClosedPipe(streams: Streams): void {
  const onError = (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE' || err.code === 'ERR_STREAM_DESTROYED') process.exit(process.exitCode ?? 0);
    throw err;
  };
  streams.stdout.on('error', onError);
  streams.stderr.on('error', () => undefined);
}

export async function main(argv: readonly string[], streams: Streams, env: NodeJS.ProcessEnv): Promise<number> {
  let ctx = makeCtx('', { verbosity: 0, colorMode: 'auto' }, streams, env);
  try {
    const split = splitGlobal(argv);
    const { globals } = split;
    if (globals.version && split.command === null) {
      streams.stdout.write(`ephemdir ${version()}\n`);
      return 0;
    }
    if (split.command === null) {
      const { mainHelp } = loadHelp();
      if (globals.help) {
        streams.stdout.write(mainHelp());
        return 0;
      }
      streams.stderr.write(mainHelp());
      return 2;
    }
    const spec = findCommand(split.command);
    if (!spec) {
      if (split.command === 'help') {
        const asked = split.rest[0];
        const target = asked === undefined ? undefined : findCommand(asked);
        // `help lsit` is the same typo as `lsit`: say so rather than print the main help.
        if (asked !== undefined && (!target || target.hidden)) throw unknownCommand(asked);
        const help = loadHelp();
        streams.stdout.write(target ? help.commandHelp(target) : help.mainHelp());
        return 0;
      }
      ctx = makeCtx('', globals, streams, env);
      throw unknownCommand(split.command);
    }
    ctx = makeCtx(spec.name, globals, streams, env);
    const parsed = parseCommand(spec, split.rest, globals);
    if (globals.help) {
      const { commandHelp } = loadHelp();
      streams.stdout.write(commandHelp(spec));
      return 0;
    }
    ctx = makeCtx(spec.name, globals, streams, env);
    routeWarnings(ctx);
    useDataDir(ctx.dataDir);
    // The parser built exactly the fields OptionsOf<typeof spec.options> describes.
    const code = await spec.run(ctx, parsed.opts as never, parsed.positionals);
    return typeof code === 'number' ? code : 0;
  } catch (err) {
    if (err instanceof UsageError && ctx.command === '') {
      streams.stderr.write(`ephemdir: ${err.message}\n`);
      return 2;
    }
    return report(ctx, err);
  }
}

/** Runs the command line of this process (the bin; see launch.ts) and exits with its status. */
export function runBin(): void {
  // Not process.stdout/stderr: for a pipe or file they are written directly (see stdio.ts).
  const streams: Streams = {
    stdout: stdioWriter(1),
    stderr: stdioWriter(2),
    // Made on first use: node builds the stdin stream when it is first read (only `menu` reads it).
    get stdin() {
      return process.stdin;
    },
  };
  binStreams = streams;
  quietOnClosedPipe(streams);
  main(process.argv.slice(2), streams, process.env).then(
    (code) => {
      process.exitCode = code;
      // Exit once output is flushed, even if a library handle would keep the loop alive.
      streams.stdout.write('', () => streams.stderr.write('', () => process.exit(code)));
    },
    (err: unknown) => {
      streams.stderr.write(`ephemdir: internal error: ${String(err)}\n`);
      process.exitCode = 1;
    },
  );
}

if (require.main === module) runBin();
