// The shell functions `shell-init` prints, which shell a user means, and the
// tracked names the completion scripts offer (through `__complete`).
import { UsageError } from './io';

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

export function detectShell(env: NodeJS.ProcessEnv): Shell {
  const base = (env.SHELL ?? '').split('/').pop() ?? '';
  return (SHELLS as readonly string[]).includes(base) ? (base as Shell) : 'bash';
}

export function shellArg(arg: string | undefined, env: NodeJS.ProcessEnv): Shell {
  if (arg === undefined) return detectShell(env);
  if ((SHELLS as readonly string[]).includes(arg)) return arg as Shell;
  throw new UsageError(`unsupported shell '${arg}': use bash, zsh or fish`);
}

const POSIX_INIT = `# ephemdir shell integration for bash and zsh.
# Add to ~/.bashrc or ~/.zshrc:  eval "$(ephemdir shell-init)"
#   enew [new options]  create a tracked directory and cd into it
#   ecd [NAME]          cd into a tracked directory (name or prefix; none: the newest)
#   emenu               pick a tracked directory interactively; Enter cds into it
enew() {
  local __ephemdir_target
  __ephemdir_target="$(command ephemdir new "$@")" || return
  [ -n "$__ephemdir_target" ] || return 1
  builtin cd -- "$__ephemdir_target"
}
ecd() {
  local __ephemdir_target
  if [ "$#" -eq 0 ]; then
    __ephemdir_target="$(command ephemdir last)" || return
  else
    __ephemdir_target="$(command ephemdir path "$@")" || return
  fi
  [ -n "$__ephemdir_target" ] || return 1
  builtin cd -- "$__ephemdir_target"
}
emenu() {
  local __ephemdir_target
  __ephemdir_target="$(command ephemdir menu "$@")" || return
  [ -n "$__ephemdir_target" ] || return 0
  builtin cd -- "$__ephemdir_target"
}
if [ -n "\${BASH_VERSION-}" ]; then
  __ephemdir_complete_ecd() {
    local IFS=$'\\n'
    COMPREPLY=($(command ephemdir __complete names "\${COMP_WORDS[COMP_CWORD]}" 2>/dev/null))
  }
  complete -F __ephemdir_complete_ecd ecd
elif [ -n "\${ZSH_VERSION-}" ]; then
  __ephemdir_complete_ecd() {
    local -a __ephemdir_names
    __ephemdir_names=("\${(@f)$(command ephemdir __complete names "$PREFIX" 2>/dev/null)}")
    compadd -a __ephemdir_names
  }
  if (( $+functions[compdef] )); then compdef __ephemdir_complete_ecd ecd; fi
fi
`;

const FISH_INIT = `# ephemdir shell integration for fish.
# Add to ~/.config/fish/config.fish:  ephemdir shell-init fish | source
function enew --description 'Create a tracked temporary directory and cd into it'
    set -l target (command ephemdir new $argv); or return
    test -n "$target"; or return 1
    builtin cd -- $target
end
function ecd --description 'cd into a tracked temporary directory (name or prefix; none: the newest)'
    set -l target
    if test (count $argv) -eq 0
        set target (command ephemdir last); or return
    else
        set target (command ephemdir path $argv); or return
    end
    test -n "$target"; or return 1
    builtin cd -- $target
end
function emenu --description 'Pick a tracked temporary directory; Enter cds into it'
    set -l target (command ephemdir menu $argv); or return
    test -n "$target"; or return 0
    builtin cd -- $target
end
complete -c ecd -f -a '(command ephemdir __complete names (commandline -ct) 2>/dev/null)'
`;

export function shellInit(shell: Shell): string {
  return shell === 'fish' ? FISH_INIT : POSIX_INIT;
}

/** Names to offer: active tracked directories whose name starts with `prefix`, printable ones only. */
export async function completeNames(prefix: string): Promise<string> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy: the API loads only when names are completed
  const mod = require('../api') as { registered?: () => Promise<Array<{ name: string; state: string; createdAt: number }>> };
  let entries: Array<{ name: string; state: string; createdAt: number }>;
  try {
    entries = mod.registered ? await mod.registered() : [];
  } catch {
    return '';
  }
  const names = entries
    .filter((e) => e.state === 'active' && e.name.startsWith(prefix) && /^[\x21-\x7e]+$/.test(e.name))
    .sort((a, b) => b.createdAt - a.createdAt)
    .map((e) => e.name);
  return names.length ? `${[...new Set(names)].join('\n')}\n` : '';
}
