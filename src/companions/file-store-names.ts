// The names a FileStore call takes (areas, file names, open modes): pure
// checks, apart from the store so that its signatures can use them.
import { invalidArgument } from '../errors';
import { validateComponent } from '../core/validate';
import { describeValue } from '../core/humanize';

/** The areas of a {@link FileStore}, in the order a file moves through them: written in `tmp`, complete in `new`, taken in `cur`. */
export const AREAS = ['tmp', 'new', 'cur'] as const;
/** One of {@link AREAS}: `'tmp'`, `'new'` or `'cur'`. */
export type Area = (typeof AREAS)[number];

/** Modes accepted by FileStore.create (a `b` as in Python's "wb" is accepted and ignored). */
export type CreateMode = 'w' | 'wx' | 'w+' | 'wx+' | 'a' | 'a+';
export const CREATE_MODES: readonly CreateMode[] = ['w', 'wx', 'w+', 'wx+', 'a', 'a+'];

/** Names starting with this are the store's own in-progress copies: reserved, not listed. */
export const RESERVED_PREFIX = '.ephemdir-';

export function checkArea(area: unknown): Area {
  if (typeof area === 'string' && (AREAS as readonly string[]).includes(area)) return area as Area;
  throw invalidArgument(`invalid area ${describeValue(area)}: expected 'tmp', 'new' or 'cur'`, { value: area });
}

export function checkStoreName(name: unknown): string {
  const n = validateComponent(name);
  if (n.startsWith(RESERVED_PREFIX)) {
    throw invalidArgument(`invalid name ${describeValue(name)}: names starting with '${RESERVED_PREFIX}' are reserved by the store`, {
      value: name,
    });
  }
  return n;
}

/** The mode without its optional `b`, or EPHEMDIR_INVALID_ARGUMENT. */
export function checkCreateMode(mode: unknown): CreateMode {
  const m = typeof mode === 'string' ? mode.replace('b', '') : mode;
  if (typeof m === 'string' && (CREATE_MODES as readonly string[]).includes(m)) return m as CreateMode;
  throw invalidArgument(`invalid mode ${describeValue(mode)}: expected 'w', 'wx', 'w+', 'wx+', 'a' or 'a+'`, { value: mode });
}
