// The signatures of the read-only calls (list, resolve, currentTarget), apart
// from ./signatures so that `ephemdir list` and `path` load neither the
// duration nor the size parser (see core/options.ts).
import { optional, optionsOf, pathString, signature, validatedBy, type ValueSpec } from '../core/options';
import { validateTags } from '../core/validate';
import type { ListOptions } from './types';

export const tags = validatedBy('an array of tags (lowercase a-z, 0-9, ".", "_", "-")', validateTags);
/** A tracked directory: its full path, exact name or a unique name prefix. */
export const target: ValueSpec = pathString();

export const LIST = signature('list', {}, optionsOf<ListOptions>({ tags }));
export const RESOLVE = signature('resolve', { target });
export const CURRENT_TARGET = signature('currentTarget', { cwd: optional(pathString()) });
