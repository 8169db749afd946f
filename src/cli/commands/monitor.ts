/** `modelreg monitor report|status`: live metrics of deployed versions, judged by the policy's monitoring rules. */
import type { Command } from 'commander';
import { ValidationError } from '../../core/errors.js';
import { type CliContext, collect, examples, many, modelOptions } from './shared.js';

/** `auc=0.81` → ['auc', 0.81], refused with the form when it is not one. */
function metricArg(text: string): [string, number] {
  const m = /^([^=\s]+)=(.+)$/.exec(text);
  const value = m ? Number(m[2]) : Number.NaN;
  if (!m || !Number.isFinite(value)) {
    throw new ValidationError(
      `--metric ${JSON.stringify(text)} is not name=number (e.g. --metric auc=0.81).`,
      {
        field: 'metric',
        value: text,
      },
    );
  }
  return [m[1]!, value];
}

/** Registers `monitor`: ingest live metrics and show where the monitoring rules stand. */
export function registerMonitor(program: Command, ctx: CliContext): void {
  const { print, withRegistry } = ctx;
  const monitor = program
    .command('monitor')
    .description("live metrics of deployed versions, judged by the policy's monitoring rules");
  examples(
    modelOptions(
      monitor
        .command('report')
        .description('report live metrics of a version; a sustained breach of a rule acts once'),
    )
      .requiredOption('--version <version>', 'the version measured (1.3.0 or @alias)')
      .option('--metric <name=value>', 'a measured value (repeatable)', collect)
      .option('--at <time>', 'end of the measured window, ISO 8601 (default: now)')
      .option('--window <duration>', 'length of the window ending at --at: 30m, 1h, 1d (default 1h)')
      .option('--by <name>', 'who reports')
      .action(
        withRegistry('write', async (registry, o, cmd) => {
          const metrics = Object.fromEntries(many(o.metric).map(metricArg));
          const r = await registry.reportMetrics({
            useCase: o.useCase as string,
            modelName: o.model as string,
            version: String(o.version),
            metrics,
            ...(o.at ? { at: o.at as string } : {}),
            ...(o.window ? { window: o.window as string } : {}),
            ...(o.by ? { reportedBy: o.by as string } : {}),
          });
          print(cmd, r, () =>
            [
              `Recorded ${r.recorded} observation(s) of ${r.useCase}/${r.modelName} ${r.version}${r.duplicates ? ` (${r.duplicates} already recorded)` : ''}.`,
              ...r.rules.map((x) => {
                const acted =
                  x.outcome === 'acted'
                    ? ` → regression recorded${x.actedOn?.rolledBackTo ? `, rolled back to ${x.actedOn.rolledBackTo}` : ''}${x.actedOn?.archived ? `, archived ${x.actedOn.archived}` : ''}${x.actedOn?.skipped ? ` (${x.actedOn.skipped})` : ''}`
                    : x.outcome === 'already-acted'
                      ? ' (already acted on this breach)'
                      : x.outcome === 'not-production'
                        ? ' (not the production version: nothing done)'
                        : '';
                return `  ${x.rule}: ${x.state}${acted}. ${x.reason}`;
              }),
            ].join('\n'),
          );
        }),
      ),
    [
      'modelreg monitor report --use-case fraud --model Risk --version 1.2.0 --metric auc=0.81 --at 2026-05-01T12:00:00Z --window 1h',
    ],
  );
  modelOptions(
    monitor.command('status').description('latest observations per metric and the state of each rule'),
  )
    .requiredOption('--version <version>', 'the version (1.3.0 or @alias)')
    .action(
      withRegistry('read', async (registry, o, cmd) => {
        const { table } = await import('../format.js');
        const s = await registry.monitorStatus({
          useCase: o.useCase as string,
          modelName: o.model as string,
          version: String(o.version),
        });
        print(cmd, s, () =>
          [
            `${s.useCase}/${s.modelName} ${s.version} (${s.stage})`,
            s.latest.length === 0
              ? 'No observations.'
              : table(
                  ['Metric', 'Latest', 'At', 'Window (s)'],
                  s.latest.map((l) => [l.metric, String(l.value), l.at, String(l.windowSeconds)]),
                ),
            s.rules.length === 0
              ? 'No monitoring rules (models policy set --monitor "auc>=0.8 for 6h then rollback").'
              : table(
                  ['Rule', 'State', 'Acted', 'Why'],
                  s.rules.map((r) => [r.rule, r.state, r.actedAt ?? '', r.reason]),
                ),
          ].join('\n'),
        );
      }),
    );
}
