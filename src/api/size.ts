// Measuring a managed directory for max_size, bounded so that a huge tree
// cannot stall a sweep: past the budget the result is a lower bound.
// How size is counted is explained at ownBookkeeping (and in the README).
import type { Entry } from '../model/entry';
import { scanTreeAt } from '../fs/scan-tree';
import type { DirHandle } from '../fs/dir-handle';
import { MARKER_NAME } from './marker';
import { locate, closeLocated } from './probe';

/**
 * What a managed directory holds is what counts against its limit: the
 * allocated bytes (st_blocks x 512) of everything inside, hard links once,
 * but not the directory's own blocks nor its marker. An empty managed
 * directory measures 0 B, so it is never over any limit.
 */
function ownBookkeeping(dir: DirHandle): number {
  const allocated = (st: { blocks: number } | null) => (st && st.blocks > 0 ? st.blocks * 512 : 0);
  return allocated(dir.stat()) + allocated(dir.tryStat(MARKER_NAME));
}

export const SIZE_SCAN_BUDGET = { maxEntries: 100_000, timeoutMs: 2_000 };

export async function scanSize(entry: Entry): Promise<{ bytes: number; complete: boolean } | null> {
  const at = locate(entry);
  try {
    if (at.presence !== 'present' || at.identity !== 'ours' || !at.parent || !at.dir) return null;
    const overhead = ownBookkeeping(at.dir);
    const r = await scanTreeAt(at.parent, entry.name, {
      ...SIZE_SCAN_BUDGET,
      ...(entry.maxSize !== null ? { stopAboveBytes: entry.maxSize + overhead } : {}),
    });
    return { bytes: Math.max(0, r.bytes - overhead), complete: r.complete };
  } catch {
    return null;
  } finally {
    closeLocated(at);
  }
}
