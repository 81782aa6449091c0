// `ephemdir shell-init [bash|zsh|fish]`: print the shell functions enew, ecd and emenu.
import { defineCommand } from '../spec';
import { shellArg, shellInit } from '../shell';

export default defineCommand(
  {
    name: 'shell-init',
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
  async (ctx, _opts, args) => {
    ctx.out(shellInit(shellArg(args[0], ctx.env)));
    return 0;
  },
);
