// `ephemdir list` and `ephemdir tree`.
import * as fs from 'node:fs';
import type { TrackedDirectory } from '../../api/types';
import { api } from '../api';
import { flag, tagFilter, type Values } from '../args';
import { MEASURED_STATUSES, outputColumns, renderList, renderTree, warnQuarantined, type TreeItem } from '../format';
import type { Ctx } from '../io';

function byCreation(a: TrackedDirectory, b: TrackedDirectory): number {
  return a.entry.createdAt - b.entry.createdAt || (a.entry.path < b.entry.path ? -1 : a.entry.path > b.entry.path ? 1 : 0);
}

/** Runs `fn` over `items` with at most `limit` calls in flight, keeping order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** Whether an interrupted deletion's staging path exists (a look, not a proof of identity). */
function stagingState(p: string): 'present' | 'missing' | 'unknown' {
  try {
    fs.lstatSync(p);
    return 'present';
  } catch (err) {
    return (err as { code?: string }).code === 'ENOENT' || (err as { code?: string }).code === 'ENOTDIR' ? 'missing' : 'unknown';
  }
}

/** The JSON shapes, loaded only for --json. */
function jsonModule(): typeof import('../json') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('../json') as typeof import('../json');
}

export async function run(ctx: Ctx, name: string, values: Values): Promise<number> {
  const tags = tagFilter(values);
  const listed = await api().list(tags.length ? { tags } : undefined);
  warnQuarantined(ctx, listed.quarantined);
  const items = listed.slice().sort(byCreation);
  const json = flag(values, 'json');
  const view = { emoji: ctx.emoji(flag(values, 'plain')), paint: ctx.paint, columns: outputColumns(ctx) };
  if (name === 'tree') {
    const sized: TreeItem[] = await mapLimit(items, 8, async (t) => ({
      tracked: t,
      size: MEASURED_STATUSES.has(t.status) ? await api().sizeOf(t.entry).catch(() => null) : null,
    }));
    if (json) {
      const { stringify, treeItemJson } = jsonModule();
      ctx.out(stringify(sized.map((s) => treeItemJson(s.tracked, s.size))));
    }
    else if (sized.length === 0) ctx.note('no tracked directories');
    else ctx.out(renderTree(sized, view));
    return 0;
  }
  if (json) {
    const { stringify, listItemJson } = jsonModule();
    ctx.out(stringify(items.map((t) => listItemJson(t, t.entry.stagingPath === null ? null : stagingState(t.entry.stagingPath)))));
  }
  else if (items.length === 0) ctx.note('no tracked directories');
  else ctx.out(renderList(items, view));
  return 0;
}
