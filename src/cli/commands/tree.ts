// `ephemdir tree`: the tracked directories grouped by parent, with measured sizes.
import { api } from '../api';
import { MEASURED_STATUSES, outputColumns, renderTree, type TreeItem } from '../format';
import { jsonModule, mapLimit, trackedInOrder } from '../listing';
import { outChunks } from '../io';
import { JSON_OPT, PLAIN_OPT, TAG_FILTER, defineCommand } from '../spec';

export default defineCommand(
  {
    name: 'tree',
    summary: 'tracked directories grouped by parent, with sizes',
    options: { json: JSON_OPT, plain: PLAIN_OPT, tag: TAG_FILTER },
    examples: [{ run: 'ephemdir tree --tag build', does: 'the directories tagged build, by parent, with sizes' }],
  },
  async (ctx, opts) => {
    const items = await trackedInOrder(ctx, opts.tag);
    const sized: TreeItem[] = await mapLimit(items, 8, async (t) => ({
      tracked: t,
      size: MEASURED_STATUSES.has(t.status) ? await api().sizeOf(t.entry).catch(() => null) : null,
    }));
    if (opts.json) {
      const { arrayChunks, treeItemJson } = jsonModule();
      await outChunks(ctx, arrayChunks(sized, (s) => treeItemJson(s.tracked, s.size)));
    } else if (sized.length === 0) ctx.note('no tracked directories');
    else ctx.out(renderTree(sized, { emoji: ctx.emoji(opts.plain), paint: ctx.paint, columns: outputColumns(ctx) }));
    return 0;
  },
);
