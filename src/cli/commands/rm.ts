// `ephemdir rm [NAME]` / `rm --tag T`: remove tracked directories now.
import type { Entry } from '../../model/entry';
import { escapeForTerminal as esc } from '../../core/humanize';
import { api } from '../api';
import { plural } from '../format';
import { TAG_FILTER, TARGET_HELP, defineCommand } from '../spec';
import { batch, dataPath, here, tagged, tagOrTarget, targetOrHere } from '../target';

export default defineCommand(
  {
    name: 'rm',
    summary: 'remove a tracked directory now',
    args: '[NAME]',
    minArgs: 0,
    maxArgs: 1,
    complete: 'names',
    options: {
      tag: { ...TAG_FILTER, help: 'remove every directory carrying this tag (repeatable; all must match)' },
      'dry-run': { type: 'boolean', short: 'n', help: 'print what would be removed, remove nothing' },
    },
    details: TARGET_HELP,
    examples: [
      { run: 'ephemdir rm --tag build --dry-run', does: 'what `rm --tag build` would remove' },
      { run: 'ephemdir rm build', does: 'remove the directory whose name starts with build, now' },
    ],
  },
  async (ctx, opts, args) => {
    const tags = tagOrTarget(opts.tag, args);
    let entries: Entry[] | null = null;
    if (tags.length) {
      entries = await tagged(ctx, tags);
    } else if (opts.dryRun) {
      entries = [args[0] !== undefined ? await api().trackedEntry(args[0]) : await here()];
    }
    if (opts.dryRun) {
      for (const e of entries!) {
        ctx.out(`${dataPath(ctx, e.path)}\n`);
      }
      ctx.note(`would remove ${plural(entries!.length, 'directory', 'directories')} (dry run)`);
      return 0;
    }
    const removeOne = async (target: string) => {
      const r = await api().remove(target);
      ctx.note(`removed ${esc(r.path)}`);
      ctx.info(`  ${plural(r.entriesRemoved, 'entry', 'entries')} deleted`);
    };
    if (entries) return batch(ctx, entries, (e) => removeOne(e.path));
    await removeOne(await targetOrHere(args[0]));
    return 0;
  },
);
