// launchd (macOS): a LaunchAgent with RunAtLoad and StartInterval, the same
// pinned environment and working directory as the systemd service. launchd
// sets the environment itself, so no `env` runs in between.
import * as os from 'node:os';
import * as path from 'node:path';
import type { Scheduler } from '../scheduler';
import { OWNER_MARK, SERVICE_PATH, sweepArgs, type UnitInput } from '../units';

export const LAUNCHD_LABEL = 'dev.ephemdir.sweep';
export const PLIST_NAME = `${LAUNCHD_LABEL}.plist`;

const LAUNCHCTL = ['/bin/launchctl'];

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

/** The user's GUI session domain, where LaunchAgents are loaded. */
function domain(): string {
  return `gui/${process.getuid?.()}`;
}

const bootout = () => ({ tool: LAUNCHCTL, args: ['bootout', `${domain()}/${LAUNCHD_LABEL}`], mayFail: true });

export const launchd: Scheduler = {
  describe: 'launchd agent',
  job: 'the agent',
  /** `~/Library/LaunchAgents`. */
  unitDir(env) {
    const home = env.HOME && path.isAbsolute(env.HOME) ? env.HOME : os.homedir();
    return path.join(home, 'Library', 'LaunchAgents');
  },
  files: [PLIST_NAME],
  mainFile: PLIST_NAME,
  envBinaries: null,
  render: (u) => [[PLIST_NAME, renderPlist(u)]],
  // Unload a previous version first; that fails when none is loaded, which is fine.
  enableSteps: (dirPath) => [bootout(), { tool: LAUNCHCTL, args: ['bootstrap', domain(), path.join(dirPath, PLIST_NAME)] }],
  enabled: () => `loaded ${LAUNCHD_LABEL}`,
  howToEnable: (dirPath) => `not loaded (--no-enable); to start it: launchctl bootstrap ${domain()} ${path.join(dirPath, PLIST_NAME)}`,
  enableFailedHint: () => 'load it with launchctl bootstrap when logged in to the GUI session',
  // May fail when it is not loaded: once the plist is gone, launchd does not load it again.
  disableStep: bootout,
  afterRemoveSteps: () => [],
  removeEnableLinks: () => [],
  installNote: () => null,
};
