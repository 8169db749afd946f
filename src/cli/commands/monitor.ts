/** `modelreg monitor report|status`: live metrics of deployed versions, judged by the policy's monitoring rules. */
import type { Command } from 'commander';
import { ValidationError } from '../../core/errors.js';
import { type CliContext, collect, examples, many, modelOptions } from './shared.js';

/**
 * Repeated `--metric auc=0.81` → a map without a prototype (so `__proto__` reaches the use
 * case, which refuses it by name), each value a plain decimal number as `models register
 * --metrics` reads it (no hex, `Infinity` …), each metric once.
 */
function metricArgs(
  items: readonly string[],
  parseDecimal: (raw: string) => number | null,
): Record<string, number> {
  const out: Record<string, number> = Object.create(null);
  for (const text of items) {
    const m = /^([^=\s]+)=(.+)$/.exec(text);
    const value = m ? parseDecimal(m[2]!.trim()) : null;
    if (!m || value === null) {
      throw new ValidationError(
        `--metric ${JSON.stringify(text)} is not name=number with a decimal number (e.g. --metric auc=0.81 or 1e-3).`,
        { field: 'metric', value: text },
      );
    }
    if (Object.hasOwn(out, m[1]!)) {
      throw new ValidationError(`--metric ${m[1]} is given twice; give each metric once per report.`, {
        field: 'metric',
        value: m[1],
      });
    }
    out[m[1]!] = value;
  }
  return out;
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
      .option(
        '--at <time>',
        'end of the measured window, ISO 8601 with Z or an offset, e.g. 2026-05-01T12:00:00Z (default: now)',
      )
      .option('--window <duration>', 'length of the window ending at --at: 30m, 1h, 1d (default 1h)')
      .option('--by <name>', 'who reports')
      .action(
        withRegistry('write', async (registry, o, cmd) => {
          const { parseDecimal } = await import('../decimal.js');
          const metrics = metricArgs(many(o.metric), parseDecimal);
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
              ...r.conflicts.map(
                (c) =>
                  `  warning: ${c.metric} was already recorded for this --at and --window as ${c.kept}; the first value is kept, ${c.sent} was not recorded.`,
              ),
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
