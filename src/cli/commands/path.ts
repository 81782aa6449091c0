// `ephemdir path [NAME]`: print a tracked directory's path (data on stdout).
import { api } from '../api';
import { pathJson, stringify } from '../json';
import { JSON_OPT, defineCommand } from '../spec';
import { dataPath, hereOrNewest, nameOf } from '../target';

export default defineCommand(
  {
    name: 'path',
    summary: 'print the path of a tracked directory',
    args: '[NAME]',
    minArgs: 0,
    maxArgs: 1,
    complete: 'names',
    options: { json: JSON_OPT },
    details:
      'Without NAME: the tracked directory you stand in, else the newest one.\n' +
      'NAME is a full path, an exact name or a unique prefix of a name.',
    examples: [
      { run: 'ephemdir path build', does: 'the path of the directory whose name starts with build' },
      { run: 'cd "$(ephemdir path build)"', does: 'step into it (ecd build does the same, from shell-init)' },
    ],
  },
  async (ctx, opts, args) => {
    let found: { path: string; name: string };
    if (args[0] !== undefined) {
      const p = await api().resolve(args[0]);
      found = { path: p, name: nameOf(p) };
    } else found = await hereOrNewest();
    if (opts.json) ctx.out(stringify(pathJson(found)));
    else ctx.out(`${dataPath(ctx, found.path)}\n`);
    return 0;
  },
);
