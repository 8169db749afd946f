/**
 * `modelreg models card set|show|history`: a version's model card. The user's sections come
 * from a Markdown or YAML file; what the registry knows is filled in when the card is shown.
 */
import type { Command } from 'commander';
import { type CliContext, choiceOption, examples, type Opts, sel, selectorOptions } from './shared.js';

/** Requires a version to be named: a card belongs to one version, never "the latest" by accident. */
async function selected(o: Opts) {
  if (
    o.version === undefined &&
    o.stage === undefined &&
    o.alias === undefined &&
    !String(o.model).includes('@')
  ) {
    const { ValidationError } = await import('../../core/errors.js');
    throw new ValidationError('name the version the card belongs to: --version V (or --stage, --alias).');
  }
  return sel(o);
}

/** Registers `models card` under the `models` command. */
export function registerCards(models: Command, ctx: CliContext): void {
  const { print, withRegistry } = ctx;
  const card = models
    .command('card')
    .description(
      "a version's model card: intended use, limitations, fairness … beside the registry's records",
    );

  examples(
    selectorOptions(
      card
        .command('set')
        .description('set the card from a Markdown (front matter + ## sections) or YAML file'),
    )
      .requiredOption(
        '--file <file>',
        'card.md (Hugging Face style: YAML front matter, ## headings) or card.yaml',
      )
      .option('--by <name>', 'who sets the card')
      .action(
        withRegistry('write', async (registry, o, cmd) => {
          const { readFileSync, statSync } = await import('node:fs');
          const { ValidationError } = await import('../../core/errors.js');
          const { cardFormatOf, filledSections } = await import('../../core/model-card.js');
          const file = o.file as string;
          const format = cardFormatOf(file);
          let text: string;
          try {
            if (statSync(file).size > 512 * 1024)
              throw new ValidationError(`${file} is over 512 KiB; a card is text.`);
            text = readFileSync(file, 'utf8');
          } catch (e) {
            if (e instanceof ValidationError) throw e;
            throw new ValidationError(
              `cannot read card file ${file}: ${(e as NodeJS.ErrnoException).code ?? e}.`,
            );
          }
          const r = await registry.setCard({
            ...(await selected(o)),
            text,
            format,
            ...(o.by ? { setBy: o.by as string } : {}),
          });
          print(cmd, r, () =>
            [
              r.changed
                ? `Card version ${r.card.cardVersion} of ${r.card.useCase}/${r.card.modelName} ${r.card.version} set.`
                : `Card of ${r.card.useCase}/${r.card.modelName} ${r.card.version} unchanged (card version ${r.card.cardVersion} has the same content); nothing written.`,
              `  sections  ${filledSections(r.card.content).join(', ') || '-'}`,
              ...(r.ignored.length
                ? [`  ignored   ${r.ignored.join(', ')}: the registry fills these in from its records`]
                : []),
            ].join('\n'),
          );
        }),
      ),
    [
      'modelreg models card set --use-case fraud --model Risk --version 1.0.0 --file card.md',
      'modelreg models card set --use-case fraud --model Risk --version 1.0.0 --file card.yaml --by ana',
    ],
  );

  examples(
    selectorOptions(
      card
        .command('show')
        .description(
          'the card, with metrics, lineage, evidence, approvals and stage history from the registry',
        ),
    )
      .addOption(choiceOption('--format <format>', 'markdown (default) or html', ['markdown', 'html']))
      .action(
        withRegistry('read', async (registry, o, cmd) => {
          const r = await registry.showCard(await selected(o));
          if (o.format === 'html') {
            const { cardHtml } = await import('../../http/pages/card-html.js');
            const html = String(await cardHtml(r));
            print(cmd, { ...r, html }, () => html);
            return;
          }
          const { cardMarkdown } = await import('../../core/model-card.js');
          const markdown = cardMarkdown(r);
          print(cmd, { ...r, markdown }, () => markdown.trimEnd());
        }),
      ),
    [
      'modelreg models card show --use-case fraud --model Risk --version 1.0.0',
      'modelreg models card show --use-case fraud --model Risk --stage production --format html',
    ],
  );

  selectorOptions(
    card.command('history').description('every card version of a version, oldest first'),
  ).action(
    withRegistry('read', async (registry, o, cmd) => {
      const { table, shortTime } = await import('../format.js');
      const { filledSections } = await import('../../core/model-card.js');
      const items = await registry.cardHistory(await selected(o));
      print(cmd, { items }, () =>
        items.length === 0
          ? 'No card set for this version (modelreg models card set --file card.md).'
          : table(
              ['Card', 'Set', 'By', 'Sections', 'Ignored'],
              items.map((c) => [
                String(c.cardVersion),
                shortTime(c.setAt),
                c.setBy,
                filledSections(c.content).join(', '),
                c.ignored.join(', ') || '-',
              ]),
            ),
      );
    }),
  );
}
