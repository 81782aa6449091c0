// `ephemdir recover NAME`: finish (or --forget) an interrupted deletion.
import { escapeForTerminal as esc } from '../../core/humanize';
import { api } from '../api';
import { UsageError } from '../io';
import { defineCommand } from '../spec';

export default defineCommand(
  {
    name: 'recover',
    summary: 'retry an interrupted deletion (or --forget it)',
    args: 'NAME',
    minArgs: 1,
    maxArgs: 1,
    complete: 'names',
    options: {
      forget: { type: 'boolean', help: 'drop the registry entry only; delete no files' },
      retry: { type: 'boolean', help: 'retry the deletion (the default)' },
    },
    examples: [{ run: 'ephemdir recover build', does: 'finish removing build after a crash interrupted its deletion' }],
  },
  async (ctx, opts, args) => {
    if (opts.forget && opts.retry) throw new UsageError('give either --forget or --retry, not both');
    const r = await api().recover(args[0]!, { forget: opts.forget });
    ctx.note(`${esc(r.action)}: ${esc(r.path)}`);
    return 0;
  },
);
