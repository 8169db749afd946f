/** `modelreg events record|list`: what happened to a version after it was deployed. */
import type { Command } from 'commander';
import { type CliContext, choiceOption, examples, modelOptions } from './shared.js';

const KINDS = ['regression', 'incident', 'maintenance', 'note'] as const;

/** Registers `events`: audited regressions, incidents, maintenance and notes on versions. */
export function registerEvents(program: Command, ctx: CliContext): void {
  const { print, withRegistry } = ctx;
  const events = program
    .command('events')
    .description('what happened to a version after deployment: regressions, incidents, maintenance, notes');
  examples(
    modelOptions(events.command('record').description('record an event on a version (audited)'))
      .requiredOption('--version <version>', 'the version it happened to (1.3.0 or @alias)')
      .addOption(
        choiceOption(
          '--kind <kind>',
          'regression, incident, maintenance or note',
          KINDS,
        ).makeOptionMandatory(),
      )
      .requiredOption('--details <text>', 'what happened, in a sentence or two')
      .option('--by <name>', 'who records it')
      .action(
        withRegistry('write', async (registry, o, cmd) => {
          const e = await registry.recordEvent({
            useCase: o.useCase as string,
            modelName: o.model as string,
            version: String(o.version),
            kind: o.kind as (typeof KINDS)[number],
            details: o.details as string,
            ...(o.by ? { recordedBy: o.by as string } : {}),
          });
          print(
            cmd,
            e,
            () => `Recorded ${e.kind} on ${e.useCase}/${e.modelName} ${e.version} (event ${e.id}).`,
          );
        }),
      ),
    [
      'modelreg events record --use-case fraud --model Risk --version 1.2.0 --kind incident --details "scores were late for 20 minutes" --by carol',
    ],
  );
  modelOptions(events.command('list').description("a model's events, oldest first"))
    .option('--version <version>', 'only the events of this version')
    .action(
      withRegistry('read', async (registry, o, cmd) => {
        const { table } = await import('../format.js');
        const items = await registry.listEvents({
          useCase: o.useCase as string,
          modelName: o.model as string,
          ...(o.version !== undefined ? { version: String(o.version) } : {}),
        });
        print(cmd, { items }, () =>
          items.length === 0
            ? 'No events.'
            : table(
                ['At', 'Version', 'Kind', 'Source', 'By', 'Details'],
                items.map((e) => [e.at, e.version, e.kind, e.source, e.actor, e.details]),
              ),
        );
      }),
    );
}
