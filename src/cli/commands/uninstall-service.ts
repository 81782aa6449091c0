// `ephemdir uninstall-service`: remove what install-service installed.
// The work is done by src/cli/service.
import { defineCommand } from '../spec';

export default defineCommand(
  {
    name: 'uninstall-service',
    summary: 'remove the scheduled sweep installed by install-service',
    options: {
      'no-disable': { type: 'boolean', help: 'remove the files only; do not run systemctl/launchctl' },
    },
    examples: [{ run: 'ephemdir uninstall-service', does: 'stop the scheduled sweep and remove its files' }],
  },
  async (ctx, opts) => {
    // Loaded here, not at the top: `--help` loads every command file, and the
    // scheduler code (which still reads its options by name) is not needed for it.
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy: the scheduler code loads only when this command runs
    const { run } = require('../service/command') as typeof import('../service/command');
    return run(ctx, 'uninstall-service', { 'no-disable': opts.noDisable });
  },
);
