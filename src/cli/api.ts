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

let cached: CliApi | undefined;

export function api(): CliApi {
  cached ??= Object.fromEntries(
    Object.entries(MODULES).map(([name, mod]) => [
      name,
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      (...args: unknown[]) => (require(mod) as Record<string, (...a: unknown[]) => unknown>)[name]!(...args),
    ]),
  ) as unknown as CliApi;
  return cached;
}
