// `ephemdir new`: create a directory, print its path.
import type { TempdirOptions } from '../../api/types';
import { parseDuration } from '../../core/duration';
import { parseSize } from '../../core/size';
import { escapeForTerminal } from '../../core/humanize';
import { api } from '../api';
import { tagFilter } from '../args';
import { UsageError } from '../io';
import { newJson, stringify } from '../json';
import { dataPath } from '../target';
import { plural, warnNoAutoCleanup } from '../format';
import { defineCommand, type OptionsOf } from '../spec';

const OPTIONS = {
  lifetime: { type: 'string', short: 'l', value: 'DUR', help: 'remove after this long (30m, 2h, 1h30m, 7d)' },
  'keep-on-restart': { type: 'boolean', help: 'survive reboots (rely on the lifetime only)' },
  'remove-on-restart': { type: 'boolean', help: 'remove after a reboot even if the config says otherwise' },
  'until-sweep': { type: 'boolean', help: 'keep until the next full `ephemdir sweep`' },
  cleanup: { type: 'string', value: 'POLICY', choices: ['auto', 'next-sweep'], help: 'auto (default) or next-sweep' },
  'keep-while-in-use': { type: 'boolean', help: 'never remove while a process uses it' },
  'no-keep-while-in-use': { type: 'boolean', help: 'override keep_while_in_use from the config' },
  'max-size': { type: 'string', value: 'SIZE', help: 'due once it grows past SIZE (500MB, 2GiB)' },
  'name-style': { type: 'string', value: 'STYLE', choices: ['secure', 'clean', 'auto'], help: 'secure (random suffix), clean, auto' },
  parent: { type: 'string', short: 'p', value: 'DIR', help: 'create it inside DIR (default: current directory)' },
  prefix: { type: 'string', value: 'TEXT', help: 'prepend TEXT to the generated name' },
  words: { type: 'string', value: 'N', help: 'number of words in the name (1-4)' },
  tag: { type: 'string', multiple: true, value: 'TAG', help: 'attach a tag (repeatable)' },
  desc: { type: 'string', value: 'TEXT', help: 'a short description' },
  description: { type: 'string', value: 'TEXT', help: 'same as --desc' },
  json: { type: 'boolean', help: 'print the new directory and the pre-creation sweep as JSON' },
} as const;

/** `new`'s options as parsed. */
export type NewOptions = OptionsOf<typeof OPTIONS>;

function conflict(a: boolean, b: boolean, names: string): void {
  if (a && b) throw new UsageError(`${names} cannot be combined`);
}

export function buildOptions(o: NewOptions): TempdirOptions {
  conflict(o.keepOnRestart, o.removeOnRestart, '--keep-on-restart and --remove-on-restart');
  conflict(o.keepWhileInUse, o.noKeepWhileInUse, '--keep-while-in-use and --no-keep-while-in-use');
  const opts: TempdirOptions = {};
  const lifetime = o.lifetime;
  if (lifetime !== undefined) {
    parseDuration(lifetime); // invalid input fails here, before anything is touched (exit 2)
    opts.lifetime = lifetime;
  }
  if (o.keepOnRestart) opts.removeOnRestart = false;
  if (o.removeOnRestart) opts.removeOnRestart = true;
  if (o.keepWhileInUse) opts.keepWhileInUse = true;
  if (o.noKeepWhileInUse) opts.keepWhileInUse = false;
  const cleanup = o.cleanup;
  if (o.untilSweep) {
    if (cleanup === 'auto') throw new UsageError('--until-sweep and --cleanup auto cannot be combined');
    opts.cleanup = 'next-sweep';
  } else if (cleanup !== undefined) {
    opts.cleanup = cleanup;
  }
  const maxSize = o.maxSize;
  if (maxSize !== undefined) {
    parseSize(maxSize);
    opts.maxSize = maxSize;
  }
  if (o.nameStyle !== undefined) opts.nameStyle = o.nameStyle;
  const parent = o.parent;
  if (parent !== undefined) {
    if (parent === '') throw new UsageError('--parent needs a directory');
    opts.parent = parent;
  }
  const prefix = o.prefix;
  if (prefix !== undefined) opts.prefix = prefix;
  const words = o.words;
  if (words !== undefined) {
    if (!/^\d+$/.test(words)) throw new UsageError(`--words must be a whole number, not '${escapeForTerminal(words)}'`);
    opts.words = Number(words);
  }
  const tags = tagFilter(o.tag);
  if (tags.length) opts.tags = tags;
  const desc = o.desc;
  const description = o.description;
  if (desc !== undefined && description !== undefined && desc !== description) {
    throw new UsageError('--desc and --description cannot both be given');
  }
  if ((desc ?? description) !== undefined) opts.description = desc ?? description;
  return opts;
}

export default defineCommand(
  {
    name: 'new',
    summary: 'create a directory and print its path',
    options: OPTIONS,
    details: 'Options left out fall back to config.toml, then to the built-in defaults.',
    examples: [
      { run: 'ephemdir new -l 2h --tag build', does: 'a directory removed after 2 hours, tagged build' },
      { run: 'cd "$(ephemdir new --prefix bench- --desc \'cargo bench\')"', does: 'create one and step into it' },
    ],
  },
  async (ctx, opts) => {
    const options = buildOptions(opts);
    const dir = await api().tempdir(options);
    // The sweep tempdir() runs before creating, when the API reports it.
    const sweep = dir.sweep;
    if (sweep) {
      if (sweep.removed.length) ctx.info(`swept ${plural(sweep.removed.length, 'directory', 'directories')} first`);
      for (const f of sweep.failed) {
        ctx.warn(`could not remove ${escapeForTerminal(f.path)}: ${escapeForTerminal(f.error?.message ?? 'unknown error')}`);
      }
    }
    const json = opts.json;
    // The entry as recorded (config.toml may have filled in what was not given).
    // Looked up by its name through the registry's name index, not by listing every entry.
    const entry = json || dir.expiresAt === null ? await api().trackedEntry(dir.path).catch(() => null) : null;
    if (entry) warnNoAutoCleanup(ctx, entry, 'give --lifetime to have it cleaned up');
    if (json) ctx.out(stringify(newJson(dir, entry, sweep)));
    else ctx.out(`${dataPath(ctx, dir.path)}\n`);
    return 0;
  },
);
