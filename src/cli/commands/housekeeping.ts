/** `modelreg notifications …`, `modelreg artifacts sweep`, `modelreg lineage show`: the smaller nouns. */
import type { Command } from 'commander';
import { ValidationError } from '../../core/errors.js';
import { type CliContext, collect, EXIT, many, pageOf, pageOptions, positiveInt } from './shared.js';

/** Registers `notifications` on the program. */
export function registerNotifications(program: Command, ctx: CliContext): void {
  const { print, withRegistry, setExit } = ctx;
  const notifications = program
    .command('notifications')
    .description('notifications that could not be delivered');
  pageOptions(
    notifications
      .command('list')
      .description('notifications that failed after their change was committed (kept until re-sent)')
      .option('--undelivered', 'the undelivered notifications (what this command lists)'),
  ).action(
    withRegistry('read', async (registry, o, cmd) => {
      const { shortTime, table } = await import('../format.js');
      const r = await registry.listUndelivered(pageOf(o));
      print(cmd, r, () =>
        r.items.length === 0
          ? 'No undelivered notifications.'
          : table(
              ['Id', 'Event', 'Version', 'Failed at', 'Attempts', 'Error'],
              r.items.map((i) => [
                i.id,
                i.event.type,
                i.event.version ?? '-',
                shortTime(i.failedAt),
                String(i.attempts),
                i.error.slice(0, 60),
              ]),
            ) + (r.nextCursor ? `\n(more: --cursor ${r.nextCursor})` : ''),
      );
    }),
  );
  notifications
    .command('resend')
    .description('send undelivered notifications again; what fails again stays listed')
    .option('--id <id>', 'only this one (repeatable)', collect)
    .option('--all', 'every undelivered notification')
    .action(
      withRegistry('write', async (registry, o, cmd) => {
        const ids = many(o.id);
        if (ids.length === 0 && !o.all)
          throw new ValidationError('name what to resend: --id ID (repeatable) or --all.');
        const r = await registry.resendUndelivered(ids.length > 0 ? { ids } : {});
        print(cmd, r, () =>
          [`Sent ${r.sent.length}.`, ...r.failed.map((f) => `Failed again: ${f.id}: ${f.error}`)].join('\n'),
        );
        if (r.failed.length > 0) setExit(EXIT.incomplete);
      }),
    );
}

/** Registers `artifacts` on the program. */
export function registerArtifacts(program: Command, ctx: CliContext): void {
  const { print, withRegistry, setExit } = ctx;
  program
    .command('artifacts')
    .description('artifact housekeeping')
    .command('sweep')
    .description(
      'remove uploads whose registration never committed, and what crashed registrations left (.staging/, .orphans/)',
    )
    .option('--dry-run', 'say what would be removed, change nothing')
    .option(
      '--older-than-minutes <n>',
      'leave leftovers younger than this alone (a registration may still be copying); default 60',
      positiveInt('--older-than-minutes'),
    )
    .action(
      withRegistry('read', async (registry, o, cmd) => {
        const r = await registry.sweepArtifacts({
          dryRun: Boolean(o.dryRun),
          ...(o.olderThanMinutes ? { olderThanMs: (o.olderThanMinutes as number) * 60_000 } : {}),
        });
        print(cmd, r, () =>
          [
            `${o.dryRun ? 'Would remove' : 'Removed'} ${r.removed.length}${r.removed.length ? `: ${r.removed.join(', ')}` : ''}.`,
            `${o.dryRun ? 'Would free' : 'Freed'} ${r.freedBytes} bytes of ${r.leftovers.length} leftover(s)${r.leftovers.length ? `: ${r.leftovers.map((l) => l.path).join(', ')}` : ''}.`,
            ...(r.kept.length ? [`Kept (registered after all): ${r.kept.join(', ')}`] : []),
            ...r.failed.map((f) => `Failed: ${f.artifact}: ${f.error}`),
          ].join('\n'),
        );
        if (r.failed.length > 0) setExit(EXIT.incomplete);
      }),
    );
}

/** Registers `lineage` on the program. */
export function registerLineage(program: Command, ctx: CliContext): void {
  const { print, withRegistry } = ctx;
  program
    .command('lineage')
    .description('trace versions back to the runs that produced them')
    .command('show')
    .description('the versions a training run produced')
    .requiredOption('--run-id <id>', 'training run id')
    .action(
      withRegistry('read', async (registry, o, cmd) => {
        const { shortTime, table } = await import('../format.js');
        const r = await registry.lineage({ runId: o.runId as string });
        print(cmd, r, () =>
          r.items.length === 0
            ? `No version was registered from run ${r.runId}.`
            : table(
                ['Model', 'Version', 'Stage', 'Dataset', 'Code', 'Registered'],
                r.items.map((v) => [
                  `${v.useCase}/${v.modelName}`,
                  v.version,
                  v.stage,
                  v.lineage.datasetVersion ?? '-',
                  v.lineage.codeVersion ?? '-',
                  shortTime(v.registeredAt),
                ]),
              ),
        );
      }),
    );
}
