// The slice of the library API the CLI calls, loaded on first use so that
// `--help`, `shell-init` and `completion` never pay for the registry code.
import type { Entry } from '../model/entry';
import type { ExplainModel } from '../policy/explain';
import type {
  RemoveResult,
  Stats,
  SweepOptions,
  SweepReport,
  TempdirOptions,
  TrackedDirectory,
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
  list(opts?: { tags?: string[] }): Promise<TrackedDirectory[]>;
  match(target: string): Promise<Entry[]>;
  sizeOf(entry: Entry): Promise<{ bytes: number; complete: boolean } | null>;
  stats(): Promise<Stats>;
}

let cached: CliApi | undefined;

export function api(): CliApi {
  // A plain require keeps the module graph lazy (and compiles while the API is still being written).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  cached ??= require('../api') as CliApi;
  return cached;
}
