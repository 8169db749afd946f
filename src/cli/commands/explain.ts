/** `modelreg models explain`: the six provenance answers of a version in one view. */
import type { Command } from 'commander';
import { type CliContext, examples, sel, selectorOptions } from './shared.js';

/** Registers `models explain` under the `models` command. */
export function registerExplain(models: Command, ctx: CliContext): void {
  const { print, withRegistry } = ctx;
  examples(
    selectorOptions(
      models
        .command('explain')
        .description(
          'where a version came from and where it went: data, promotion, evaluation, variants, deployments, events',
        ),
    ).action(
      withRegistry('read', async (registry, o, cmd) => {
        const { explainView } = await import('../explain-view.js');
        const e = await registry.explain(sel(o));
        print(cmd, e, () => explainView(e));
      }),
    ),
    [
      'modelreg models explain --use-case robotics --model Perception --stage production',
      'modelreg models explain --use-case robotics --model Perception --version 1.0.0 --json',
    ],
  );
}
