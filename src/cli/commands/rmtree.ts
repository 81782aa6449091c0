// `ephemdir rmtree PATH...`: remove build output the way `rimraf dist
// coverage` does, with the engine's safety. Every argument is checked before
// anything is removed: one refused path (/, the home directory, the current
// directory or an ancestor of one of them) and nothing is removed (exit 2).
// Then each path is removed on its own; one that fails does not stop the
// others, and makes the exit status 1. A missing path is not an error.
import { escapeForTerminal as esc } from '../../core/humanize';
import type { RmtreeCheck } from '../../api/rmtree';
import { api } from '../api';
import type { RemoveTreeFailure } from '../../api/rmtree';
import { looksLikePattern } from '../../policy/rmtree';
import { sanitize } from '../errors';
import { plural } from '../format';
import type { Ctx } from '../io';
import { stringify } from '../json';
import { defineCommand } from '../spec';

type Status = 'removed' | 'missing' | 'failed' | 'refused' | 'not_removed' | 'would_remove';

interface Outcome {
  path: string;
  status: Status;
  entries: number;
  failures: RemoveTreeFailure[];
  error: { code: string; message: string } | null;
}

function outcome(path: string, status: Status, more: Partial<Outcome> = {}): Outcome {
  return { path, status, entries: 0, failures: [], error: null, ...more };
}

/** The paths to work on: the arguments as they are, or (with --glob) what each pattern matches. */
function targets(ctx: Ctx, positionals: string[], glob: boolean): string[] {
  if (!glob) return positionals;
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy: glob matching loads only with --glob
  const { expandPattern } = require('../glob') as typeof import('../glob');
  const out: string[] = [];
  for (const pattern of positionals) {
    const found = expandPattern(pattern, process.cwd());
    if (!found.length) ctx.warn(`'${esc(pattern)}' matches nothing`);
    out.push(...found.filter((p) => !out.includes(p)));
  }
  return out;
}

/** A `\r`-rewritten counter on stderr, only when stderr is a terminal. */
function progressLine(ctx: Ctx, enabled: boolean): { show(path: string, n: number): void; clear(): void } {
  let shown = false;
  return {
    show(path, n) {
      if (!enabled) return;
      shown = true;
      ctx.streams.stderr.write(`\r\x1b[Kremoving ${esc(path)}: ${n.toLocaleString('en-US')} entries`);
    },
    clear() {
      if (shown) ctx.streams.stderr.write('\r\x1b[K');
      shown = false;
    },
  };
}

function errorOf(err: unknown): { code: string; message: string } {
  const e = err as { code?: unknown; message?: unknown };
  return { code: typeof e.code === 'string' ? e.code : 'ERROR', message: typeof e.message === 'string' ? e.message : String(err) };
}

async function removeOne(ctx: Ctx, path: string, progress: ReturnType<typeof progressLine>): Promise<Outcome> {
  try {
    const r = await api().removeRmtreeTarget(path, { onProgress: (p) => progress.show(path, p.entriesRemoved) });
    progress.clear();
    ctx.info(`removed ${esc(path)} (${plural(r.entriesRemoved, 'entry', 'entries')})`);
    return outcome(path, 'removed', { entries: r.entriesRemoved });
  } catch (err) {
    progress.clear();
    const e = err as { entriesRemoved?: number; failures?: RemoveTreeFailure[] };
    ctx.error(sanitize(errorOf(err).message));
    return outcome(path, 'failed', { entries: e.entriesRemoved ?? 0, failures: e.failures ?? [], error: errorOf(err) });
  }
}

async function dryRunOne(ctx: Ctx, path: string, json: boolean): Promise<Outcome> {
  try {
    const r = await api().scanRmtreeTarget(path);
    if (!json) ctx.out(`${esc(path)}\n`);
    for (const m of r.mounts) ctx.warn(`${esc(m)} is a mount point: a removal would stop there and fail`);
    return outcome(path, 'would_remove', { entries: r.entries });
  } catch (err) {
    ctx.error(sanitize(errorOf(err).message));
    return outcome(path, 'failed', { error: errorOf(err) });
  }
}

