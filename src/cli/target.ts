// Which tracked directory a command means. With a NAME the API resolves it
// (full path, exact name or unique prefix). Without one, the tracked directory
// the user stands in, found through its marker and checked against the
// registry; destructive commands never guess beyond that.
import type { Entry } from '../model/entry';
import { api } from './api';
import { escapeForTerminal } from '../core/humanize';
import { UsageError, type Ctx } from './io';
import { EphemdirError, ErrorCodes } from '../errors';
import { tagFilter } from './args';
import { report } from './errors';

function code(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null ? ((err as { code?: unknown }).code as string | undefined) : undefined;
}

function cwd(): string {
  try {
    return process.cwd();
  } catch (err) {
    throw new EphemdirError(ErrorCodes.NOT_FOUND, 'the current directory no longer exists; pass a name or cd elsewhere', {
      cause: err,
    });
  }
}

/** The tracked directory the user stands in; fails closed (no fallback). */
export async function here(): Promise<Entry> {
  try {
    return await api().currentTarget(cwd());
  } catch (err) {
    if (code(err) === 'EPHEMDIR_NOT_FOUND') {
      throw new EphemdirError(
        ErrorCodes.NOT_FOUND,
        'no target given and the current directory is not inside a tracked ephemdir directory; pass a name or path, or cd into one',
        { cause: err },
      );
    }
    if (code(err) === 'EPHEMDIR_NOT_OURS') {
      const e = err as Error;
      throw new EphemdirError(
        ErrorCodes.NOT_OURS,
        `the current directory has an .ephemdir marker, but it does not match an active tracked directory; refusing to guess (${e.message})`,
        { cause: err },
      );
    }
    throw err;
  }
}

/** The path a destructive command works on: the NAME given, or the tracked directory the user stands in. */
export async function targetOrHere(name: string | undefined): Promise<string> {
  if (name !== undefined) return name;
  return (await here()).path;
}

/**
 * `path` without NAME: the tracked directory the user stands in, else the
 * newest one. A marker that does not match is an error, not a fallback.
 */
export async function hereOrNewest(): Promise<{ path: string; name: string }> {
  try {
    const e = await api().currentTarget(cwd());
    return { path: e.path, name: e.name };
  } catch (err) {
    if (code(err) !== 'EPHEMDIR_NOT_FOUND') {
      if (code(err) === 'EPHEMDIR_NOT_OURS') return here().then((e) => ({ path: e.path, name: e.name }));
      throw err;
    }
  }
  return newest();
}

export async function newest(): Promise<{ path: string; name: string }> {
  const e = await api().last();
  if (!e) throw new EphemdirError(ErrorCodes.NOT_FOUND, 'no tracked directories');
  return { path: e.path, name: e.name };
}

/** A path printed as data: raw when piped (so `cd "$(ephemdir path x)"` works), escaped on a terminal. */
export function dataPath(ctx: Ctx, p: string): string {
  return ctx.streams.stdout.isTTY ? escapeForTerminal(p) : p;
}

/** The name of a directory for messages, from its path. */
export function nameOf(p: string): string {
  const i = p.lastIndexOf('/');
  return i >= 0 ? p.slice(i + 1) : p;
}

/** Entries carrying every tag (active ones: the others need recover/prune); none is said on stderr. */
export async function tagged(ctx: Ctx, tags: string[]): Promise<Entry[]> {
  const entries = (await api().list({ tags })).map((t) => t.entry);
  if (!entries.length) ctx.note(`no tracked directories tagged ${tags.map((t) => `#${escapeForTerminal(t)}`).join(' ')}`);
  return entries;
}

/** The checked --tag filter of `keep`/`rm`, which take either NAME or --tag. */
export function tagOrTarget(tags: readonly string[], positionals: string[]): string[] {
  const checked = tagFilter(tags);
  if (checked.length && positionals.length) throw new UsageError('give either NAME or --tag, not both');
  return checked;
}

/** Runs `fn` for each entry; one failure does not stop the batch, but makes the exit status 1. */
export async function batch(ctx: Ctx, entries: Entry[], fn: (e: Entry) => Promise<void>): Promise<number> {
  let failed = 0;
  for (const e of entries) {
    try {
      await fn(e);
    } catch (err) {
      failed++;
      report(ctx, err);
    }
  }
  return failed ? 1 : 0;
}

