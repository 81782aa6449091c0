// Turning a thrown error into one diagnostic line and an exit status:
// 2 for usage or invalid input, 1 for everything else. Expected failures never
// show a stack trace; an unexpected one shows it only with -v.
import { escapeMessage } from '../errors';
import { Reported, UsageError, type Ctx } from './io';

/** Escapes characters a terminal may act on, leaving readable text (and backslashes) alone. */
export const sanitize = escapeMessage;

function isPolicyError(err: unknown): err is Error & { code: string; matches?: unknown } {
  const code = err instanceof Error ? (err as { code?: unknown }).code : undefined;
  return typeof code === 'string' && code.startsWith('EPHEMDIR_');
}

function isSystemError(err: unknown): err is Error & { code: string } {
  return err instanceof Error && typeof (err as { code?: unknown }).code === 'string' &&
    typeof (err as { errno?: unknown }).errno === 'number';
}

/** Reports `err` on stderr and returns the exit status. */
export function report(ctx: Ctx, err: unknown): number {
  if (err instanceof Reported) return err.exitCode;
  if (err instanceof UsageError) {
    ctx.error(sanitize(err.message));
    return 2;
  }
  if (isPolicyError(err)) {
    ctx.error(sanitize(err.message));
    if (err.code === 'EPHEMDIR_AMBIGUOUS' && Array.isArray(err.matches) && !err.message.includes(String(err.matches[0]))) {
      for (const m of err.matches) ctx.streams.stderr.write(`  ${sanitize(String(m))}\n`);
    }
    ctx.debug(`(${err.code})`);
    return err.code === 'EPHEMDIR_INVALID_ARGUMENT' ? 2 : 1;
  }
  if (isSystemError(err)) {
    ctx.error(sanitize(err.message));
    return 1;
  }
  const e = err instanceof Error ? err : new Error(String(err));
  ctx.error(`internal error: ${sanitize(e.message.split('\n')[0] ?? '')}${ctx.verbosity >= 1 ? '' : ' (run with -v for details)'}`);
  if (ctx.verbosity >= 1 && e.stack) ctx.streams.stderr.write(`${e.stack.split('\n').map(sanitize).join('\n')}\n`);
  return 1;
}
