// `ephemdir install-service` and `ephemdir uninstall-service`, the same on
// every platform: what differs (file names and text, where they go, the
// commands that load and unload them) is asked of this host's Scheduler.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { EphemdirError, ErrorCodes } from '../../errors';
import { escapeForTerminal as esc } from '../../core/humanize';
import { flag, str, type Values } from '../args';
import type { Ctx } from '../io';
import { parseInterval } from '../commands/sweep';
import type { UnitInput } from './units';
import type { Scheduler, Step } from './scheduler';
import { hostScheduler } from './schedulers';
import { trustedBinary, verifyRuntime } from './verify';
import { openUnitDir, readOurs, removeFile, writeFile } from './files';
import { euid } from '../../core/trust';

function exec(tool: string, args: string[]): { ok: true } | { ok: false; message: string } {
  try {
    execFileSync(tool, args, { stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000, cwd: '/' });
    return { ok: true };
  } catch (err) {
    const e = err as { stderr?: Buffer; message: string };
    const text = (e.stderr?.toString('utf8').trim() || e.message).split('\n')[0]!;
    return { ok: false, message: `${path.basename(tool)} ${args.join(' ')}: ${text}` };
  }
}

/** `--metrics-file`, made absolute and checked now, so a unit is never installed that would refuse every sweep. */
function metricsFileArg(values: Values): string | null {
  const file = str(values, 'metrics-file');
  if (file === undefined) return null;
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy: loads only with --metrics-file (CLI start-up)
  const { openMetricsTarget } = require('../metrics/file') as typeof import('../metrics/file');
  const target = openMetricsTarget(file, process.cwd());
  target.dir.close();
  return target.display;
}

/** Runs one step with the first trusted copy of its tool. */
function runStep(step: Step): { ok: true } | { ok: false; message: string } {
  const tool = trustedBinary(step.tool);
  return tool ? exec(tool, [...step.args]) : { ok: false, message: `${path.basename(step.tool[0]!)} not found` };
}

/** What the unit runs, with which node, package and folders; `env` checked when the scheduler starts the sweep through it. */
function unitInput(ctx: Ctx, scheduler: Scheduler, values: Values): { input: UnitInput; envBin: string | null; root: string } {
  const interval = parseInterval(str(values, 'interval'));
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy: loads only when installing the service (CLI start-up)
  const { configFolder, dataFolder, installFolder } = require('../../api/install') as typeof import('../../api/install');
  const root = fs.realpathSync(installFolder());
  const envBin = scheduler.envBinaries ? trustedBinary(scheduler.envBinaries) : null;
  if (scheduler.envBinaries && !envBin) {
    const where = scheduler.envBinaries.map((p) => path.dirname(p)).join(' or ');
    throw new EphemdirError(ErrorCodes.UNSAFE_PARENT, `no root-owned env found in ${where}`);
  }
  const input: UnitInput = {
    node: fs.realpathSync(process.execPath),
    main: path.join(root, 'dist', 'cli', 'main.js'),
    env: envBin ?? '/usr/bin/env',
    dataDir: dataFolder(ctx.env), // --data-dir, when given, is pinned as EPHEMDIR_DATA_DIR would be
    configDir: configFolder(),
    interval,
    metricsFile: metricsFileArg(values),
  };
  return { input, envBin, root };
}

/** Writes every file, or none if one of them is someone else's. */
function writeUnits(ctx: Ctx, dirPath: string, files: Array<[string, string]>): void {
  const dir = openUnitDir(dirPath, true)!;
  try {
    for (const [n] of files) {
      if (readOurs(dir, n) === 'foreign') {
        throw new EphemdirError(ErrorCodes.NOT_OURS, `${path.join(dirPath, n)} exists and was not written by ephemdir; left alone`, {
          path: path.join(dirPath, n),
        });
      }
    }
    for (const [n, text] of files) {
      writeFile(dir, n, text);
      ctx.out(`${esc(path.join(dirPath, n))}\n`);
    }
  } finally {
    dir.close();
  }
}

/** Loads and starts what was written; 1 (with where it can be done) when the scheduler cannot. */
function enable(ctx: Ctx, scheduler: Scheduler, dirPath: string): number {
  for (const step of scheduler.enableSteps(dirPath)) {
    const r = runStep(step);
    if (!r.ok && !step.mayFail) {
      ctx.error(`the unit files are installed, but enabling them failed: ${esc(r.message)}`);
      ctx.error(scheduler.enableFailedHint());
      return 1;
    }
  }
  ctx.note(scheduler.enabled());
  return 0;
}

async function install(ctx: Ctx, values: Values): Promise<number> {
  const scheduler = hostScheduler();
  const { input, envBin, root } = unitInput(ctx, scheduler, values);
  const files = scheduler.render(input);
  const dirPath = scheduler.unitDir(ctx.env);
  if (flag(values, 'dry-run')) {
    ctx.out(files.map(([n, text]) => `# ${path.join(dirPath, n)}\n${text}`).join('\n'));
    return 0;
  }
  verifyRuntime({ node: input.node, env: envBin, root }, euid());
  writeUnits(ctx, dirPath, files);
  ctx.note(`wrote the ${scheduler.describe}: sweep every ${input.interval}s, and after login`);
  ctx.info(`pinned EPHEMDIR_DATA_DIR=${esc(input.dataDir)} EPHEMDIR_CONFIG_DIR=${esc(input.configDir)}`);
  let code = 0;
  if (flag(values, 'no-enable')) ctx.note(scheduler.howToEnable(dirPath));
  else code = enable(ctx, scheduler, dirPath);
  if (code !== 0) return code;
  const note = scheduler.installNote();
  if (note !== null) ctx.note(note);
  return 0;
}

async function uninstall(ctx: Ctx, values: Values): Promise<number> {
  const scheduler = hostScheduler();
  const dirPath = scheduler.unitDir(ctx.env);
  const dir = openUnitDir(dirPath, false);
  if (!dir) {
    ctx.note('no scheduled service is installed');
    return 0;
  }
  const disable = !flag(values, 'no-disable');
  try {
    // In reverse: what starts the job goes before what it starts.
    const present = [...scheduler.files].reverse().filter((n) => {
      const state = readOurs(dir, n);
      if (state === 'foreign') {
        throw new EphemdirError(ErrorCodes.NOT_OURS, `${path.join(dirPath, n)} was not written by ephemdir; refusing to remove it`, {
          path: path.join(dirPath, n),
        });
      }
      return state === 'ours';
    });
    if (!present.length) {
      ctx.note('no scheduled service is installed');
      return 0;
    }
    if (disable) {
      const step = scheduler.disableStep();
      const r = runStep(step);
      if (!r.ok && !step.mayFail) {
        ctx.error(`could not stop ${scheduler.job}, so the files were left in place: ${esc(r.message)}`);
        ctx.error('stop it yourself, or remove only the files with: ephemdir uninstall-service --no-disable');
        return 1;
      }
    }
    for (const link of scheduler.removeEnableLinks(dir, dirPath)) ctx.info(`removed ${esc(link)}`);
    for (const n of present) {
      removeFile(dir, n);
      ctx.out(`${esc(path.join(dirPath, n))}\n`);
    }
  } finally {
    dir.close();
  }
  if (disable) for (const step of scheduler.afterRemoveSteps()) runStep(step);
  ctx.note('removed the scheduled sweep');
  return 0;
}

export async function run(ctx: Ctx, name: string, values: Values): Promise<number> {
  if (name === 'install-service') return install(ctx, values);
  return uninstall(ctx, values);
}
