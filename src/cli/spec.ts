// The command table: every command, its flags, arguments and help text. The
// parser, `--help` and the completion scripts are all generated from it, so a
// flag added here is parsed, documented and completed at once. Data only: no
// imports, so loading it costs nothing at startup.

export interface OptionSpec {
  type: 'boolean' | 'string';
  short?: string;
  multiple?: boolean;
  /** Placeholder shown in help (`DUR`, `N`, ...) for string options. */
  value?: string;
  /** Fixed choices, checked by the parser and offered by completion. */
  choices?: readonly string[];
  help: string;
}

/**
 * One line of a command's `Examples:` help, as a user would type it. Every
 * example is run by test/cli/help-examples.test.ts, so each must work as
 * written (in bash, or in fish when `shell` says so).
 */
export interface Example {
  run: string;
  /** What it does, shown as a comment above it. */
  does: string;
  shell?: 'fish';
}

/** What completion offers for positional arguments. */
export type ArgCompletion = 'names' | 'shells' | 'files' | 'none';

export interface CommandSpec {
  name: string;
  /** Module (relative to src/cli) that exports `run`. */
  module: string;
  summary: string;
  /** The positional part of the usage line. */
  args: string;
  minArgs: number;
  maxArgs: number;
  options: Record<string, OptionSpec>;
  complete: ArgCompletion;
  /** Extra help text after the option list. */
  details?: string;
  /** Shown under `Examples:` in the command's help; every visible command has at least one. */
  examples: readonly Example[];
  /** `list --help` ends with the meaning of each status icon and tag. */
  statusLegend?: boolean;
  hidden?: boolean;
}

const JSON_OPT: OptionSpec = { type: 'boolean', help: 'print machine-readable JSON' };
const PLAIN_OPT: OptionSpec = { type: 'boolean', help: 'ASCII status tags instead of emoji' };
const TAG_FILTER: OptionSpec = {
  type: 'string',
  multiple: true,
  value: 'TAG',
  help: 'only directories carrying this tag (repeatable; all must match)',
};

const TARGET_HELP =
  'NAME is a full path, an exact name or a unique prefix of a name. Without NAME the\n' +
  'command works on the tracked directory you stand in (found through its .ephemdir\n' +
  'marker and checked against the registry); anywhere else it refuses.';

/**
 * How to install completion for good, one shell at a time. They work on a
 * fresh account too: the folders are made first (a new user has no ~/.zfunc
 * or ~/.config/fish), and zsh's folder joins $fpath before compinit reads it.
 * test/cli/completion-install.test.ts runs them as a new user in a terminal.
 */
export const COMPLETION_INSTALL: readonly Example[] = [
  { run: `echo 'source <(ephemdir completion bash)' >> ~/.bashrc`, does: 'bash: load it from ~/.bashrc' },
  { run: 'mkdir -p ~/.zfunc && ephemdir completion zsh > ~/.zfunc/_ephemdir', does: 'zsh: save it in a folder of your own,' },
  {
    run: `echo 'fpath=(~/.zfunc $fpath); autoload -Uz compinit && compinit' >> ~/.zshrc`,
    does: 'zsh: and put that folder on $fpath before compinit runs',
  },
  {
    run: 'mkdir -p ~/.config/fish/completions && ephemdir completion fish > ~/.config/fish/completions/ephemdir.fish',
    does: 'fish: save it where fish looks for completions',
  },
];

/** Options every command accepts (before or after the command name). */
export const GLOBAL_OPTIONS: Record<string, OptionSpec> = {
  verbose: { type: 'boolean', short: 'v', multiple: true, help: 'more output on stderr (-vv: debug)' },
  quiet: { type: 'boolean', short: 'q', help: 'only errors on stderr' },
  color: { type: 'string', value: 'WHEN', choices: ['auto', 'always', 'never'], help: 'colour: auto (default), always, never' },
  help: { type: 'boolean', short: 'h', help: 'show help' },
};

