// `ephemdir stats`: usage counters.
import { api } from '../api';
import { flag, type Values } from '../args';
import type { Ctx } from '../io';
import { statsJson, stringify } from '../json';

export async function run(ctx: Ctx, _name: string, values: Values): Promise<number> {
  const s = await api().stats();
  if (flag(values, 'json')) {
    ctx.out(stringify(statsJson(s)));
    return 0;
  }
  const rows: Array<[string, number]> = [
    ['created', s.created],
    ['swept', s.swept],
    ['kept', s.kept],
    ['removed', s.removed],
    ['currently tracked', s.currentlyTracked],
  ];
  const w = Math.max(...rows.map(([k]) => k.length));
  ctx.out(rows.map(([k, v]) => `${`${k}:`.padEnd(w + 1)}  ${v}\n`).join(''));
  return 0;
}
