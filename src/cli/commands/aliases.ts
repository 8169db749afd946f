/** `modelreg models alias set|remove`: named pointers to versions. */
import type { Command } from 'commander';
import { type CliContext, examples, modelOptions } from './shared.js';

/** Registers `models alias` under the `models` command. */
export function registerAliases(models: Command, ctx: CliContext): void {
  const { print, withRegistry } = ctx;
  const alias = models
    .command('alias')
    .description('named pointers to versions (champion, challenger, shadow …)');
  examples(
    modelOptions(
      alias.command('set').description('point an alias at a version (moves it if it points elsewhere)'),
    )
      .requiredOption('--alias <alias>', 'alias name')
      .requiredOption('--version <version>', 'version it points at')
      .option('--by <name>', 'who sets it')
      .action(
        withRegistry('write', async (registry, o, cmd) => {
          const r = await registry.setAlias({
            useCase: o.useCase as string,
            modelName: o.model as string,
            version: String(o.version),
            name: o.alias as string,
            ...(o.by ? { setBy: o.by as string } : {}),
          });
          print(cmd, r, () =>
            r.changed
              ? `@${r.alias} → ${r.version}${r.previousVersion ? ` (was ${r.previousVersion})` : ''}`
              : `@${r.alias} already points at ${r.version}; nothing changed.`,
          );
        }),
      ),
    ['modelreg models alias set --use-case fraud --model Risk --alias champion --version 1.1.0'],
  );
  modelOptions(alias.command('remove').description('remove an alias'))
    .requiredOption('--alias <alias>', 'alias name')
    .option('--by <name>', 'who removes it')
    .action(
      withRegistry('write', async (registry, o, cmd) => {
        const r = await registry.removeAlias({
          useCase: o.useCase as string,
          modelName: o.model as string,
          name: o.alias as string,
          ...(o.by ? { removedBy: o.by as string } : {}),
        });
        print(cmd, r, () => `Removed @${r.alias} (was ${r.previousVersion})`);
      }),
    );
}