export const COMMANDS: readonly CommandSpec[] = [
  {
    name: 'new',
    module: 'commands/new',
    summary: 'create a directory and print its path',
    args: '',
    minArgs: 0,
    maxArgs: 0,
    complete: 'none',
    options: {
      lifetime: { type: 'string', short: 'l', value: 'DUR', help: 'remove after this long (30m, 2h, 1h30m, 7d)' },
      'keep-on-restart': { type: 'boolean', help: 'survive reboots (rely on the lifetime only)' },
      'remove-on-restart': { type: 'boolean', help: 'remove after a reboot even if the config says otherwise' },
      'until-sweep': { type: 'boolean', help: 'keep until the next full `ephemdir sweep`' },
      cleanup: { type: 'string', value: 'POLICY', choices: ['auto', 'next-sweep'], help: 'auto (default) or next-sweep' },
      'keep-while-in-use': { type: 'boolean', help: 'never remove while a process uses it' },
      'no-keep-while-in-use': { type: 'boolean', help: 'override keep_while_in_use from the config' },
      'max-size': { type: 'string', value: 'SIZE', help: 'due once it grows past SIZE (500MB, 2GiB)' },
      'name-style': { type: 'string', value: 'STYLE', choices: ['secure', 'clean', 'auto'], help: 'secure (random suffix), clean, auto' },
      parent: { type: 'string', short: 'p', value: 'DIR', help: 'create it inside DIR (default: current directory)' },
      prefix: { type: 'string', value: 'TEXT', help: 'prepend TEXT to the generated name' },
      words: { type: 'string', value: 'N', help: 'number of words in the name (1-4)' },
      tag: { type: 'string', multiple: true, value: 'TAG', help: 'attach a tag (repeatable)' },
      desc: { type: 'string', value: 'TEXT', help: 'a short description' },
      description: { type: 'string', value: 'TEXT', help: 'same as --desc' },
      json: { type: 'boolean', help: 'print the new directory and the pre-creation sweep as JSON' },
    },
    details: 'Options left out fall back to config.toml, then to the built-in defaults.',
    examples: [
      { run: 'ephemdir new -l 2h --tag build', does: 'a directory removed after 2 hours, tagged build' },
      { run: 'cd "$(ephemdir new --prefix bench- --desc \'cargo bench\')"', does: 'create one and step into it' },
    ],
  },
  {
    name: 'list',
    module: 'commands/list',
    summary: 'tracked directories with status and time left',
    args: '',
    minArgs: 0,
    maxArgs: 0,
    complete: 'none',
    options: { json: JSON_OPT, plain: PLAIN_OPT, tag: TAG_FILTER },
    examples: [
      { run: 'ephemdir list', does: 'every tracked directory: status, time left, where it is' },
      { run: 'ephemdir list --tag build --plain', does: 'only those tagged build, ASCII status tags' },
    ],
    statusLegend: true,
  },
  {
    name: 'tree',
    module: 'commands/list',
    summary: 'tracked directories grouped by parent, with sizes',
    args: '',
    minArgs: 0,
    maxArgs: 0,
    complete: 'none',
    options: { json: JSON_OPT, plain: PLAIN_OPT, tag: TAG_FILTER },
    examples: [{ run: 'ephemdir tree --tag build', does: 'the directories tagged build, by parent, with sizes' }],
  },
  {
    name: 'path',
    module: 'commands/path',
    summary: 'print the path of a tracked directory',
    args: '[NAME]',
    minArgs: 0,
    maxArgs: 1,
    complete: 'names',
    options: { json: JSON_OPT },
    details:
      'Without NAME: the tracked directory you stand in, else the newest one.\n' +
      'NAME is a full path, an exact name or a unique prefix of a name.',
    examples: [
      { run: 'ephemdir path build', does: 'the path of the directory whose name starts with build' },
      { run: 'cd "$(ephemdir path build)"', does: 'step into it (ecd build does the same, from shell-init)' },
    ],
  },
  {
    name: 'last',
    module: 'commands/path',
    summary: 'print the path of the newest tracked directory',
    args: '',
    minArgs: 0,
    maxArgs: 0,
    complete: 'none',
    options: { json: JSON_OPT },
    examples: [{ run: 'cd "$(ephemdir last)"', does: 'step into the newest tracked directory' }],
  },
  {
    name: 'keep',
    module: 'commands/manage',
    summary: 'stop tracking a directory but keep it on disk',
    args: '[NAME]',
    minArgs: 0,
    maxArgs: 1,
    complete: 'names',
    options: { tag: { ...TAG_FILTER, help: 'keep every directory carrying this tag (repeatable; all must match)' } },
    details: TARGET_HELP,
    examples: [
      { run: 'ephemdir keep build', does: 'stop tracking it; the directory stays on disk for good' },
      { run: 'ephemdir keep --tag build', does: 'the same for every directory tagged build' },
    ],
  },
  {
    name: 'extend',
    module: 'commands/manage',
    summary: 'give a directory more time',
    args: '[NAME] [DUR|+DUR]',
    minArgs: 0,
    maxArgs: 2,
    complete: 'names',
    options: { forever: { type: 'boolean', help: 'remove the time limit' } },
    details:
      'DUR is a fresh lifetime counted from now; +DUR adds to the current expiry.\n' +
      '`extend DUR` and `extend --forever` work on the directory you stand in.\n' +
      TARGET_HELP,
    examples: [
      { run: 'ephemdir extend build +1h', does: 'one more hour on top of the current expiry' },
      { run: 'ephemdir extend build 30m', does: 'a fresh lifetime: 30 minutes from now' },
      { run: 'ephemdir extend build --forever', does: 'no time limit' },
    ],
  },
  {
    name: 'rm',
    module: 'commands/manage',
    summary: 'remove a tracked directory now',
    args: '[NAME]',
    minArgs: 0,
    maxArgs: 1,
    complete: 'names',
    options: {
      tag: { ...TAG_FILTER, help: 'remove every directory carrying this tag (repeatable; all must match)' },
      'dry-run': { type: 'boolean', short: 'n', help: 'print what would be removed, remove nothing' },
    },
    details: TARGET_HELP,
    examples: [
      { run: 'ephemdir rm --tag build --dry-run', does: 'what `rm --tag build` would remove' },
      { run: 'ephemdir rm build', does: 'remove the directory whose name starts with build, now' },
    ],
  },
  {
    name: 'sweep',
    module: 'commands/sweep',
    summary: 'remove every directory that is due',
    args: '',
    minArgs: 0,
    maxArgs: 0,
    complete: 'none',
    options: {
      'dry-run': { type: 'boolean', short: 'n', help: 'show what is due, remove nothing' },
      force: { type: 'boolean', help: 'treat every tracked directory as due (safety checks still apply)' },
      tag: TAG_FILTER,
      json: { type: 'boolean', help: 'report removed, deferred and failed directories as JSON' },
      'metrics-file': { type: 'string', value: 'PATH', help: 'write Prometheus metrics to PATH atomically (node_exporter textfile)' },
      'log-summary': { type: 'boolean', help: 'end with one key=value summary line on stderr (for a journal)' },
    },
    details:
      'Exit status 1 when a due directory could not be removed; held back (deferred) is not a failure.\n' +
      'A --metrics-file whose folder is missing or unsafe is refused (exit 2) before anything is swept.',
    examples: [
      { run: 'ephemdir sweep --dry-run', does: 'what is due and what is held back, removing nothing' },
      { run: 'ephemdir sweep', does: 'remove everything due now' },
      { run: 'ephemdir sweep --json', does: 'the same, reported as JSON (removed, deferred, failed, why)' },
    ],
  },
  {
    name: 'rmtree',
    module: 'commands/rmtree',
    summary: 'remove files and directory trees safely (an npm-script `rimraf`)',
    args: 'PATH...',
    minArgs: 1,
    maxArgs: Number.POSITIVE_INFINITY,
    complete: 'files',
    options: {
      'dry-run': { type: 'boolean', short: 'n', help: 'list what would be removed (and count it), remove nothing' },
      glob: { type: 'boolean', short: 'g', help: 'expand PATH as a glob pattern (symlinked directories never followed)' },
      json: { type: 'boolean', help: 'one JSON document: status, entries and failures per path' },
    },
    details:
      'Follows no symlink, crosses no mount. Refuses /, the home directory, the current\n' +
      'directory and any ancestor of them: if one PATH is refused, nothing is removed.\n' +
      'A missing PATH is not an error (-v says so). Without --glob, * ? [ { are literal.\n' +
      'Exit status: 0 done, 1 a path could not be (fully) removed, 2 usage or a refused path.',
    examples: [
      { run: 'ephemdir rmtree dist coverage', does: 'what `rimraf dist coverage` does, safely' },
      { run: "ephemdir rmtree --glob 'packages/*/dist'", does: 'a glob pattern, expanded without following symlinks' },
      { run: 'ephemdir rmtree --dry-run build', does: 'count what would be removed' },
    ],
  },
  {
    name: 'prune',
    module: 'commands/sweep',
    summary: 'forget tracked directories that are missing from disk',
    args: '',
    minArgs: 0,
    maxArgs: 0,
    complete: 'none',
    options: {},
    examples: [{ run: 'ephemdir prune', does: 'forget entries whose directory was deleted by hand' }],
  },
  {
    name: 'recover',
    module: 'commands/sweep',
    summary: 'retry an interrupted deletion (or --forget it)',
    args: 'NAME',
    minArgs: 1,
    maxArgs: 1,
    complete: 'names',
    options: {
      forget: { type: 'boolean', help: 'drop the registry entry only; delete no files' },
      retry: { type: 'boolean', help: 'retry the deletion (the default)' },
    },
    examples: [{ run: 'ephemdir recover build', does: 'finish removing build after a crash interrupted its deletion' }],
  },
  {
    name: 'explain',
    module: 'commands/explain',
    summary: 'why a directory will or will not be removed',
    args: '[NAME]',
    minArgs: 0,
    maxArgs: 1,
    complete: 'names',
    options: { json: JSON_OPT, plain: PLAIN_OPT },
    details: TARGET_HELP,
    examples: [
      { run: 'ephemdir explain build', does: 'why build will or will not be removed' },
      { run: 'ephemdir explain build --json', does: 'the same, as JSON' },
    ],
  },
  {
    name: 'stats',
    module: 'commands/stats',
    summary: 'counts: created, swept, kept, removed, currently tracked',
    args: '',
    minArgs: 0,
    maxArgs: 0,
    complete: 'none',
    options: {
      json: JSON_OPT,
      format: { type: 'string', value: 'FMT', choices: ['text', 'json', 'prometheus'], help: 'text (default), json, prometheus' },
    },
    examples: [
      { run: 'ephemdir stats', does: 'how many were created, swept, kept and removed' },
      { run: 'ephemdir stats --format prometheus', does: 'the registry counts for Prometheus' },
    ],
  },
  {
    name: 'doctor',
    module: 'doctor',
    summary: 'check the platform, addon, folders, permissions and service',
    args: '',
    minArgs: 0,
    maxArgs: 0,
    complete: 'none',
    options: { json: JSON_OPT, plain: PLAIN_OPT },
    examples: [{ run: 'ephemdir doctor', does: 'check this machine; exit 1 names what is wrong' }],
  },
  {
    name: 'watch',
    module: 'commands/sweep',
    summary: 'sweep periodically in the foreground',
    args: '',
    minArgs: 0,
    maxArgs: 0,
    complete: 'none',
    options: {
      interval: { type: 'string', value: 'SECS', help: 'seconds between sweeps, or a duration (default 600)' },
      'metrics-file': { type: 'string', value: 'PATH', help: 'after each sweep, write Prometheus metrics to PATH' },
      'log-summary': { type: 'boolean', help: 'one key=value summary line per sweep on stderr' },
    },
    examples: [{ run: 'ephemdir watch --interval 5m', does: 'sweep every 5 minutes, one line per sweep, until Ctrl-C' }],
  },
  {
    name: 'install-service',
    module: 'service/command',
    summary: 'schedule periodic sweeps (systemd user timer / launchd agent)',
    args: '',
    minArgs: 0,
    maxArgs: 0,
    complete: 'none',
    options: {
      interval: { type: 'string', value: 'SECS', help: 'seconds between sweeps, or a duration (default 600)' },
      'no-enable': { type: 'boolean', help: 'write and verify the unit files only; do not run systemctl/launchctl' },
      'dry-run': { type: 'boolean', short: 'n', help: 'print the unit files, write nothing' },
      'metrics-file': { type: 'string', value: 'PATH', help: 'each scheduled sweep writes Prometheus metrics to PATH' },
    },
    examples: [
      { run: 'ephemdir install-service --dry-run', does: 'print the unit files it would write' },
      { run: 'ephemdir install-service --interval 15m', does: 'sweep every 15 minutes from a systemd user timer / launchd agent' },
    ],
  },
  {
    name: 'uninstall-service',
    module: 'service/command',
    summary: 'remove the scheduled sweep installed by install-service',
    args: '',
    minArgs: 0,
    maxArgs: 0,
    complete: 'none',
    options: {
      'no-disable': { type: 'boolean', help: 'remove the files only; do not run systemctl/launchctl' },
    },
    examples: [{ run: 'ephemdir uninstall-service', does: 'stop the scheduled sweep and remove its files' }],
  },
  {
    name: 'shell-init',
    module: 'shell',
    summary: 'print shell functions enew, ecd and emenu',
    args: '[bash|zsh|fish]',
    minArgs: 0,
    maxArgs: 1,
    complete: 'shells',
    options: {},
    details: 'bash/zsh: eval "$(ephemdir shell-init)"   fish: ephemdir shell-init fish | source',
    examples: [
      { run: `echo 'eval "$(ephemdir shell-init bash)"' >> ~/.bashrc`, does: 'bash (for zsh: zsh and ~/.zshrc): enew, ecd, emenu' },
      { run: 'ephemdir shell-init fish | source', does: 'fish: load enew, ecd, emenu (add the line to ~/.config/fish/config.fish)', shell: 'fish' },
    ],
  },
  {
    name: 'completion',
    module: 'shell',
    summary: 'print a completion script',
    args: '[bash|zsh|fish]',
    minArgs: 0,
    maxArgs: 2,
    complete: 'shells',
    options: {},
    details: 'Without a shell, the one in $SHELL. Open a new shell after installing.',
    examples: COMPLETION_INSTALL,
  },
  {
    name: 'menu',
    module: 'menu',
    summary: 'interactive picker: keep, extend, remove, cd',
    args: '',
    minArgs: 0,
    maxArgs: 0,
    complete: 'none',
    options: {},
    details:
      'Keys: up/down move, k keep, e extend (2h or +1h), r remove (confirm with y), q quit.\n' +
      'Enter prints the chosen path on stdout; emenu (from shell-init) changes into it.',
    examples: [{ run: 'ephemdir menu', does: 'pick a directory: up/down, k keep, e extend, r remove, Enter prints it, q quits' }],
  },
  {
    name: '__complete',
    module: 'shell',
    summary: 'completion helper',
    args: 'KIND [PREFIX]',
    minArgs: 1,
    maxArgs: 2,
    complete: 'none',
    options: {},
    hidden: true,
    examples: [],
  },
];

export function findCommand(name: string): CommandSpec | undefined {
  return COMMANDS.find((c) => c.name === name);
}
