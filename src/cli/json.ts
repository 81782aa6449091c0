// The --json documents. Keys are snake_case and match the reference Python
// tool (`path`, `name`, `status`, `created_at`, `expires_at`,
// `remaining_seconds`, ...) so scripts work with both; new keys may be added,
// none renamed. Times are Unix seconds, sizes bytes.
import type { RemoveResult, Stats, SweepItem, SweepReport, TrackedDirectory } from '../api/types';
import type { Entry } from '../model/entry';
import type { EphemeralDirectory } from '../api/handle';

/**
 * JSON text for stdout: two-space indent, one trailing newline. Beyond what
 * JSON.stringify escapes (C0 controls), code points a terminal may act on or
 * that reorder text (DEL, C1, bidi and other format characters, line
 * separators) are written as \uXXXX too. The data is unchanged.
 */
export function stringify(value: unknown): string {
  return escapeForJsonText(JSON.stringify(value, null, 2)) + '\n';
}

function escapeForJsonText(text: string): string {
  return text.replace(
    /[\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** Elements per chunk of {@link arrayChunks}: a few hundred KB of text. */
const CHUNK_ITEMS = 500;

/**
 * The text {@link stringify} gives for `items.map(toJson)`, in pieces of a
 * few hundred elements, so that a long listing (100,000 entries) is never
 * held as one string (nor its escaped copy, nor its bytes) nor as one array
 * of JSON objects. Joined, the pieces equal `stringify(items.map(toJson))`:
 * each piece is JSON.stringify of its elements as an array (elements at
 * depth one, as in the whole array), without the brackets that only the
 * first and the last piece keep.
 */
export function* arrayChunks<T>(items: readonly T[], toJson: (t: T) => unknown): Generator<string> {
  if (items.length === 0) {
    yield '[]\n';
    return;
  }
  for (let start = 0; start < items.length; start += CHUNK_ITEMS) {
    const end = Math.min(start + CHUNK_ITEMS, items.length);
    const part = new Array<unknown>(end - start);
    for (let i = start; i < end; i++) part[i - start] = toJson(items[i]!);
    // "[\n" + the elements, joined by ",\n" + "\n]"
    const text = JSON.stringify(part, null, 2);
    const inner = text.slice(2, text.length - 2);
    yield escapeForJsonText((start === 0 ? '[\n' : '') + inner + (end === items.length ? '\n]\n' : ',\n'));
  }
}

function originalState(t: TrackedDirectory): 'present' | 'missing' | 'unknown' {
  if (t.entry.state !== 'active') return 'unknown';
  return t.exists === true ? 'present' : t.exists === false ? 'missing' : 'unknown';
}

export function entryJson(e: Entry): Record<string, unknown> {
  return {
    path: e.path,
    name: e.name,
    parent: e.parent,
    lifecycle_state: e.state,
    created_at: e.createdAt,
    expires_at: e.expiresAt,
    remove_on_restart: e.removeOnRestart,
    keep_while_in_use: e.keepWhileInUse,
    cleanup: e.cleanup,
    max_size: e.maxSize,
    tags: [...e.tags],
    description: e.description,
    staging_path: e.stagingPath,
  };
}

export type StagingState = 'present' | 'missing' | 'unknown' | null;

/**
 * One element of `list --json`. `stagingState` says whether the staging path
 * of an interrupted deletion exists (null for an entry that has none).
 */
export function listItemJson(t: TrackedDirectory, stagingState: StagingState = null): Record<string, unknown> {
  const e = t.entry;
  return {
    path: e.path,
    name: e.name,
    status: t.status,
    lifecycle_state: e.state,
    exists: t.exists,
    original_state: originalState(t),
    staging_path: e.stagingPath,
    staging_state: e.stagingPath === null ? null : stagingState ?? 'unknown',
    created_at: e.createdAt,
    expires_at: e.expiresAt,
    remaining_seconds: t.remainingSeconds,
    remove_on_restart: e.removeOnRestart,
    keep_while_in_use: e.keepWhileInUse,
    tags: [...e.tags],
    description: e.description,
    parent: e.parent,
    cleanup: e.cleanup,
    max_size: e.maxSize,
    note: t.note,
    last_error: e.lastError,
  };
}

/** One element of `tree --json`. */
export function treeItemJson(t: TrackedDirectory, size: { bytes: number; complete: boolean } | null): Record<string, unknown> {
  return {
    path: t.entry.path,
    name: t.entry.name,
    parent: t.entry.parent,
    status: t.status,
    size_bytes: size?.bytes ?? null,
    // A boolean as in the reference tool: false when nothing was measured.
    size_complete: size?.complete ?? false,
    tags: [...t.entry.tags],
  };
}

export function pathJson(p: { path: string; name: string }): Record<string, unknown> {
  return { path: p.path, name: p.name };
}

export function statsJson(s: Stats): Record<string, unknown> {
  return {
    created: s.created,
    swept: s.swept,
    kept: s.kept,
    removed: s.removed,
    currently_tracked: s.currentlyTracked,
  };
}

export function sweepItemJson(i: SweepItem): Record<string, unknown> {
  const out: Record<string, unknown> = { path: i.path, name: i.name, reasons: [...i.reasons], blockers: [...i.blockers] };
  if (i.error) out.error = { code: i.error.code, message: i.error.message };
  return out;
}

export function sweepJson(r: SweepReport): Record<string, unknown> {
  return {
    dry_run: r.dryRun,
    removed: r.removed.map(sweepItemJson),
    deferred: r.deferred.map(sweepItemJson),
    failed: r.failed.map(sweepItemJson),
    recovered: r.recovered.map(sweepItemJson),
    postponed: r.postponed,
    quarantined: (r.quarantined ?? []).map((q) => ({ id: q.id, file: q.file, reason: q.reason })),
    ok: r.failed.length === 0,
  };
}

export function removeJson(r: RemoveResult): Record<string, unknown> {
  return { path: r.path, name: r.name, entries_removed: r.entriesRemoved };
}

function seconds(d: Date | null | undefined): number | null {
  return d instanceof Date ? d.getTime() / 1000 : null;
}

/** `new --json`: the directory, plus what the sweep before creation did. */
export function newJson(d: Pick<EphemeralDirectory, 'path' | 'name' | 'createdAt' | 'expiresAt'>, entry: Entry | null, sweep: SweepReport | null): Record<string, unknown> {
  const out: Record<string, unknown> = entry
    ? { ...entryJson(entry), status: 'active' }
    : { path: d.path, name: d.name, created_at: seconds(d.createdAt), expires_at: seconds(d.expiresAt) };
  out.path = d.path;
  out.name = d.name;
  out.sweep = sweep ? sweepJson(sweep) : null;
  return out;
}
