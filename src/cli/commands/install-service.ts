// `ephemdir install-service`: schedule periodic sweeps (systemd user timer / launchd agent).
// The work is done by src/cli/service.
import { INTERVAL_OPT, defineCommand } from '../spec';

export default defineCommand(
  {
    name: 'install-service',
    summary: 'schedule periodic sweeps (systemd user timer / launchd agent)',
    options: {
      interval: INTERVAL_OPT,
      'no-enable': { type: 'boolean', help: 'write and verify the unit files only; do not run systemctl/launchctl' },
      'dry-run': { type: 'boolean', short: 'n', help: 'print the unit files, write nothing' },
      'metrics-file': { type: 'string', value: 'PATH', help: 'each scheduled sweep writes Prometheus metrics to PATH' },
    },
    examples: [
      { run: 'ephemdir install-service --dry-run', does: 'print the unit files it would write' },
      { run: 'ephemdir install-service --interval 15m', does: 'sweep every 15 minutes from a systemd user timer / launchd agent' },
    ],
  },
  async (ctx, opts) => {
    // Loaded here, not at the top: `--help` loads every command file, and the
    // scheduler code (which still reads its options by name) is not needed for it.
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy: the scheduler code loads only when this command runs
    const { run } = require('../service/command') as typeof import('../service/command');
    return run(ctx, 'install-service', {
      interval: opts.interval,
      'no-enable': opts.noEnable,
      'dry-run': opts.dryRun,
      'metrics-file': opts.metricsFile,
    });
  },
);
