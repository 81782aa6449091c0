// `ephemdir keep`, `extend` and `rm`: act on one tracked directory (or, for
// keep and rm, every one carrying --tag).
import type { Entry } from '../../model/entry';
import { parseExtension } from '../../core/duration';
import { escapeForTerminal as esc, formatRemaining } from '../../core/humanize';
import { api } from '../api';
import { flag, tagFilter, type Values } from '../args';
import { report } from '../errors';
import { plural, warnNoAutoCleanup } from '../format';
import { UsageError, type Ctx } from '../io';
import { dataPath, here, targetOrHere } from '../target';

/** Entries carrying every tag (active ones: the others need recover/prune). */
async function tagged(tags: string[]): Promise<Entry[]> {
  return (await api().list({ tags })).map((t) => t.entry);
}

function tagOrTarget(values: Values, positionals: string[]): string[] {
  const tags = tagFilter(values);
  if (tags.length && positionals.length) throw new UsageError('give either NAME or --tag, not both');
  return tags;
}

/** Runs `fn` for each entry; one failure does not stop the batch, but makes the exit status 1. */
async function batch(ctx: Ctx, entries: Entry[], fn: (e: Entry) => Promise<void>): Promise<number> {
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

async function keep(ctx: Ctx, values: Values, positionals: string[]): Promise<number> {
  const tags = tagOrTarget(values, positionals);
  const keepOne = async (target: string) => {
    const p = await api().keep(target);
    ctx.out(`${dataPath(ctx, p)}\n`);
    ctx.note(`kept ${esc(p)} -- it will not be auto-removed`);
  };
  if (tags.length) {
    const entries = await tagged(tags);
    if (!entries.length) ctx.note(`no tracked directories tagged ${tags.map((t) => `#${esc(t)}`).join(' ')}`);
    return batch(ctx, entries, (e) => keepOne(e.path));
  }
  await keepOne(await targetOrHere(positionals[0]));
  return 0;
}

async function rm(ctx: Ctx, values: Values, positionals: string[]): Promise<number> {
  const tags = tagOrTarget(values, positionals);
  const dry = flag(values, 'dry-run');
  let entries: Entry[] | null = null;
  if (tags.length) {
    entries = await tagged(tags);
    if (!entries.length) ctx.note(`no tracked directories tagged ${tags.map((t) => `#${esc(t)}`).join(' ')}`);
  } else if (dry) {
    entries = [positionals[0] !== undefined ? await api().trackedEntry(positionals[0]) : await here()];
  }
  if (dry) {
    for (const e of entries!) {
      ctx.out(`${dataPath(ctx, e.path)}\n`);
    }
    ctx.note(`would remove ${plural(entries!.length, 'directory', 'directories')} (dry run)`);
    return 0;
  }
  const removeOne = async (target: string) => {
    const r = await api().remove(target);
    ctx.note(`removed ${esc(r.path)}`);
    ctx.info(`  ${plural(r.entriesRemoved, 'entry', 'entries')} deleted`);
  };
  if (entries) return batch(ctx, entries, (e) => removeOne(e.path));
  await removeOne(await targetOrHere(positionals[0]));
  return 0;
}

function looksLikeExtension(text: string): boolean {
  try {
    parseExtension(text);
    return true;
  } catch {
    return false;
  }
}

async function extend(ctx: Ctx, values: Values, positionals: string[]): Promise<number> {
  const forever = flag(values, 'forever');
  let target: string | undefined;
  let duration: string | undefined;
  if (positionals.length === 2) {
    if (forever) throw new UsageError('give either a duration or --forever, not both');
    [target, duration] = positionals as [string, string];
  } else if (positionals.length === 1) {
    if (forever) {
      // `extend --forever 30m` must not look up a directory named "30m" (or,
      // worse, one whose name starts with "2h"): a duration here is a mistake.
      if (looksLikeExtension(positionals[0]!)) throw new UsageError('give either a duration or --forever, not both');
      target = positionals[0];
    } else if (looksLikeExtension(positionals[0]!)) duration = positionals[0];
    else {
      // Not a duration: it is either a NAME without a duration, or a malformed duration.
      const looksNumeric = /^[+\d.]/.test(positionals[0]!);
      if (looksNumeric) parseExtension(positionals[0]!); // throws the precise invalid-duration message
      throw new UsageError('missing duration: extend NAME DUR, extend NAME +DUR or extend NAME --forever');
    }
  } else if (!forever) {
    throw new UsageError('missing duration: extend [NAME] DUR|+DUR, or extend [NAME] --forever');
  }
  const path = await targetOrHere(target);
  let entry: Entry;
  if (forever) entry = await api().extend(path, null);
  else {
    const ext = parseExtension(duration!);
    entry = await api().extend(path, ext.seconds, { relative: ext.relative });
  }
  if (entry.expiresAt === null) {
    ctx.note(`${esc(entry.name)} now has no time limit`);
    warnNoAutoCleanup(ctx, entry, 'extend it with a duration to have it cleaned up');
  }
  else {
    const left = Math.max(0, Math.floor(entry.expiresAt - Date.now() / 1000));
    ctx.note(`${esc(entry.name)} now expires in ${formatRemaining(left)} (${new Date(entry.expiresAt * 1000).toISOString()})`);
  }
  return 0;
}

export async function run(ctx: Ctx, name: string, values: Values, positionals: string[]): Promise<number> {
  switch (name) {
    case 'keep':
      return keep(ctx, values, positionals);
    case 'rm':
      return rm(ctx, values, positionals);
    default:
      return extend(ctx, values, positionals);
  }
}
