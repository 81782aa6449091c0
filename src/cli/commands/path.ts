// `ephemdir path [NAME]` and `ephemdir last`: print a path (data on stdout).
import { api } from '../api';
import { flag, type Values } from '../args';
import type { Ctx } from '../io';
import { pathJson, stringify } from '../json';
import { dataPath, hereOrNewest, nameOf, newest } from '../target';

export async function run(ctx: Ctx, name: string, values: Values, positionals: string[]): Promise<number> {
  let found: { path: string; name: string };
  if (name === 'last') found = await newest();
  else if (positionals[0] !== undefined) {
    const p = await api().resolve(positionals[0]);
    found = { path: p, name: nameOf(p) };
  } else found = await hereOrNewest();
  if (flag(values, 'json')) ctx.out(stringify(pathJson(found)));
  else ctx.out(`${dataPath(ctx, found.path)}\n`);
  return 0;
}
