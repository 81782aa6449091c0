// `ephemdir extend [NAME] DUR|+DUR` / `--forever`: more time for a tracked directory.
import type { Entry } from '../../model/entry';
import { parseExtension } from '../../core/duration';
import { escapeForTerminal as esc, formatRemaining } from '../../core/humanize';
import { api } from '../api';
import { warnNoAutoCleanup } from '../format';
import { UsageError } from '../io';
import { TARGET_HELP, defineCommand } from '../spec';
import { targetOrHere } from '../target';

function looksLikeExtension(text: string): boolean {
  try {
    parseExtension(text);
    return true;
  } catch {
    return false;
  }
}

export default defineCommand(
  {
    name: 'extend',
    summary: 'give a directory more time',
    args: '[NAME] [DUR|+DUR]',
    minArgs: 0,
    maxArgs: 2,
    complete: 'names',
    options: { forever: { type: 'boolean', help: 'remove the time limit' } },
    details:
      'DUR is a fresh lifetime counted from now; +DUR adds to the current expiry.\n' +
      '`extend DUR` and `extend --forever` work on the directory you stand in.\n' +
      TARGET_HELP,
    examples: [
      { run: 'ephemdir extend build +1h', does: 'one more hour on top of the current expiry' },
      { run: 'ephemdir extend build 30m', does: 'a fresh lifetime: 30 minutes from now' },
      { run: 'ephemdir extend build --forever', does: 'no time limit' },
    ],
  },
  async (ctx, opts, args) => {
    const forever = opts.forever;
    let target: string | undefined;
    let duration: string | undefined;
    if (args.length === 2) {
      if (forever) throw new UsageError('give either a duration or --forever, not both');
      [target, duration] = args as [string, string];
    } else if (args.length === 1) {
      if (forever) {
        // `extend --forever 30m` must not look up a directory named "30m" (or,
        // worse, one whose name starts with "2h"): a duration here is a mistake.
        if (looksLikeExtension(args[0]!)) throw new UsageError('give either a duration or --forever, not both');
        target = args[0];
      } else if (looksLikeExtension(args[0]!)) duration = args[0];
      else {
        // Not a duration: it is either a NAME without a duration, or a malformed duration.
        const looksNumeric = /^[+\d.]/.test(args[0]!);
        if (looksNumeric) parseExtension(args[0]!); // throws the precise invalid-duration message
        throw new UsageError('missing duration: extend NAME DUR, extend NAME +DUR or extend NAME --forever');
      }
    } else if (!forever) {
      throw new UsageError('missing duration: extend [NAME] DUR|+DUR, or extend [NAME] --forever');
    }
    const path = await targetOrHere(target);
    let entry: Entry;
    if (forever) entry = await api().extend(path, null);
    else {
      const ext = parseExtension(duration!);
      entry = await api().extend(path, ext.seconds, { relative: ext.relative });
    }
    if (entry.expiresAt === null) {
      ctx.note(`${esc(entry.name)} now has no time limit`);
      warnNoAutoCleanup(ctx, entry, 'extend it with a duration to have it cleaned up');
    }
    else {
      const left = Math.max(0, Math.floor(entry.expiresAt - Date.now() / 1000));
      ctx.note(`${esc(entry.name)} now expires in ${formatRemaining(left)} (${new Date(entry.expiresAt * 1000).toISOString()})`);
    }
    return 0;
  },
);
