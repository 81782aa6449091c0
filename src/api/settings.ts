// Resolving tempdir() options: an explicit option wins, then the user's
// config.toml, then the built-in default. Pure: config values and the current
// directory come in as data. Everything is validated before any side effect.
import * as os from 'node:os';
import * as path from 'node:path';
import { parseDuration } from '../core/duration';
import { parseSize } from '../core/size';
import {
  validateCleanup,
  validateDescription,
  validateNameStyle,
  validatePrefix,
  validateTags,
  validateWords,
} from '../core/validate';
import { invalidArgument } from '../errors';
import { directoryArgument } from '../fs/tree-path';
import type { TempdirOptions } from './types';

export interface ConfigValues {
  lifetime?: unknown;
  removeOnRestart?: unknown;
  keepWhileInUse?: unknown;
  parent?: unknown;
  prefix?: unknown;
  words?: unknown;
  cleanup?: unknown;
  maxSize?: unknown;
  nameStyle?: unknown;
}

export interface Settings {
  lifetime: number | null;
  removeOnRestart: boolean;
  keepWhileInUse: boolean;
  cleanup: 'auto' | 'next-sweep';
  maxSize: number | null;
  nameStyle: 'secure' | 'clean' | 'auto';
  parent: string;
  prefix: string;
  words: number;
  tags: string[];
  description: string | null;
  removeOnExit: boolean;
}

type Source = 'explicit' | 'config' | 'default';

function pick<K extends keyof ConfigValues>(
  options: TempdirOptions,
  config: ConfigValues,
  key: K & keyof TempdirOptions,
  fallback: unknown,
): { value: unknown; source: Source } {
  if (options[key] !== undefined) return { value: options[key], source: 'explicit' };
  if (config[key] !== undefined) return { value: config[key], source: 'config' };
  return { value: fallback, source: 'default' };
}

function bool(value: unknown, name: string): boolean {
  if (typeof value !== 'boolean') throw invalidArgument(`${name} must be true or false, got ${JSON.stringify(value)}`, { value });
  return value;
}

export function resolveSettings(options: TempdirOptions, config: ConfigValues, cwd: string): Settings {
  if (options === null || typeof options !== 'object') throw invalidArgument(`options must be an object, got ${String(options)}`);
  const lifetime = pick(options, config, 'lifetime', null);
  const restart = pick(options, config, 'removeOnRestart', true);
  const cleanup = pick(options, config, 'cleanup', 'auto');
  const parentGiven = pick(options, config, 'parent', cwd).value;
  if (typeof parentGiven === 'string' && parentGiven.length === 0) {
    throw invalidArgument(`parent must be a non-empty path, got ${JSON.stringify(parentGiven)}`, { value: parentGiven });
  }
  const parentRaw = directoryArgument(parentGiven, 'parent');

  const settings: Settings = {
    lifetime: parseDuration(lifetime.value as number | string | null),
    removeOnRestart: bool(restart.value, 'removeOnRestart'),
    keepWhileInUse: bool(pick(options, config, 'keepWhileInUse', false).value, 'keepWhileInUse'),
    cleanup: validateCleanup(cleanup.value),
    maxSize: parseSize(pick(options, config, 'maxSize', null).value as number | string | null),
    nameStyle: validateNameStyle(pick(options, config, 'nameStyle', 'secure').value),
    parent: path.resolve(cwd, parentRaw.startsWith('~/') ? path.join(os.homedir(), parentRaw.slice(2)) : parentRaw),
    prefix: validatePrefix(pick(options, config, 'prefix', '').value),
    words: validateWords(pick(options, config, 'words', 2).value),
    tags: options.tags === undefined ? [] : validateTags(options.tags),
    description: options.description === undefined ? null : validateDescription(options.description),
    removeOnExit: options.removeOnExit === undefined ? false : bool(options.removeOnExit, 'removeOnExit'),
  };

  // "next-sweep" means: no lifetime and no restart cleanup. When both sides
  // were asked for at the same level that is a contradiction; otherwise the
  // more explicit side wins.
  if (settings.cleanup === 'next-sweep') {
    const conflicting =
      (settings.lifetime !== null && lifetime.source !== 'default' ? lifetime.source : null) ??
      (settings.removeOnRestart && restart.source !== 'default' ? restart.source : null);
    const rank: Record<Source, number> = { explicit: 2, config: 1, default: 0 };
    if (conflicting !== null && rank[conflicting] === rank[cleanup.source]) {
      throw invalidArgument('cleanup "next-sweep" cannot be combined with a lifetime or removeOnRestart');
    }
    if (conflicting !== null && rank[conflicting] > rank[cleanup.source]) {
      settings.cleanup = 'auto';
    } else {
      settings.lifetime = null;
      settings.removeOnRestart = false;
    }
  }
  return settings;
}
