// What `list` and `tree` share: the tracked directories in creation order,
// a bounded-concurrency map for measuring them, and the JSON module loaded
// only for --json.
import * as fs from 'node:fs';
import type { TrackedDirectory, TrackedList } from '../api/types';
import { api } from './api';
import { tagFilter } from './args';
import { warnQuarantined } from './format';
import type { Ctx } from './io';

/**
 * The tracked directories carrying every tag, oldest first (list() returns
 * them in creation order, ties by path: not sorted again here); set-aside
 * entry files reported on stderr.
 */
export async function trackedInOrder(ctx: Ctx, tags: readonly string[]): Promise<TrackedDirectory[]> {
  const checked = tagFilter(tags);
  const listed: TrackedList = await api().list(checked.length ? { tags: checked } : undefined);
  warnQuarantined(ctx, listed.quarantined);
  return listed;
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
export function stagingState(p: string): 'present' | 'missing' | 'unknown' {
  try {
    fs.lstatSync(p);
    return 'present';
  } catch (err) {
    return (err as { code?: string }).code === 'ENOENT' || (err as { code?: string }).code === 'ENOTDIR' ? 'missing' : 'unknown';
  }
}

/** The JSON shapes, loaded only for --json. */
export function jsonModule(): typeof import('./json') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy: the JSON shapes load only for --json
  return require('./json') as typeof import('./json');
}
