// Completion scripts for bash, zsh and fish, generated from the command
// declarations: every command, every flag, fixed choices, directories for --parent,
// and tracked names (through `ephemdir __complete names`) for the commands
// that take one.
import { visibleCommands } from './commands/index';
import { GLOBAL_OPTIONS, type CommandSpec, type OptionSpec } from './spec';

type Shell = 'bash' | 'zsh' | 'fish';

const visible = (): CommandSpec[] => visibleCommands();

function flagsOf(options: Record<string, OptionSpec>): string[] {
  return Object.entries(options).flatMap(([n, o]) => (o.short ? [`--${n}`, `-${o.short}`] : [`--${n}`]));
}

/** Options that take a value, with what to offer for it. */
function valueOptions(): Map<string, { choices?: readonly string[]; dirs?: boolean }> {
  const out = new Map<string, { choices?: readonly string[]; dirs?: boolean }>();
  for (const opts of [GLOBAL_OPTIONS, ...visible().map((c) => c.options)]) {
    for (const [n, o] of Object.entries(opts)) {
      if (o.type !== 'string') continue;
      const spec = o.choices ? { choices: o.choices } : n === 'parent' || n === 'data-dir' ? { dirs: true } : {};
      out.set(`--${n}`, spec);
      if (o.short) out.set(`-${o.short}`, spec);
    }
  }
  return out;
}

/** The global options that take a value (`--color WHEN`), whose value is not the command. */
const GLOBAL_VALUE_FLAGS = (): string =>
  Object.entries(GLOBAL_OPTIONS)
    .filter(([, o]) => o.type === 'string')
    .map(([n]) => `--${n}`)
    .join('|');

const NAME_COMMANDS = (): string[] => visible().filter((c) => c.complete === 'names').map((c) => c.name);
const SHELL_COMMANDS = (): string[] => visible().filter((c) => c.complete === 'shells').map((c) => c.name);
const FILE_COMMANDS = (): string[] => visible().filter((c) => c.complete === 'files').map((c) => c.name);

function singleQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

function bash(): string {
  const values = valueOptions();
  const choiceCases = [...values.entries()]
    .map(([flag, v]) =>
      v.choices
        ? `    ${flag}) COMPREPLY=($(compgen -W ${singleQuote(v.choices.join(' '))} -- "$cur")); return;;`
        : v.dirs
          ? `    ${flag}) COMPREPLY=($(compgen -d -- "$cur")); return;;`
          : `    ${flag}) return;;`,
    )
    .join('\n');
  const optCases = visible()
    .map((c) => `    ${c.name}) opts=${singleQuote(flagsOf(c.options).join(' '))};;`)
    .join('\n');
  return `# ephemdir completion for bash.  Load with:  source <(ephemdir completion bash)
_ephemdir() {
  local cur prev cmd opts i
  cur="\${COMP_WORDS[COMP_CWORD]}"
  prev="\${COMP_WORDS[COMP_CWORD-1]}"
  cmd=""
  for ((i = 1; i < COMP_CWORD; i++)); do
    case "\${COMP_WORDS[i]}" in
      ${GLOBAL_VALUE_FLAGS()}) ((i++));;
      -*) ;;
      *) cmd="\${COMP_WORDS[i]}"; break;;
    esac
  done
  local globals=${singleQuote([...flagsOf(GLOBAL_OPTIONS), '--version'].join(' '))}
  if [ -z "$cmd" ]; then
    if [[ "$cur" == -* ]]; then
      COMPREPLY=($(compgen -W "$globals" -- "$cur"))
    else
      COMPREPLY=($(compgen -W ${singleQuote(visible().map((c) => c.name).join(' '))} -- "$cur"))
    fi
    return
  fi
  case "$prev" in
${choiceCases}
  esac
  if [[ "$cur" == -* ]]; then
    opts=""
    case "$cmd" in
${optCases}
    esac
    COMPREPLY=($(compgen -W "$opts $globals" -- "$cur"))
    return
  fi
  case "$cmd" in
    ${NAME_COMMANDS().join('|')})
      local IFS=$'\\n'
      COMPREPLY=($(command ephemdir __complete names "$cur" 2>/dev/null));;
    ${SHELL_COMMANDS().join('|')})
      COMPREPLY=($(compgen -W 'bash zsh fish' -- "$cur"));;
    ${FILE_COMMANDS().join('|')})
      local IFS=$'\\n'
      COMPREPLY=($(compgen -f -- "$cur"));;
  esac
}
complete -F _ephemdir ephemdir
`;
}

