// Where this copy of ephemdir is installed and which folders it uses: the
// CLI's `--version` and the scheduled service's units need them. Kept apart
// so that loading it loads nothing else of the library.
import { packageRoot } from '../fs/addon';
import { configDir, dataDir } from '../store/paths';

/** The folder ephemdir is installed in (the one holding its package.json). */
export function installFolder(): string {
  return packageRoot();
}

/** The data folder (registry): EPHEMDIR_DATA_DIR, else the platform default. Touches no file. */
export function dataFolder(env: NodeJS.ProcessEnv = process.env): string {
  return dataDir(env);
}

/** The config folder: EPHEMDIR_CONFIG_DIR, else the platform default. Touches no file. */
export function configFolder(env: NodeJS.ProcessEnv = process.env): string {
  return configDir(env);
}
