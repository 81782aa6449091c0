// The slice of the library API the CLI calls, loaded on first use so that
// `--help`, `shell-init` and `completion` never pay for the registry code.
import type { RemoveTreeProgress, RemoveTreeResult, RmtreeCheck } from '../api/rmtree';
import type { Entry } from '../model/entry';
import type { ExplainModel } from '../policy/explain';
import type {
  RegistryOptions,
  RemoveResult,
  Stats,
  SweepOptions,
  SweepReport,
  TempdirOptions,
  TrackedList,
} from '../api/types';

export interface CreatedDirectory {
  path: string;
  name: string;
  createdAt: Date;
  expiresAt: Date | null;
  /** What the pre-creation (maintenance) sweep did, when the API reports it. */
  sweep?: SweepReport | null;
  [key: string]: unknown;
}

export interface CliApi {
  tempdir(options?: TempdirOptions): Promise<CreatedDirectory>;
  keep(target: string): Promise<string>;
  extend(target: string, lifetime: number | string | null, opts?: { relative?: boolean }): Promise<Entry>;
  remove(target: string): Promise<RemoveResult>;
  resolve(target: string): Promise<string>;
  currentTarget(cwd?: string): Promise<Entry>;
  last(): Promise<Entry | null>;
  explain(target: string): Promise<ExplainModel>;
  recover(target: string, opts?: { forget?: boolean }): Promise<{ path: string; action: string }>;
  prune(): Promise<string[]>;
  sweep(opts?: SweepOptions): Promise<SweepReport>;
  list(opts?: { tags?: string[] }): Promise<TrackedList>;
  match(target: string): Promise<Entry[]>;
  trackedEntry(target: string, options?: RegistryOptions): Promise<Entry>;
  sizeOf(entry: Entry): Promise<{ bytes: number; complete: boolean } | null>;
  stats(): Promise<Stats>;
  checkRmtreeTargets(paths: readonly string[]): RmtreeCheck[];
  removeRmtreeTarget(p: string, opts?: { onProgress?: (progress: RemoveTreeProgress) => void }): Promise<RemoveTreeResult>;
  scanRmtreeTarget(p: string): Promise<{ entries: number; bytes: number; mounts: string[] }>;
}

// Which API module serves each function: a command loads only what it calls,
// so `list` and `path` never load the deletion engine or the config parser.
const MODULES: Record<keyof CliApi, string> = {
  tempdir: '../api/index',
  keep: '../api/manage',
  extend: '../api/manage',
  remove: '../api/manage',
  explain: '../api/manage',
  recover: '../api/manage',
  prune: '../api/manage',
  sweep: '../api/sweep',
  resolve: '../api/query',
  currentTarget: '../api/query',
  last: '../api/query',
  list: '../api/query',
  match: '../api/query',
  trackedEntry: '../api/query',
  sizeOf: '../api/query',
  stats: '../api/query',
  checkRmtreeTargets: '../api/rmtree',
  removeRmtreeTarget: '../api/rmtree',
  scanRmtreeTarget: '../api/rmtree',
};

// Where each function takes its options object, into which `--data-dir`
// goes as `dataDir` (null: it does not read the registry). Every command
// thereby uses the one registry main() chose, without passing it itself.
const OPTIONS_AT: Record<keyof CliApi, number | null> = {
  tempdir: 0,
  keep: 1,
  extend: 2,
  remove: 1,
  explain: 1,
  recover: 1,
  prune: 0,
  sweep: 0,
  resolve: 1,
  currentTarget: 1,
  last: 0,
  list: 0,
  match: 1,
  trackedEntry: 1,
  sizeOf: null,
  stats: 0,
  checkRmtreeTargets: null,
  removeRmtreeTarget: null,
  scanRmtreeTarget: null,
};

let dataDir: string | undefined;

/** The registry the calls below use from now on (`--data-dir`); undefined: the configured one. */
export function useDataDir(dir: string | undefined): void {
  dataDir = dir;
}

function withRegistry(name: keyof CliApi, args: unknown[]): unknown[] {
  const at = OPTIONS_AT[name];
  if (at === null || dataDir === undefined) return args;
  const out = args.slice();
  while (out.length <= at) out.push(undefined);
  out[at] = { ...(out[at] as object | undefined), dataDir };
  return out;
}

let cached: CliApi | undefined;

export function api(): CliApi {
  cached ??= Object.fromEntries(
    Object.entries(MODULES).map(([name, mod]) => [
      name,
      (...args: unknown[]) =>
        // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy: each API module loads on its first call (CLI start-up)
        (require(mod) as Record<string, (...a: unknown[]) => unknown>)[name]!(...withRegistry(name as keyof CliApi, args)),
    ]),
  ) as unknown as CliApi;
  return cached;
}
