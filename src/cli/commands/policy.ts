/** `modelreg models policy set|show|apply`: a model's gates, approval rule and archival rule. */
import type { Command } from 'commander';
import type { Registry } from '../../app/registry.js';
import type { Policy, PolicyInput } from '../../core/policy.js';
import {
  type CliContext,
  collect,
  examples,
  many,
  modelOptions,
  positiveInt,
  useCaseOption,
} from './shared.js';

/** Registers `models policy` under the `models` command. */
export function registerPolicy(models: Command, ctx: CliContext): void {
  const { print, withRegistry } = ctx;
  const policy = models
    .command('policy')
    .description("a model's promotion gates, approval rule and archival rule");
  examples(
    modelOptions(
      policy.command('set').description('set the policy from a JSON file, or change parts of it with flags'),
    )
      .option('--file <file>', 'JSON policy document (replaces the whole policy)')
      .option(
        '--staging-gate <gate=threshold>',
        'gate for promotion to staging, e.g. min_auc=0.8, forbid_formats=pickle,joblib or require_model_card=intended_use,limitations (repeatable; replaces the staging gates)',
        collect,
      )
      .option(
        '--production-gate <gate=threshold>',
        'gate for promotion to production, e.g. min_auc=0.9, forbid_formats=pickle, require_model_card=intended_use or require_signature (repeatable; replaces the production gates)',
        collect,
      )
      .option('--require-approval', 'production promotion waits for a human approval')
      .option('--no-require-approval', 'production promotion needs no approval')
      .option('--approver <name>', 'who may approve (repeatable; replaces the list)', collect)
      .option(
        '--archive-after-days <n>',
        'archive development/staging versions older than N days',
        positiveInt('archive-after-days'),
      )
      .option(
        '--archive-superseded-after-days <n>',
        'archive superseded (and demoted) ex-production versions N days after they left production',
        positiveInt('archive-superseded-after-days'),
      )
      .option(
        '--monitor <rule>',
        'monitoring rule "auc>=0.8 for 6h then notify|rollback|archive" (repeatable; replaces the rules; "none" clears them)',
        collect,
      )
      .option('--by <name>', 'who changes the policy')
      .action(
        withRegistry('write', async (registry, o, cmd) => {
          const { readJsonObject } = await import('../parse.js');
          const { parseGateArgHinted: parseGateArg } = await import('../gate-args.js');
          const { NotFoundError } = await import('../../core/errors.js');
          const { refLabel } = await import('../../core/model.js');
          const ref = { useCase: o.useCase as string, modelName: o.model as string };
          let current: Policy | undefined;
          try {
            current = await registry.getPolicy(ref);
          } catch (e) {
            if (!(e instanceof NotFoundError)) throw e;
          }
          let next: PolicyInput;
          if (o.file) next = readJsonObject(o.file as string, 'policy') as PolicyInput;
          else {
            const base: PolicyInput = current ?? {};
            const gatesOf = (items: string[]) => Object.fromEntries(items.map(parseGateArg));
            const { cardSectionsOf, isCardGate } = await import('../card-gate-args.js');
            const stagingArgs = many(o.stagingGate);
            const productionArgs = many(o.productionGate);
            const staging = stagingArgs.filter((g) => !isCardGate(g));
            const production = productionArgs.filter((g) => !isCardGate(g));
            const cardStaging = cardSectionsOf(stagingArgs);
            const cardProduction = cardSectionsOf(productionArgs);
            const approvers = many(o.approver);
            next = {
              ...base,
              gates: {
                staging: staging.length ? gatesOf(staging) : (base.gates?.staging ?? {}),
                production: production.length ? gatesOf(production) : (base.gates?.production ?? {}),
              },
              ...(o.requireApproval !== undefined ? { requireApproval: Boolean(o.requireApproval) } : {}),
              ...(approvers.length ? { approvers } : {}),
              requireModelCard: {
                staging: cardStaging ?? base.requireModelCard?.staging ?? [],
                production: cardProduction ?? base.requireModelCard?.production ?? [],
              },
              archival: {
                maxAgeDays: (o.archiveAfterDays as number | undefined) ?? base.archival?.maxAgeDays ?? null,
                supersededAfterDays:
                  (o.archiveSupersededAfterDays as number | undefined) ??
                  base.archival?.supersededAfterDays ??
                  null,
              },
              ...(await monitoringOf(many(o.monitor))),
            };
          }
          if (next.monitoring?.length) await warnUnknownMetrics(registry, ref, next.monitoring, ctx);
          const r = await registry.setPolicy({
            ...ref,
            policy: next,
            ...(o.by ? { setBy: o.by as string } : {}),
          });
          const unchanged = current !== undefined && JSON.stringify(current) === JSON.stringify(r);
          print(cmd, r, () =>
            unchanged
              ? `Policy of ${refLabel(ref)} unchanged (the same policy is already set); nothing written.\n${describePolicy(r)}`
              : `Policy of ${refLabel(ref)} set.\n${describePolicy(r)}`,
          );
        }),
      ),
    [
      'modelreg models policy set --use-case fraud --model Risk --production-gate min_auc=0.9 --require-approval --approver carol',
      'modelreg models policy set --use-case fraud --model Risk --file policy.json',
      'modelreg models policy set --use-case fraud --model Risk --production-gate require_model_card=intended_use,limitations',
    ],
  );
  modelOptions(policy.command('show').description("show a model's policy")).action(
    withRegistry('read', async (registry, o, cmd) => {
      const r = await registry.getPolicy({ useCase: o.useCase as string, modelName: o.model as string });
      print(cmd, r, () => describePolicy(r));
    }),
  );
  useCaseOption(
    policy
      .command('apply')
      .description('apply the archival rule now (to one model, or every model of the use case)'),
  )
    .option('--model <name>', 'only this model')
    .option('--dry-run', 'say what would be archived, change nothing')
    .option('--by <name>', 'who applies it')
    .action(
      withRegistry(
        (o) => (o.dryRun ? 'read' : 'write'),
        async (registry, o, cmd) => {
          const { table } = await import('../format.js');
          const r = await registry.applyArchivalPolicy({
            useCase: o.useCase as string,
            ...(o.model ? { modelName: o.model as string } : {}),
            dryRun: Boolean(o.dryRun),
            ...(o.by ? { appliedBy: o.by as string } : {}),
          });
          print(cmd, { items: r, dryRun: Boolean(o.dryRun) }, () => {
            const rows = r.flatMap((m) =>
              m.archived.map((a) => [m.modelName, a.version, a.fromStage, a.reason]),
            );
            const verb = o.dryRun ? 'Would archive' : 'Archived';
            return rows.length === 0
              ? 'Nothing to archive.'
              : `${verb}:\n${table(['Model', 'Version', 'From', 'Reason'], rows)}`;
          });
        },
      ),
    );
}

