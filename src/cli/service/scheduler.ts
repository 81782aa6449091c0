// What `install-service` needs from the user's scheduler. One module per
// scheduler (schedulers/systemd.ts, schedulers/launchd.ts) implements
// `Scheduler`, and schedulers/index.ts picks this host's; install and
// uninstall (command.ts) and doctor only ask this interface.
import type { FileFolder } from '../../api/file-folder';
import type { UnitInput } from './units';

/** One command the scheduler's tool runs. */
export interface Step {
  /** Absolute paths of the tool, tried in order; only a root-owned one nobody else can write is run. */
  tool: readonly string[];
  args: readonly string[];
  /** A failure is expected and harmless (unloading what is not loaded yet). */
  mayFail?: boolean;
}

export interface Scheduler {
  /** What the installed files are, for messages ("systemd user units"). */
  readonly describe: string;
  /** What runs the sweeps, for messages ("the timer"). */
  readonly job: string;
  /** The folder the user's scheduler reads its files from; never under EPHEMDIR_CONFIG_DIR. */
  unitDir(env: NodeJS.ProcessEnv): string;
  /** The files installed, in the order they are written; uninstall removes them in reverse. */
  readonly files: readonly string[];
  /** The file that names the ephemdir install the job runs (doctor reads it). */
  readonly mainFile: string;
  /** Where the unit finds `env` to start the sweep with an empty environment; null when the scheduler sets it itself. */
  readonly envBinaries: readonly string[] | null;
  /** Each of `files` with its text, in the same order. */
  render(u: UnitInput): Array<[name: string, text: string]>;
  /** Loads the written files and starts the job. */
  enableSteps(dirPath: string): Step[];
  /** Said once it is enabled. */
  enabled(): string;
  /** Said after `--no-enable`: how to start it by hand. */
  howToEnable(dirPath: string): string;
  /** Said when enabling failed: where it can succeed. */
  enableFailedHint(): string;
  /** Stops the job before its files are removed; if that fails and may not, the files stay. */
  disableStep(): Step;
  /** Run (best effort) after the files are gone, when the job was stopped. */
  afterRemoveSteps(): Step[];
  /** Removes what enabling added beside our files, through the unit folder's handle; returns the paths removed. */
  removeEnableLinks(dir: FileFolder, dirPath: string): string[];
  /** A caveat said after installing, or null. */
  installNote(): string | null;
}
