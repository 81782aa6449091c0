// `ephemdir last`: print the newest tracked directory's path (data on stdout).
import { pathJson, stringify } from '../json';
import { JSON_OPT, defineCommand } from '../spec';
import { dataPath, newest } from '../target';

export default defineCommand(
  {
    name: 'last',
    summary: 'print the path of the newest tracked directory',
    options: { json: JSON_OPT },
    examples: [{ run: 'cd "$(ephemdir last)"', does: 'step into the newest tracked directory' }],
  },
  async (ctx, opts) => {
    const found = await newest();
    if (opts.json) ctx.out(stringify(pathJson(found)));
    else ctx.out(`${dataPath(ctx, found.path)}\n`);
    return 0;
  },
);
