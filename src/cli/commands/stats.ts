// `ephemdir stats`: usage counters.
import { api } from '../api';
import { flag, str, type Values } from '../args';
import { UsageError, type Ctx } from '../io';
import { statsJson, stringify } from '../json';
import { registryCounts } from '../metrics/collect';
import { renderExposition } from '../metrics/exposition';
import { registryFamilies } from '../metrics/families';

export async function run(ctx: Ctx, _name: string, values: Values): Promise<number> {
  const format = str(values, 'format') ?? (flag(values, 'json') ? 'json' : 'text');
  if (flag(values, 'json') && format !== 'json') throw new UsageError(`give either --json or --format ${format}, not both`);
  if (format === 'prometheus') {
    ctx.out(renderExposition(registryFamilies(await registryCounts())));
    return 0;
  }
  const s = await api().stats();
  if (format === 'json') {
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
