// `ephemdir completion [bash|zsh|fish]`: print a completion script, and how to install it.
import { completionScript } from '../completion';
import { UsageError } from '../io';
import { defineCommand, type Example } from '../spec';
import { shellArg, type Shell } from '../shell';

/**
 * How to install completion for good, one shell at a time. They work on a
 * fresh account too: the folders are made first (a new user has no ~/.zfunc
 * or ~/.config/fish), and zsh's folder joins $fpath before compinit reads it.
 * test/cli/completion-install.test.ts runs them as a new user in a terminal.
 */
const COMPLETION_INSTALL: readonly Example[] = [
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

export default defineCommand(
  {
    name: 'completion',
    summary: 'print a completion script',
    args: '[bash|zsh|fish]',
    minArgs: 0,
    maxArgs: 2,
    complete: 'shells',
    options: {},
    details: 'Without a shell, the one in $SHELL. Open a new shell after installing.',
    examples: COMPLETION_INSTALL,
  },
  async (ctx, _opts, args) => {
    // Accept the reference tool's `completion show|install [shell]` form too.
    const rest = args[0] === 'show' || args[0] === 'install' ? args.slice(1) : args;
    if (rest.length > 1) throw new UsageError('too many arguments (see: ephemdir completion --help)');
    const shell = shellArg(rest[0], ctx.env);
    ctx.out(completionScript(shell));
    if (args[0] === 'install') {
      const where: Record<Shell, string> = {
        bash: 'save it as ~/.local/share/bash-completion/completions/ephemdir',
        zsh: 'save it as ~/.zfunc/_ephemdir and put ~/.zfunc on $fpath before compinit (ephemdir completion --help shows the lines)',
        fish: 'save it as ~/.config/fish/completions/ephemdir.fish, making the folder first (ephemdir completion --help)',
      };
      ctx.note(`ephemdir: completion: printed the ${shell} script; ${where[shell]} (nothing was modified)`);
    }
    return 0;
  },
);
