/** `modelreg notifications …`, `modelreg artifacts sweep`, `modelreg lineage show`: the smaller nouns. */
import type { Command } from 'commander';
import { ValidationError } from '../../core/errors.js';
import {
  type CliContext,
  collect,
  EXIT,
  examples,
  many,
  pageOf,
  pageOptions,
  positiveInt,
} from './shared.js';

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
  const lineage = program
    .command('lineage')
    .description('trace versions back to their runs, datasets, feature sets and parent models, and forward');
  examples(
    lineage
      .command('show')
      .description(
        "the versions a training run produced (--run-id), every version and feature set built from a dataset version (--dataset-version), the versions built on a feature set (--feature-set), or a version's parents and children (--model, --version)",
      )
      .option('--run-id <id>', 'training run id')
      .option('--dataset-version <v>', 'walk from a dataset version')
      .option('--feature-set <name@version>', 'walk from a feature set')
      .option('--use-case <name>', 'use case of --model')
      .option('--model <name>', 'walk from a model version (with --use-case and --version)')
      .option('--version <v>', 'the version of --model')
      .action(
        withRegistry('read', async (registry, o, cmd) => {
          const { shortTime, table } = await import('../format.js');
          const given = ['runId', 'datasetVersion', 'featureSet', 'model'].filter((k) => o[k] !== undefined);
          if (given.length !== 1) {
            throw new ValidationError(
              `name exactly one place to start from: --run-id, --dataset-version, --feature-set or --model (with --use-case and --version)${given.length ? `; got ${given.map((k) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`).join(' and ')}` : ''}.`,
            );
          }
          if (o.runId !== undefined) {
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
            return;
          }
          const { parseFeatureSet } = await import('../parse.js');
          const { describeWalk } = await import('../lineage-walk.js');
          const walk = await registry.lineageWalk(
            o.datasetVersion !== undefined
              ? { datasetVersion: o.datasetVersion as string }
              : o.featureSet !== undefined
                ? { featureSet: parseFeatureSet(o.featureSet as string) }
                : {
                    ...(o.useCase !== undefined ? { useCase: o.useCase as string } : {}),
                    modelName: o.model as string,
                    ...(o.version !== undefined ? { version: o.version as string } : {}),
                  },
          );
          print(cmd, walk, () => describeWalk(walk, table));
        }),
      ),
    [
      'modelreg lineage show --run-id run-42',
      'modelreg lineage show --dataset-version 2024-06-01',
      'modelreg lineage show --feature-set transactions@7',
      'modelreg lineage show --use-case fraud --model Risk --version 1.2.0',
    ],
  );
  lineage
    .command('reindex')
    .description(
      'write the lineage index entries of versions registered before the index existed, so --dataset-version and --feature-set find them',
    )
    .option('--dry-run', 'count what is missing, write nothing')
    .action(
      withRegistry(
        (o) => (o.dryRun ? 'read' : 'write'),
        async (registry, o, cmd) => {
          const r = await registry.reindexLineage({ dryRun: Boolean(o.dryRun) });
          print(
            cmd,
            r,
            () =>
              `${r.dryRun ? 'Would write' : 'Wrote'} ${r.written} lineage index entries for ${r.versions} versions (${r.present} already there).`,
          );
        },
      ),
    );
}
