// `ephemdir prune`: forget tracked directories that are missing from disk or
// were replaced by another directory (policy/remedies.ts prunable()).
import { escapeForTerminal as esc } from '../../core/humanize';
import { api } from '../api';
import { plural } from '../format';
import { defineCommand } from '../spec';

export default defineCommand(
  {
    name: 'prune',
    summary: 'forget tracked directories that are missing from disk or were replaced by another directory (deletes nothing)',
    options: {},
    examples: [{ run: 'ephemdir prune', does: 'forget entries whose directory was deleted by hand, or replaced by another at its path' }],
  },
  async (ctx) => {
    const paths = await api().prune();
    for (const p of paths) ctx.note(`forgot tracked directory (missing or replaced): ${esc(p)}`);
    ctx.note(`pruned ${plural(paths.length, 'entry', 'entries')} (directory missing or replaced)`);
    return 0;
  },
);