function cardRule(p: Policy): string {
  const { staging, production } = p.requireModelCard;
  const parts = [
    ...(staging.length ? [`staging needs ${staging.join(', ')}`] : []),
    ...(production.length ? [`production needs ${production.join(', ')}`] : []),
  ];
  return parts.join('; ') || 'not required';
}

/** The monitoring rules of `--monitor` flags (none given: keep the current ones). */
async function monitoringOf(flags: string[]): Promise<Pick<PolicyInput, 'monitoring'>> {
  if (flags.length === 0) return {};
  if (flags.length === 1 && flags[0] === 'none') return { monitoring: [] };
  const { parseMonitorRule } = await import('../../core/monitoring.js');
  return { monitoring: flags.map(parseMonitorRule) };
}

/**
 * A live metric need not be one the versions were registered with (latency, say), so an
 * unknown name is a warning with a "did you mean", not a refusal.
 */
async function warnUnknownMetrics(
  registry: Registry,
  ref: { useCase: string; modelName: string },
  rules: NonNullable<PolicyInput['monitoring']>,
  ctx: CliContext,
): Promise<void> {
  const { didYouMean } = await import('../suggest.js');
  let known: string[] = [];
  try {
    const latest = await registry.listVersions({ ...ref, limit: 20 });
    known = [...new Set(latest.items.flatMap((v) => Object.keys(v.metrics)))];
  } catch {
    return;
  }
  if (known.length === 0) return;
  for (const r of rules) {
    if (!known.includes(r.metric)) {
      ctx.io.err(
        `warning: monitoring metric ${JSON.stringify(r.metric)} is not a metric of the latest versions (${known.join(', ')}).${didYouMean(r.metric, known)}\n`,
      );
    }
  }
}

function describePolicy(p: Policy): string {
  const gates = (g: Record<string, number | boolean | string[]>) =>
    Object.entries(g)
      .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(',') : v}`)
      .join(', ') || 'none';
  return [
    `  staging gates      ${gates(p.gates.staging)}`,
    `  production gates   ${gates(p.gates.production)}`,
    `  approval           ${p.requireApproval ? `required${p.approvers.length ? ` (approvers: ${p.approvers.join(', ')})` : ''}` : 'not required'}`,
    `  archival           ${p.archival.maxAgeDays ? `development/staging after ${p.archival.maxAgeDays} days` : 'no age limit'}; ${p.archival.supersededAfterDays ? `superseded/demoted ex-production after ${p.archival.supersededAfterDays} days` : 'superseded/demoted ex-production kept'}`,
    `  model card         ${cardRule(p)}`,
    `  monitoring         ${p.monitoring.length ? p.monitoring.map((r) => `${r.metric}${r.min !== undefined ? `>=${r.min}` : `<=${r.max}`} for ${r.sustainedFor} then ${r.action}`).join('; ') : 'none'}`,
  ].join('\n');
}
