/** `modelreg completion bash|zsh|fish`: print a shell completion script. */
import { type Command, InvalidArgumentError } from 'commander';
import { nearest } from '../suggest.js';
import { examples } from './shared.js';

const SHELL_NAMES = ['bash', 'zsh', 'fish'] as const;

/** Registers `completion` on the program; the script covers every command registered. */
export function registerCompletion(program: Command, out: (text: string) => void): void {
  examples(
    program
      .command('completion')
      .description('print a shell completion script for bash, zsh or fish')
      .argument('<shell>', 'bash, zsh or fish', (value: string) => {
        if ((SHELL_NAMES as readonly string[]).includes(value)) return value;
        const match = nearest(value, SHELL_NAMES);
        throw new InvalidArgumentError(
          `completion is written for bash, zsh or fish.${match ? ` Did you mean ${match}?` : ''}`,
        );
      })
      .action(async (shell: string) => {
        const { completionScript } = await import('../completion.js');
        out(completionScript(program, shell as 'bash'));
      }),
    [
      'eval "$(modelreg completion bash)"        # in ~/.bashrc',
      'eval "$(modelreg completion zsh)"         # in ~/.zshrc',
      'modelreg completion fish > ~/.config/fish/completions/modelreg.fish',
    ],
  );
}
