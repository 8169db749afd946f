/** `modelreg usecases list`: the registry's use cases and how many models each holds. */
import type { Command } from 'commander';
import { type CliContext, examples, pageOf, pageOptions } from './shared.js';

/** Registers `usecases` on the program. */
export function registerUseCases(program: Command, ctx: CliContext): void {
  const { print, withRegistry } = ctx;
  const usecases = program.command('usecases').description('the use cases of the registry');
  examples(
    pageOptions(
      usecases.command('list').description('use cases by name, with the number of models each'),
    ).action(
      withRegistry('read', async (registry, o, cmd) => {
        const { table } = await import('../format.js');
        const res = await registry.listUseCases(pageOf(o));
        print(cmd, res, () =>
          res.items.length === 0
            ? 'No use cases yet: register a model (modelreg models register).'
            : table(
                ['Use case', 'Models'],
                res.items.map((u) => [u.useCase, String(u.models)]),
              ) + (res.nextCursor ? `\n(more: --cursor ${res.nextCursor})` : ''),
        );
      }),
    ),
    ['modelreg usecases list', 'modelreg usecases list --json'],
  );
}