function reportChecks(ctx: Ctx, checks: RmtreeCheck[], glob: boolean): void {
  for (const c of checks) {
    if (c.refused) ctx.error(`refusing to remove '${esc(c.path)}': ${c.refused}`);
    else if (!c.exists && !glob && looksLikePattern(c.path)) {
      ctx.warn(`'${esc(c.path)}' does not exist (taken literally; use --glob to expand patterns)`);
    } else if (!c.exists) ctx.info(`${esc(c.path)}: not there, nothing to remove`);
  }
}

export default defineCommand(
  {
    name: 'rmtree',
    summary: 'remove files and directory trees safely (an npm-script `rimraf`)',
    args: 'PATH...',
    minArgs: 1,
    maxArgs: Number.POSITIVE_INFINITY,
    complete: 'files',
    options: {
      'dry-run': { type: 'boolean', short: 'n', help: 'list what would be removed (and count it), remove nothing' },
      glob: { type: 'boolean', short: 'g', help: 'expand PATH as a glob pattern (symlinked directories never followed)' },
      json: { type: 'boolean', help: 'one JSON document: status, entries and failures per path' },
    },
    details:
      'Follows no symlink, crosses no mount. Refuses /, the home directory, the current\n' +
      'directory and any ancestor of them: if one PATH is refused, nothing is removed.\n' +
      'A missing PATH is not an error (-v says so). Without --glob, * ? [ { are literal.\n' +
      'Exit status: 0 done, 1 a path could not be (fully) removed, 2 usage or a refused path.',
    examples: [
      { run: 'ephemdir rmtree dist coverage', does: 'what `rimraf dist coverage` does, safely' },
      { run: "ephemdir rmtree --glob 'packages/*/dist'", does: 'a glob pattern, expanded without following symlinks' },
      { run: 'ephemdir rmtree --dry-run build', does: 'count what would be removed' },
    ],
  },
  async (ctx, opts, args) => {
    const { json, glob } = opts;
    const dry = opts.dryRun;
    try {
      process.cwd();
    } catch (err) {
      // Fail closed: without the cwd, neither it nor its ancestors can be protected.
      ctx.error(`cannot tell the current directory (${errorOf(err).code}; was it removed?): nothing removed`);
      return 1;
    }
    const paths = targets(ctx, args, glob);
    const checks = api().checkRmtreeTargets(paths);
    reportChecks(ctx, checks, glob);
    const refused = checks.filter((c) => c.refused);
    let outcomes: Outcome[];
    if (refused.length) {
      ctx.error(`nothing removed: ${plural(refused.length, 'path was', 'paths were')} refused`);
      outcomes = checks.map((c) => (c.refused ? outcome(c.path, 'refused', { error: { code: 'EPHEMDIR_PROTECTED_PATH', message: c.refused } }) : outcome(c.path, 'not_removed')));
    } else {
      const progress = progressLine(ctx, !json && !dry && ctx.verbosity >= 0 && ctx.streams.stderr.isTTY === true);
      outcomes = [];
      for (const c of checks) {
        if (!c.exists) outcomes.push(outcome(c.path, 'missing'));
        else outcomes.push(dry ? await dryRunOne(ctx, c.path, json) : await removeOne(ctx, c.path, progress));
      }
      if (dry) {
        const n = outcomes.filter((o) => o.status === 'would_remove');
        const entries = n.reduce((s, o) => s + o.entries, 0);
        ctx.note(`would remove ${plural(n.length, 'path')}, ${plural(entries, 'entry', 'entries')} (dry run)`);
      }
    }
    const code = refused.length ? 2 : outcomes.some((o) => o.status === 'failed') ? 1 : 0;
    if (json) ctx.out(stringify({ dry_run: dry, glob, ok: code === 0, paths: outcomes }));
    return code;
  },
);
