// `ephemdir doctor`: checks the platform, the native addon, the data and
// config folders and their permissions, the registry, the config file and the
// scheduled service. Exit 1 when any check fails.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { escapeForTerminal as esc } from '../../core/humanize';
import type { Ctx } from '../io';
import type { Diagnostic } from '../../api/diagnostics';
import { stringify } from '../json';
import { JSON_OPT, PLAIN_OPT, defineCommand } from '../spec';

/** One line of the report: the library's checks (see diagnose()) and the CLI's own `service`. */
export type Check = Omit<Diagnostic, 'name'> & { name: Diagnostic['name'] | 'service' };

function attempt(name: Check['name'], fn: () => Omit<Check, 'name'>): Check {
  try {
    return { name, ...fn() };
  } catch (err) {
    return { name, ok: false, message: (err as Error).message ?? String(err), hint: null };
  }
}

export async function runChecks(env: NodeJS.ProcessEnv, dataDir?: string): Promise<Check[]> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy: the library loads only when doctor runs (CLI start-up)
  const { diagnose } = require('../../api/diagnostics') as typeof import('../../api/diagnostics');
  const checks: Check[] = await diagnose(dataDir === undefined ? {} : { dataDir });
  checks.push(serviceCheck(env));
  return checks;
}

function serviceCheck(env: NodeJS.ProcessEnv): Check {
  return attempt('service', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- inside the check: a module that fails to load fails this check only
    const { hostScheduler } = require('../service/schedulers') as typeof import('../service/schedulers');
    const scheduler = hostScheduler();
    const file = path.join(scheduler.unitDir(env), scheduler.mainFile);
    if (!fs.existsSync(file)) {
      return { ok: true, message: 'not installed (sweeps run only when you use ephemdir)', hint: 'ephemdir install-service' };
    }
    const text = fs.readFileSync(file, 'utf8');
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- inside the check: a module that fails to load fails this check only
    const { installFolder } = require('../../api/install') as typeof import('../../api/install');
    const main = path.join(installFolder(), 'dist', 'cli', 'main.js');
    let real = main;
    try {
      real = fs.realpathSync(main);
    } catch {
      // keep the lexical path
    }
    if (!text.includes(real) && !text.includes(main)) {
      return { ok: false, message: `${file} runs a different ephemdir install`, hint: 'ephemdir install-service (to point it at this one)' };
    }
    return { ok: true, message: `installed: ${file}`, hint: null };
  });
}

export default defineCommand(
  {
    name: 'doctor',
    summary: 'check the platform, addon, folders, permissions and service',
    options: { json: JSON_OPT, plain: PLAIN_OPT },
    examples: [{ run: 'ephemdir doctor', does: 'check this machine; exit 1 names what is wrong' }],
  },
  async (ctx: Ctx, opts) => {
    const checks = await runChecks(ctx.env, ctx.dataDir);
    const failed = checks.some((c) => !c.ok);
    if (opts.json) {
      ctx.out(stringify(checks));
      return failed ? 1 : 0;
    }
    const emoji = ctx.emoji(opts.plain);
    const w = Math.max(...checks.map((c) => c.name.length));
    let out = '';
    for (const c of checks) {
      const mark = c.ok ? ctx.paint('green', emoji ? '✓' : '[ok]') : ctx.paint('red', emoji ? '✗' : '[!!]');
      out += `${mark} ${c.name.padEnd(w)}  ${esc(c.message)}\n`;
      if (c.hint && !c.ok) out += `  ${' '.repeat(w)}  ${ctx.paint('dim', `hint: ${esc(c.hint)}`)}\n`;
    }
    ctx.out(out);
    if (failed) ctx.error('some checks failed');
    return failed ? 1 : 0;
  },
);
