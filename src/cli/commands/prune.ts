// `ephemdir prune`: forget tracked directories that are missing from disk.
import { escapeForTerminal as esc } from '../../core/humanize';
import { api } from '../api';
import { plural } from '../format';
import { defineCommand } from '../spec';

export default defineCommand(
  {
    name: 'prune',
    summary: 'forget tracked directories that are missing from disk',
    options: {},
    examples: [{ run: 'ephemdir prune', does: 'forget entries whose directory was deleted by hand' }],
  },
  async (ctx) => {
    const paths = await api().prune();
    for (const p of paths) ctx.note(`forgot missing tracked directory: ${esc(p)}`);
    ctx.note(`pruned ${plural(paths.length, 'missing entry', 'missing entries')}`);
    return 0;
  },
);
