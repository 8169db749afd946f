/** `modelreg models alias set|remove`: named pointers to versions. */
import type { Command } from 'commander';
import { ValidationError } from '../../core/errors.js';
import { DECIMAL } from '../decimal.js';
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
      .option(
        '--weight <share>',
        "share of its line's traffic, greater than 0 and at most 1 (a canary: 0.05)",
        (v) => {
          const n = Number(v);
          if (!DECIMAL.test(v.trim()) || !Number.isFinite(n)) {
            throw new ValidationError(
              `--weight must be a number greater than 0 and at most 1, written as a decimal number (0.05, 1, 5e-2), not ${JSON.stringify(v)}.`,
              { field: 'weight', value: v },
            );
          }
          return n;
        },
      )
      .option('--shadow', 'a shadow: it gets a copy of the traffic, its answers are not used')
      .action(
        withRegistry('write', async (registry, o, cmd) => {
          const r = await registry.setAlias({
            useCase: o.useCase as string,
            modelName: o.model as string,
            version: String(o.version),
            name: o.alias as string,
            ...(o.by ? { setBy: o.by as string } : {}),
            ...(o.weight !== undefined ? { weight: o.weight as number } : {}),
            ...(o.shadow ? { shadow: true } : {}),
          });
          const traffic = (x: { weight?: number; shadow?: true }) =>
            x.shadow ? ' as a shadow' : x.weight !== undefined ? ` with weight ${x.weight}` : '';
          const was = traffic({
            ...(r.previousWeight !== undefined ? { weight: r.previousWeight } : {}),
            ...(r.previousShadow ? { shadow: true as const } : {}),
          });
          const removed =
            was !== '' && traffic(r) === ''
              ? `; ${r.previousShadow ? 'shadow' : 'weight'} removed: @${r.alias} is a plain alias now and gets no traffic (give --weight or --shadow to keep it routed)`
              : '';
          print(cmd, r, () =>
            r.changed
              ? `@${r.alias} → ${r.version}${traffic(r)}${r.previousVersion ? ` (was ${r.previousVersion}${was})` : ''}${removed}`
              : `@${r.alias} already points at ${r.version}${traffic(r)}; nothing changed.`,
          );
        }),
      ),
    [
      'modelreg models alias set --use-case fraud --model Risk --alias champion --version 1.1.0',
      'modelreg models alias set --use-case fraud --model Risk --alias canary --version 1.2.0 --weight 0.05',
      'modelreg models alias set --use-case fraud --model Risk --alias shadow --version 1.3.0 --shadow',
    ],
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
