// The scheduled sweep's unit files, rendered as text. Pure: every path comes in.
//
// systemd: a oneshot service that runs `node <package>/dist/cli/main.js sweep`
// from `/` through `env -i` (so nothing from the user manager's environment,
// such as NODE_OPTIONS, reaches node), with the data and config folders
// pinned; and a timer that fires shortly after the user manager starts (login,
// or boot with linger) and then every interval. Monotonic timers ignore
// Persistent=, so it is not set.
//
// launchd: a LaunchAgent with RunAtLoad and StartInterval, the same pinned
// environment and working directory.

export const SERVICE_NAME = 'ephemdir-sweep.service';
export const TIMER_NAME = 'ephemdir-sweep.timer';
export const LAUNCHD_LABEL = 'dev.ephemdir.sweep';
export const PLIST_NAME = `${LAUNCHD_LABEL}.plist`;
/** Written into every file we install; uninstall removes only files that carry it. */
export const OWNER_MARK = 'Installed by `ephemdir install-service`; remove with `ephemdir uninstall-service`.';
/** The PATH the sweep runs with. */
export const SERVICE_PATH = '/usr/bin:/bin:/usr/sbin:/sbin';

export interface UnitInput {
  /** Absolute path of the node binary. */
  node: string;
  /** Absolute path of dist/cli/main.js. */
  main: string;
  /** Absolute path of env (systemd only). */
  env: string;
  dataDir: string;
  configDir: string;
  /** Seconds between sweeps. */
  interval: number;
  /** Absolute path each sweep writes Prometheus metrics to, or none. */
  metricsFile?: string | null;
}

/**
 * The sweep's arguments: always one summary line per sweep on stderr (the
 * journal), and the metrics file when one was asked for.
 */
export function sweepArgs(u: Pick<UnitInput, 'metricsFile'>): string[] {
  return ['sweep', '--log-summary', ...(u.metricsFile ? ['--metrics-file', u.metricsFile] : [])];
}

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

function xml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`).replace(/[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/g, '');
}

export function renderPlist(u: Omit<UnitInput, 'env'>): string {
  const strings = (xs: string[]) => xs.map((x) => `    <string>${xml(x)}</string>`).join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<!-- ${xml(OWNER_MARK)} -->
<plist version="1.0">
<dict>
  <key>Label</key>
  <string>${LAUNCHD_LABEL}</string>
  <key>ProgramArguments</key>
  <array>
${strings([u.node, u.main, ...sweepArgs(u)])}
  </array>
  <key>EnvironmentVariables</key>
  <dict>
    <key>PATH</key>
    <string>${xml(SERVICE_PATH)}</string>
    <key>EPHEMDIR_DATA_DIR</key>
    <string>${xml(u.dataDir)}</string>
    <key>EPHEMDIR_CONFIG_DIR</key>
    <string>${xml(u.configDir)}</string>
  </dict>
  <key>WorkingDirectory</key>
  <string>/</string>
  <key>RunAtLoad</key>
  <true/>
  <key>StartInterval</key>
  <integer>${Math.floor(u.interval)}</integer>
  <key>ProcessType</key>
  <string>Background</string>
</dict>
</plist>
`;
}

/** The cron equivalent, for the docs and `install-service --help`. */
export function cronLine(u: Pick<UnitInput, 'node' | 'main' | 'dataDir' | 'configDir' | 'metricsFile'>, minutes = 10): string {
  const q = (s: string) => (/^[A-Za-z0-9_./:@+=,-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`).replace(/%/g, '\\%')}'`);
  return (
    `*/${minutes} * * * * cd / && env -i PATH=${SERVICE_PATH} EPHEMDIR_DATA_DIR=${q(u.dataDir)} ` +
    `EPHEMDIR_CONFIG_DIR=${q(u.configDir)} ${q(u.node)} ${q(u.main)} sweep -q` +
    (u.metricsFile ? ` --metrics-file ${q(u.metricsFile)}` : '')
  );
}
