// `ephemdir keep [NAME]` / `keep --tag T`: stop tracking, keep on disk.
import { escapeForTerminal as esc } from '../../core/humanize';
import { api } from '../api';
import { TAG_FILTER, TARGET_HELP, defineCommand } from '../spec';
import { batch, dataPath, tagged, tagOrTarget, targetOrHere } from '../target';

export default defineCommand(
  {
    name: 'keep',
    summary: 'stop tracking a directory but keep it on disk',
    args: '[NAME]',
    minArgs: 0,
    maxArgs: 1,
    complete: 'names',
    options: { tag: { ...TAG_FILTER, help: 'keep every directory carrying this tag (repeatable; all must match)' } },
    details: TARGET_HELP,
    examples: [
      { run: 'ephemdir keep build', does: 'stop tracking it; the directory stays on disk for good' },
      { run: 'ephemdir keep --tag build', does: 'the same for every directory tagged build' },
    ],
  },
  async (ctx, opts, args) => {
    const tags = tagOrTarget(opts.tag, args);
    const keepOne = async (target: string) => {
      const p = await api().keep(target);
      ctx.out(`${dataPath(ctx, p)}\n`);
      ctx.note(`kept ${esc(p)} -- it will not be auto-removed`);
    };
    if (tags.length) {
      const entries = await tagged(ctx, tags);
      return batch(ctx, entries, (e) => keepOne(e.path));
    }
    await keepOne(await targetOrHere(args[0]));
    return 0;
  },
);
