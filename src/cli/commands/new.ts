// `ephemdir new`: create a directory, print its path.
import type { SweepReport, TempdirOptions } from '../../api/types';
import { parseDuration } from '../../core/duration';
import { parseSize } from '../../core/size';
import { escapeForTerminal } from '../../core/humanize';
import { api } from '../api';
import { flag, str, tagFilter, type Values } from '../args';
import { UsageError, type Ctx } from '../io';
import { newJson, stringify } from '../json';
import { dataPath } from '../target';
import { plural, warnNoAutoCleanup } from '../format';

function conflict(values: Values, a: string, b: string): void {
  if (flag(values, a) && flag(values, b)) throw new UsageError(`--${a} and --${b} cannot be combined`);
}

export function buildOptions(values: Values): TempdirOptions {
  conflict(values, 'keep-on-restart', 'remove-on-restart');
  conflict(values, 'keep-while-in-use', 'no-keep-while-in-use');
  const opts: TempdirOptions = {};
  const lifetime = str(values, 'lifetime');
  if (lifetime !== undefined) {
    parseDuration(lifetime); // invalid input fails here, before anything is touched (exit 2)
    opts.lifetime = lifetime;
  }
  if (flag(values, 'keep-on-restart')) opts.removeOnRestart = false;
  if (flag(values, 'remove-on-restart')) opts.removeOnRestart = true;
  if (flag(values, 'keep-while-in-use')) opts.keepWhileInUse = true;
  if (flag(values, 'no-keep-while-in-use')) opts.keepWhileInUse = false;
  const cleanup = str(values, 'cleanup');
  if (flag(values, 'until-sweep')) {
    if (cleanup === 'auto') throw new UsageError('--until-sweep and --cleanup auto cannot be combined');
    opts.cleanup = 'next-sweep';
  } else if (cleanup === 'auto' || cleanup === 'next-sweep') {
    opts.cleanup = cleanup;
  }
  const maxSize = str(values, 'max-size');
  if (maxSize !== undefined) {
    parseSize(maxSize);
    opts.maxSize = maxSize;
  }
  const style = str(values, 'name-style');
  if (style === 'secure' || style === 'clean' || style === 'auto') opts.nameStyle = style;
  const parent = str(values, 'parent');
  if (parent !== undefined) {
    if (parent === '') throw new UsageError('--parent needs a directory');
    opts.parent = parent;
  }
  const prefix = str(values, 'prefix');
  if (prefix !== undefined) opts.prefix = prefix;
  const words = str(values, 'words');
  if (words !== undefined) {
    if (!/^\d+$/.test(words)) throw new UsageError(`--words must be a whole number, not '${escapeForTerminal(words)}'`);
    opts.words = Number(words);
  }
  const tags = tagFilter(values);
  if (tags.length) opts.tags = tags;
  const desc = str(values, 'desc');
  const description = str(values, 'description');
  if (desc !== undefined && description !== undefined && desc !== description) {
    throw new UsageError('--desc and --description cannot both be given');
  }
  if ((desc ?? description) !== undefined) opts.description = desc ?? description;
  return opts;
}

export async function run(ctx: Ctx, _name: string, values: Values): Promise<number> {
  const opts = buildOptions(values);
  const dir = await api().tempdir(opts);
  // The sweep tempdir() runs before creating, when the API reports it.
  const sweep = (dir.sweep ?? (dir as { sweepReport?: SweepReport | null }).sweepReport ?? null) as SweepReport | null;
  if (sweep) {
    if (sweep.removed.length) ctx.info(`swept ${plural(sweep.removed.length, 'directory', 'directories')} first`);
    for (const f of sweep.failed) {
      ctx.warn(`could not remove ${escapeForTerminal(f.path)}: ${escapeForTerminal(f.error?.message ?? 'unknown error')}`);
    }
  }
  const json = flag(values, 'json');
  // The entry as recorded (config.toml may have filled in what was not given).
  const entry = json || dir.expiresAt === null
    ? (await api().match(dir.path).catch(() => [])).find((e) => e.path === dir.path) ?? null
    : null;
  if (entry) warnNoAutoCleanup(ctx, entry, 'give --lifetime to have it cleaned up');
  if (json) ctx.out(stringify(newJson(dir, entry, sweep)));
  else ctx.out(`${dataPath(ctx, dir.path)}\n`);
  return 0;
}
