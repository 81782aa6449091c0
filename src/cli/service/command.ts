// `ephemdir install-service` and `ephemdir uninstall-service`.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { EphemdirError, ErrorCodes } from '../../errors';
import { escapeForTerminal as esc } from '../../core/humanize';
import { flag, str, type Values } from '../args';
import type { Ctx } from '../io';
import { parseInterval } from '../commands/sweep';
import {
  LAUNCHD_LABEL,
  PLIST_NAME,
  SERVICE_NAME,
  TIMER_NAME,
  renderPlist,
  renderService,
  renderTimer,
  type UnitInput,
} from './units';
import { trustedBinary, verifyRuntime } from './verify';
import { openUnitDir, readOurs, removeFile, writeFile } from './files';
import { euid } from '../../core/trust';

const SYSTEMCTL = ['/usr/bin/systemctl', '/bin/systemctl'];
const LAUNCHCTL = ['/bin/launchctl'];
const ENV = ['/usr/bin/env', '/bin/env'];

/** Where the units go: `$XDG_CONFIG_HOME/systemd/user` or `~/.config/systemd/user`; never under EPHEMDIR_CONFIG_DIR. */
export function unitDir(env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform): string {
  const home = env.HOME && path.isAbsolute(env.HOME) ? env.HOME : os.homedir();
  if (platform === 'darwin') return path.join(home, 'Library', 'LaunchAgents');
  const xdg = env.XDG_CONFIG_HOME && path.isAbsolute(env.XDG_CONFIG_HOME) ? env.XDG_CONFIG_HOME : path.join(home, '.config');
  return path.join(xdg, 'systemd', 'user');
}

function platform(): 'linux' | 'darwin' {
  if (process.platform === 'linux' || process.platform === 'darwin') return process.platform;
  throw new EphemdirError(ErrorCodes.UNSUPPORTED_PLATFORM, `no scheduled service on ${process.platform}`);
}

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

function lingerNote(ctx: Ctx): void {
  const user = os.userInfo().username;
  if (fs.existsSync(path.join('/var/lib/systemd/linger', user))) return;
  ctx.note(
    'note: without lingering, user timers run only while you are logged in, so a reboot is swept at your next login.\n' +
      `      To sweep right after boot: loginctl enable-linger ${user}`,
  );
}

/** `--metrics-file`, made absolute and checked now, so a unit is never installed that would refuse every sweep. */
function metricsFileArg(values: Values): string | null {
  const file = str(values, 'metrics-file');
  if (file === undefined) return null;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { openMetricsTarget } = require('../metrics/file') as typeof import('../metrics/file');
  const target = openMetricsTarget(file, process.cwd());
  target.dir.close();
  return target.display;
}

