// systemd (Linux): a oneshot service that runs `node <package>/dist/cli/main.js
// sweep` from `/` through `env -i` (so nothing from the user manager's
// environment, such as NODE_OPTIONS, reaches node), with the data and config
// folders pinned; and a timer that fires shortly after the user manager
// starts (login, or boot with linger) and then every interval. Monotonic
// timers ignore Persistent=, so it is not set.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { FileFolder } from '../../../api/file-folder';
import type { Scheduler } from '../scheduler';
import { OWNER_MARK, SERVICE_PATH, sweepArgs, type UnitInput } from '../units';

export const SERVICE_NAME = 'ephemdir-sweep.service';
export const TIMER_NAME = 'ephemdir-sweep.timer';

const WANTS = 'timers.target.wants';
const SYSTEMCTL = ['/usr/bin/systemctl', '/bin/systemctl'];
const ENV = ['/usr/bin/env', '/bin/env'];

/**
 * One ExecStart= word, quoted the way systemd reads it: `%` and `$` are
 * doubled (specifiers, variable expansion), backslash, double quote and
 * control characters are escaped, and a word with anything outside a safe
 * set is double-quoted.
 */
export function systemdWord(word: string): string {
  const escaped = word.replace(/[%$\\"\x00-\x1f\x7f]/g, (c) => {
    if (c === '%') return '%%';
    if (c === '$') return '$$';
    if (c === '\\') return '\\\\';
    if (c === '"') return '\\"';
    return `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`;
  });
  return /^[A-Za-z0-9_./:@+=,-]+$/.test(escaped) && escaped.length > 0 ? escaped : `"${escaped}"`;
}

/** A value on a line of its own (Description=): no specifiers, no line breaks. */
function systemdValue(text: string): string {
  return text.replace(/%/g, '%%').replace(/[\x00-\x1f\x7f]/g, ' ');
}

export function renderService(u: UnitInput): string {
  const argv = [
    u.env,
    '-i',
    `PATH=${SERVICE_PATH}`,
    `EPHEMDIR_DATA_DIR=${u.dataDir}`,
    `EPHEMDIR_CONFIG_DIR=${u.configDir}`,
    u.node,
    u.main,
    ...sweepArgs(u),
  ];
  return `# ${OWNER_MARK}
[Unit]
Description=${systemdValue('ephemdir: remove expired temporary directories')}
Documentation=https://www.npmjs.com/package/ephemdir

[Service]
Type=oneshot
WorkingDirectory=/
ExecStart=${argv.map(systemdWord).join(' ')}
Nice=10
IOSchedulingClass=idle
`;
}

export function renderTimer(u: Pick<UnitInput, 'interval'>): string {
  return `# ${OWNER_MARK}
[Unit]
Description=${systemdValue(`ephemdir: sweep expired temporary directories every ${u.interval}s`)}

[Timer]
OnStartupSec=30
OnUnitActiveSec=${u.interval}
AccuracySec=30
Unit=${SERVICE_NAME}

[Install]
WantedBy=timers.target
`;
}

/**
 * `systemctl enable` links timers.target.wants/ephemdir-sweep.timer to our
 * timer: that link only, when it points at ours, reached through the unit
 * folder's handle without following a symlink.
 */
function removeWantsLink(dir: FileFolder, dirPath: string): string[] {
  const link = path.join(dirPath, WANTS, TIMER_NAME);
  // A dangling or foreign link does no harm once the timer is gone: left alone.
  return dir.removeLinkIn(WANTS, TIMER_NAME, path.join(dirPath, TIMER_NAME)) ? [link] : [];
}

/** Without lingering the user manager, and so the timer, runs only while the user is logged in. */
function lingerNote(): string | null {
  const user = os.userInfo().username;
  if (fs.existsSync(path.join('/var/lib/systemd/linger', user))) return null;
  return (
    'note: without lingering, user timers run only while you are logged in, so a reboot is swept at your next login.\n' +
    `      To sweep right after boot: loginctl enable-linger ${user}`
  );
}

export const systemd: Scheduler = {
  describe: 'systemd user units',
  job: 'the timer',
  /** `$XDG_CONFIG_HOME/systemd/user` or `~/.config/systemd/user`. */
  unitDir(env) {
    const home = env.HOME && path.isAbsolute(env.HOME) ? env.HOME : os.homedir();
    const xdg = env.XDG_CONFIG_HOME && path.isAbsolute(env.XDG_CONFIG_HOME) ? env.XDG_CONFIG_HOME : path.join(home, '.config');
    return path.join(xdg, 'systemd', 'user');
  },
  files: [SERVICE_NAME, TIMER_NAME],
  mainFile: SERVICE_NAME,
  envBinaries: ENV,
  render: (u) => [
    [SERVICE_NAME, renderService(u)],
    [TIMER_NAME, renderTimer(u)],
  ],
  enableSteps: () => [
    { tool: SYSTEMCTL, args: ['--user', 'daemon-reload'] },
    { tool: SYSTEMCTL, args: ['--user', 'enable', '--now', TIMER_NAME] },
  ],
  enabled: () => `enabled ${TIMER_NAME}`,
  howToEnable: () => `not enabled (--no-enable); to start it: systemctl --user daemon-reload && systemctl --user enable --now ${TIMER_NAME}`,
  enableFailedHint: () => `run in a session with a user manager: systemctl --user daemon-reload && systemctl --user enable --now ${TIMER_NAME}`,
  disableStep: () => ({ tool: SYSTEMCTL, args: ['--user', 'disable', '--now', TIMER_NAME] }),
  afterRemoveSteps: () => [{ tool: SYSTEMCTL, args: ['--user', 'daemon-reload'] }],
  removeEnableLinks: removeWantsLink,
  installNote: lingerNote,
};
