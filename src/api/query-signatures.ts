// The signatures of the read-only calls (list, resolve, currentTarget, ...),
// apart from ./signatures so that `ephemdir list` and `path` load neither the
// duration nor the size parser (see core/options.ts).
import { optional, optionsOf, pathString, signature, validatedBy, type ValueSpec } from '../core/options';
import { validateTags } from '../core/validate';
import type { ListOptions, RegistryOptions } from './types';

export const tags = validatedBy('an array of tags (lowercase a-z, 0-9, ".", "_", "-")', validateTags);
/** A tracked directory: its full path, exact name or a unique name prefix. */
export const target: ValueSpec = pathString();
/**
 * The `dataDir` option: its shape is checked here; whether the folder may
 * be trusted is checked when the registry is opened (api/context.ts), by
 * the rules the configured data directory has.
 */
export const dataDir: ValueSpec = pathString({ absolute: true });
/** The options of a call that takes nothing but the registry. */
export const REGISTRY_OPTIONS = optionsOf<RegistryOptions>({ dataDir });

export const LIST = signature('list', {}, optionsOf<ListOptions>({ tags, dataDir }));
export const RESOLVE = signature('resolve', { target }, REGISTRY_OPTIONS);
export const CURRENT_TARGET = signature('currentTarget', { cwd: optional(pathString()) }, REGISTRY_OPTIONS);
export const REGISTERED = signature('registered', {}, REGISTRY_OPTIONS);
export const STATS = signature('stats', {}, REGISTRY_OPTIONS);
export const LAST = signature('last', {}, REGISTRY_OPTIONS);
export const DIAGNOSE = signature('diagnose', {}, REGISTRY_OPTIONS);
