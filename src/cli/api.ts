// The slice of the library API the CLI calls, loaded on first use so that
// `--help`, `shell-init` and `completion` never pay for the registry code.
// Each function's type is the API's own (`typeof` its export), so a change
// of signature in src/api is a compile error here and in the commands.

/** The API modules the CLI loads, by the path it requires them with. */
interface Modules {
  '../api/index': typeof import('../api/index');
  '../api/manage': typeof import('../api/manage');
  '../api/query': typeof import('../api/query');
  '../api/sweep': typeof import('../api/sweep');
  '../api/rmtree': typeof import('../api/rmtree');
}

// Which API module serves each function: a command loads only what it calls,
// so `list` and `path` never load the deletion engine or the config parser.
const MODULES = {
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
} as const satisfies Record<string, keyof Modules>;

type Name = keyof typeof MODULES;

/** Each function as its module exports it (a name its module does not export does not compile). */
export type CliApi = { [K in Name]: Modules[(typeof MODULES)[K]][K & keyof Modules[(typeof MODULES)[K]]] };

/** A name that its module does not export, as a compile error naming it. */
type NotExported = { [K in Name]: K extends keyof Modules[(typeof MODULES)[K]] ? never : K }[Name];
const everyNameExported: [NotExported] extends [never] ? true : NotExported = true;
void everyNameExported;

// Where each function takes its options object, into which `--data-dir`
// goes as `dataDir` (null: it does not read the registry). Every command
// thereby uses the one registry main() chose, without passing it itself.
const OPTIONS_AT: Record<Name, number | null> = {
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

function withRegistry(name: Name, args: unknown[]): unknown[] {
  const at = OPTIONS_AT[name];
  if (at === null || dataDir === undefined) return args;
  const out = args.slice();
  while (out.length <= at) out.push(undefined);
  out[at] = { ...(out[at] as object | undefined), dataDir };
  return out;
}

/* eslint-disable @typescript-eslint/no-require-imports -- lazy: each API module loads on its first call (CLI start-up) */
// One static require per module (not require(name)), so that a bundler sees
// every module the CLI may load and keeps each one's evaluation lazy.
const LOADERS: { [M in keyof Modules]: () => Modules[M] } = {
  '../api/index': () => require('../api/index') as Modules['../api/index'],
  '../api/manage': () => require('../api/manage') as Modules['../api/manage'],
  '../api/query': () => require('../api/query') as Modules['../api/query'],
  '../api/sweep': () => require('../api/sweep') as Modules['../api/sweep'],
  '../api/rmtree': () => require('../api/rmtree') as Modules['../api/rmtree'],
};
/* eslint-enable @typescript-eslint/no-require-imports */

let cached: CliApi | undefined;

export function api(): CliApi {
  cached ??= Object.fromEntries(
    Object.entries(MODULES).map(([name, mod]) => [
      name,
      (...args: unknown[]) => (LOADERS[mod]() as unknown as Record<string, (...a: unknown[]) => unknown>)[name]!(...withRegistry(name as Name, args)),
    ]),
  ) as unknown as CliApi;
  return cached;
}
