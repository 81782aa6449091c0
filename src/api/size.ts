// Measuring a managed directory for max_size, bounded so that a huge tree
// cannot stall a sweep: past the budget the result is a lower bound.
import type { Entry } from '../model/entry';
import { scanTreeAt } from '../fs/scan-tree';
import { locate, closeLocated } from './probe';

export const SIZE_SCAN_BUDGET = { maxEntries: 100_000, timeoutMs: 2_000 };

export async function scanSize(entry: Entry): Promise<{ bytes: number; complete: boolean } | null> {
  const at = locate(entry);
  try {
    if (at.presence !== 'present' || at.identity !== 'ours' || !at.parent) return null;
    const r = await scanTreeAt(at.parent, entry.name, {
      ...SIZE_SCAN_BUDGET,
      ...(entry.maxSize !== null ? { stopAboveBytes: entry.maxSize } : {}),
    });
    return { bytes: r.bytes, complete: r.complete };
  } catch {
    return null;
  } finally {
    closeLocated(at);
  }
}