function zshDescribe(text: string): string {
  return text.replace(/[:\\]/g, (c) => `\\${c}`);
}

function zsh(): string {
  const values = valueOptions();
  const commands = visible()
    .map((c) => `    ${singleQuote(`${c.name}:${zshDescribe(c.summary)}`)}`)
    .join('\n');
  const choiceCases = [...values.entries()]
    .map(([flag, v]) =>
      v.choices
        ? `    ${flag}) compadd -- ${v.choices.join(' ')}; return;;`
        : v.dirs
          ? `    ${flag}) _files -/; return;;`
          : `    ${flag}) return;;`,
    )
    .join('\n');
  const optCases = visible()
    .map((c) => `      ${c.name}) opts=(${flagsOf(c.options).join(' ')});;`)
    .join('\n');
  return `#compdef ephemdir
# ephemdir completion for zsh.  Save as _ephemdir in a directory on $fpath,
# or load with:  source <(ephemdir completion zsh)
_ephemdir() {
  local -a commands opts globals names
  commands=(
${commands}
  )
  globals=(${[...flagsOf(GLOBAL_OPTIONS), '--version'].join(' ')})
  local cmd="" i
  for ((i = 2; i < CURRENT; i++)); do
    case "\${words[i]}" in
      ${GLOBAL_VALUE_FLAGS()}) ((i++));;
      -*) ;;
      *) cmd="\${words[i]}"; break;;
    esac
  done
  if [[ -z "$cmd" ]]; then
    if [[ "$PREFIX" == -* ]]; then compadd -- $globals; else _describe -t commands 'ephemdir command' commands; fi
    return
  fi
  case "\${words[CURRENT-1]}" in
${choiceCases}
  esac
  if [[ "$PREFIX" == -* ]]; then
    case "$cmd" in
${optCases}
    esac
    compadd -- $opts $globals
    return
  fi
  case "$cmd" in
    ${NAME_COMMANDS().join('|')})
      names=("\${(@f)$(command ephemdir __complete names "$PREFIX" 2>/dev/null)}")
      compadd -a names;;
    ${SHELL_COMMANDS().join('|')})
      compadd -- bash zsh fish;;
    ${FILE_COMMANDS().join('|')})
      _files;;
  esac
}
if [[ "\${zsh_eval_context[-1]-}" == loadautofunc ]]; then
  _ephemdir "$@"
else
  compdef _ephemdir ephemdir
fi
`;
}

function fishOption(cond: string, name: string, o: OptionSpec): string {
  let line = `complete -c ephemdir -n ${singleQuote(cond)} -l ${name}`;
  if (o.short) line += ` -s ${o.short}`;
  if (o.type === 'string') {
    if (o.choices) line += ` -x -a ${singleQuote(o.choices.join(' '))}`;
    else if (name === 'parent' || name === 'data-dir') line += ` -r -a '(__fish_complete_directories)'`;
    else line += ' -x';
  }
  return `${line} -d ${singleQuote(o.help)}`;
}

function fish(): string {
  const lines = [
    '# ephemdir completion for fish.  Save as ~/.config/fish/completions/ephemdir.fish,',
    '# or load with:  ephemdir completion fish | source',
    'complete -c ephemdir -f',
  ];
  for (const c of visible()) {
    lines.push(`complete -c ephemdir -n '__fish_use_subcommand' -a ${c.name} -d ${singleQuote(c.summary)}`);
  }
  for (const [n, o] of Object.entries(GLOBAL_OPTIONS)) lines.push(fishOption('true', n, o));
  lines.push(`complete -c ephemdir -n '__fish_use_subcommand' -l version -d 'print the version'`);
  for (const c of visible()) {
    for (const [n, o] of Object.entries(c.options)) lines.push(fishOption(`__fish_seen_subcommand_from ${c.name}`, n, o));
  }
  lines.push(
    `complete -c ephemdir -n ${singleQuote(`__fish_seen_subcommand_from ${NAME_COMMANDS().join(' ')}`)} -a '(command ephemdir __complete names (commandline -ct) 2>/dev/null)'`,
  );
  lines.push(
    `complete -c ephemdir -n ${singleQuote(`__fish_seen_subcommand_from ${SHELL_COMMANDS().join(' ')}`)} -a 'bash zsh fish'`,
  );
  lines.push(`complete -c ephemdir -n ${singleQuote(`__fish_seen_subcommand_from ${FILE_COMMANDS().join(' ')}`)} -F`);
  return `${lines.join('\n')}\n`;
}

export function completionScript(shell: Shell): string {
  return shell === 'bash' ? bash() : shell === 'zsh' ? zsh() : fish();
}
