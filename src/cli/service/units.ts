// What every scheduler's unit runs, whatever the scheduler: the sweep with its
// arguments, the pinned environment, and the mark that says ephemdir wrote
// the file. Pure: every path comes in. The unit files themselves are rendered
// by each scheduler (schedulers/systemd.ts, schedulers/launchd.ts).

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

/** The cron equivalent, for the docs and `install-service --help`. */
export function cronLine(u: Pick<UnitInput, 'node' | 'main' | 'dataDir' | 'configDir' | 'metricsFile'>, minutes = 10): string {
  const q = (s: string) => (/^[A-Za-z0-9_./:@+=,-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`).replace(/%/g, '\\%')}'`);
  return (
    `*/${minutes} * * * * cd / && env -i PATH=${SERVICE_PATH} EPHEMDIR_DATA_DIR=${q(u.dataDir)} ` +
    `EPHEMDIR_CONFIG_DIR=${q(u.configDir)} ${q(u.node)} ${q(u.main)} sweep -q` +
    (u.metricsFile ? ` --metrics-file ${q(u.metricsFile)}` : '')
  );
}