async function install(ctx: Ctx, values: Values): Promise<number> {
  const plat = platform();
  const interval = parseInterval(str(values, 'interval'));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const paths = require('../../store/paths') as typeof import('../../store/paths');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { packageRoot } = require('../../native/loader') as typeof import('../../native/loader');
  const root = packageRoot(__dirname);
  const envBin = plat === 'linux' ? trustedBinary(ENV) : null;
  if (plat === 'linux' && !envBin) throw new EphemdirError(ErrorCodes.UNSAFE_PARENT, 'no root-owned env found in /usr/bin or /bin');
  const input: UnitInput = {
    node: fs.realpathSync(process.execPath),
    main: path.join(fs.realpathSync(root), 'dist', 'cli', 'main.js'),
    env: envBin ?? '/usr/bin/env',
    dataDir: paths.dataDir(),
    configDir: paths.configDir(),
    interval,
    metricsFile: metricsFileArg(values),
  };
  const files: Array<[string, string]> =
    plat === 'linux'
      ? [
          [SERVICE_NAME, renderService(input)],
          [TIMER_NAME, renderTimer(input)],
        ]
      : [[PLIST_NAME, renderPlist(input)]];
  const dirPath = unitDir(ctx.env, plat);
  if (flag(values, 'dry-run')) {
    ctx.out(files.map(([n, text]) => `# ${path.join(dirPath, n)}\n${text}`).join('\n'));
    return 0;
  }
  verifyRuntime({ node: input.node, env: envBin, root: fs.realpathSync(root) }, euid());

  const dir = openUnitDir(dirPath, true)!;
  try {
    for (const [n, text] of files) {
      const existing = readOurs(dir, n);
      if (existing === 'foreign') {
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
  ctx.note(`wrote the ${plat === 'linux' ? 'systemd user units' : 'launchd agent'}: sweep every ${interval}s, and after login`);
  ctx.info(`pinned EPHEMDIR_DATA_DIR=${esc(input.dataDir)} EPHEMDIR_CONFIG_DIR=${esc(input.configDir)}`);
  if (flag(values, 'no-enable')) {
    ctx.note(
      plat === 'linux'
        ? `not enabled (--no-enable); to start it: systemctl --user daemon-reload && systemctl --user enable --now ${TIMER_NAME}`
        : `not loaded (--no-enable); to start it: launchctl bootstrap gui/${process.getuid?.()} ${path.join(dirPath, PLIST_NAME)}`,
    );
    if (plat === 'linux') lingerNote(ctx);
    return 0;
  }
  const steps: Array<[string[], string[]]> =
    plat === 'linux'
      ? [
          [SYSTEMCTL, ['--user', 'daemon-reload']],
          [SYSTEMCTL, ['--user', 'enable', '--now', TIMER_NAME]],
        ]
      : [
          [LAUNCHCTL, ['bootout', `gui/${process.getuid?.()}/${LAUNCHD_LABEL}`]],
          [LAUNCHCTL, ['bootstrap', `gui/${process.getuid?.()}`, path.join(dirPath, PLIST_NAME)]],
        ];
  for (const [candidates, args] of steps) {
    const tool = trustedBinary(candidates);
    const r = tool ? exec(tool, args) : { ok: false as const, message: `${path.basename(candidates[0]!)} not found` };
    if (!r.ok && args[0] === 'bootout') continue; // not loaded yet: fine
    if (!r.ok) {
      ctx.error(`the unit files are installed, but enabling them failed: ${esc(r.message)}`);
      ctx.error(
        plat === 'linux'
          ? `run in a session with a user manager: systemctl --user daemon-reload && systemctl --user enable --now ${TIMER_NAME}`
          : 'load it with launchctl bootstrap when logged in to the GUI session',
      );
      return 1;
    }
  }
  ctx.note(plat === 'linux' ? `enabled ${TIMER_NAME}` : `loaded ${LAUNCHD_LABEL}`);
  if (plat === 'linux') lingerNote(ctx);
  return 0;
}

async function uninstall(ctx: Ctx, values: Values): Promise<number> {
  const plat = platform();
  const dirPath = unitDir(ctx.env, plat);
  const names = plat === 'linux' ? [TIMER_NAME, SERVICE_NAME] : [PLIST_NAME];
  const dir = openUnitDir(dirPath, false);
  if (!dir) {
    ctx.note('no scheduled service is installed');
    return 0;
  }
  try {
    const present = names.filter((n) => {
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
    if (!flag(values, 'no-disable')) {
      const tool = trustedBinary(plat === 'linux' ? SYSTEMCTL : LAUNCHCTL);
      const args =
        plat === 'linux' ? ['--user', 'disable', '--now', TIMER_NAME] : ['bootout', `gui/${process.getuid?.()}/${LAUNCHD_LABEL}`];
      const r = tool ? exec(tool, args) : { ok: false as const, message: 'systemctl not found' };
      if (!r.ok && plat === 'linux') {
        ctx.error(`could not stop the timer, so the files were left in place: ${esc(r.message)}`);
        ctx.error('stop it yourself, or remove only the files with: ephemdir uninstall-service --no-disable');
        return 1;
      }
    }
    if (plat === 'linux') removeWantsLink(dir, dirPath, ctx);
    for (const n of present) {
      removeFile(dir, n);
      ctx.out(`${esc(path.join(dirPath, n))}\n`);
    }
  } finally {
    dir.close();
  }
  if (plat === 'linux' && !flag(values, 'no-disable')) {
    const tool = trustedBinary(SYSTEMCTL);
    if (tool) exec(tool, ['--user', 'daemon-reload']);
  }
  ctx.note('removed the scheduled sweep');
  return 0;
}

/** `systemctl enable` links timers.target.wants/ephemdir-sweep.timer to our timer; remove that link only. */
function removeWantsLink(dir: ReturnType<typeof openUnitDir> & object, dirPath: string, ctx: Ctx): void {
  const link = path.join(dirPath, 'timers.target.wants', TIMER_NAME);
  try {
    const st = fs.lstatSync(link);
    if (!st.isSymbolicLink()) return;
    const target = fs.readlinkSync(link);
    if (path.resolve(path.dirname(link), target) !== path.join(dirPath, TIMER_NAME)) return;
    fs.unlinkSync(link);
    ctx.info(`removed ${esc(link)}`);
  } catch {
    // no link: nothing to do
  }
  void dir;
}

export async function run(ctx: Ctx, name: string, values: Values): Promise<number> {
  if (name === 'install-service') return install(ctx, values);
  return uninstall(ctx, values);
}
