// `ephemdir stats`: usage counters.
import { api } from '../api';
import { UsageError } from '../io';
import { statsJson, stringify } from '../json';
import { registryCounts } from '../metrics/collect';
import { renderExposition } from '../metrics/exposition';
import { registryFamilies } from '../metrics/families';
import { JSON_OPT, defineCommand } from '../spec';

export default defineCommand(
  {
    name: 'stats',
    summary: 'counts: created, swept, kept, removed, currently tracked',
    options: {
      json: JSON_OPT,
      format: { type: 'string', value: 'FMT', choices: ['text', 'json', 'prometheus'], help: 'text (default), json, prometheus' },
    },
    examples: [
      { run: 'ephemdir stats', does: 'how many were created, swept, kept and removed' },
      { run: 'ephemdir stats --format prometheus', does: 'the registry counts for Prometheus' },
    ],
  },
  async (ctx, opts) => {
    const format = opts.format ?? (opts.json ? 'json' : 'text');
    if (opts.json && format !== 'json') throw new UsageError(`give either --json or --format ${format}, not both`);
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
  },
);
