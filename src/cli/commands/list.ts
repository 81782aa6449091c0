// `ephemdir list`: the tracked directories, their status and time left.
import { outputColumns, renderList } from '../format';
import { jsonModule, stagingState, trackedInOrder } from '../listing';
import { outChunks } from '../io';
import { JSON_OPT, PLAIN_OPT, TAG_FILTER, defineCommand } from '../spec';

export default defineCommand(
  {
    name: 'list',
    summary: 'tracked directories with status and time left',
    options: { json: JSON_OPT, plain: PLAIN_OPT, tag: TAG_FILTER },
    examples: [
      { run: 'ephemdir list', does: 'every tracked directory: status, time left, where it is' },
      { run: 'ephemdir list --tag build --plain', does: 'only those tagged build, ASCII status tags' },
    ],
    statusLegend: true,
  },
  async (ctx, opts) => {
    const items = await trackedInOrder(ctx, opts.tag);
    if (opts.json) {
      const { arrayChunks, listItemJson } = jsonModule();
      // Streamed: 100,000 entries are never one string (nor one array of JSON objects).
      await outChunks(ctx, arrayChunks(items, (t) => listItemJson(t, t.entry.stagingPath === null ? null : stagingState(t.entry.stagingPath))));
    } else if (items.length === 0) ctx.note('no tracked directories');
    else ctx.out(renderList(items, { emoji: ctx.emoji(opts.plain), paint: ctx.paint, columns: outputColumns(ctx) }));
    return 0;
  },
);
