// `ephemdir __complete KIND [PREFIX]`: the hidden helper the completion scripts call.
import { UsageError } from '../io';
import { defineCommand } from '../spec';
import { completeNames } from '../shell';
import { visibleCommands } from './index';

export default defineCommand(
  {
    name: '__complete',
    summary: 'completion helper',
    args: 'KIND [PREFIX]',
    minArgs: 1,
    maxArgs: 2,
    complete: 'none',
    options: {},
    hidden: true,
    examples: [],
  },
  async (ctx, _opts, args) => {
    const kind = args[0];
    if (kind === 'names') ctx.out(await completeNames(args[1] ?? ''));
    else if (kind === 'commands') {
      ctx.out(visibleCommands().map((c) => `${c.name}\n`).join(''));
    } else throw new UsageError(`unknown completion kind '${kind ?? ''}'`);
    return 0;
  },
);
