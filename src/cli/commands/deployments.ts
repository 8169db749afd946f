/** `modelreg deployments record|list|end`: where versions run, derived from the records. */
import type { Command } from 'commander';
import { type CliContext, examples, sel, selectorOptions } from './shared.js';

/** Registers `deployments` and its verbs on the program. */
export function registerDeployments(program: Command, ctx: CliContext): void {
  const { print, withRegistry } = ctx;
  const deployments = program
    .command('deployments')
    .description('record where a version runs (env, fleet, site, customer), list and end deployments');
  examples(
    selectorOptions(
      deployments.command('record').description('record that a version (or variant) runs somewhere'),
    )
      .option('--variant <target>', 'the variant deployed (a target of models variant add)')
      .requiredOption('--env <env>', 'environment (prod, staging …)')
      .requiredOption('--fleet <fleet>', 'fleet it runs on')
      .requiredOption('--site <site>', 'site it runs at')
      .requiredOption('--customer <customer>', 'customer it runs for')
      .option('--by <name>', 'who deployed it (default: the actor)')
      .action(
        withRegistry('write', async (registry, o, cmd) => {
          const d = await registry.recordDeployment({
            ...sel(o),
            ...(o.variant ? { variant: o.variant as string } : {}),
            env: o.env as string,
            fleet: o.fleet as string,
            site: o.site as string,
            customer: o.customer as string,
            ...(o.by ? { by: o.by as string } : {}),
          });
          print(
            cmd,
            d,
            () =>
              `${d.alreadyRunning ? 'Already running (nothing recorded): deployment' : 'Recorded deployment'} ${d.id}: ${d.useCase}/${d.modelName} ${d.version}${d.variant ? ` (${d.variant})` : ''} on ${d.env} fleet ${d.fleet}, site ${d.site}, customer ${d.customer}, by ${d.by}${d.alreadyRunning ? ` since ${d.recordedAt}` : ''}`,
          );
        }),
      ),
    [
      'modelreg deployments record --use-case robotics --model Perception --version 1.0.0 --variant jetson-orin-int8 --env prod --fleet warehouse-a --site lyon --customer acme',
    ],
  );
  examples(
    deployments
      .command('list')
      .description('deployments of a model (or version), or across models of a fleet, site or customer')
      .option('--use-case <name>', 'use case of the model')
      .option('--model <name>', 'model name')
      .option('--version <version>', 'only this version of the model')
      .option('--fleet <fleet>', 'every deployment on this fleet')
      .option('--site <site>', 'every deployment at this site')
      .option('--customer <customer>', 'every deployment for this customer')
      .option('--running', 'only the deployments still running')
      .action(
        withRegistry('read', async (registry, o, cmd) => {
          const { deploymentsTable } = await import('../explain-view.js');
          const items = await registry.listDeployments({
            ...(o.useCase ? { useCase: o.useCase as string } : {}),
            ...(o.model ? { modelName: o.model as string } : {}),
            ...(o.version ? { version: String(o.version) } : {}),
            ...(o.fleet ? { fleet: o.fleet as string } : {}),
            ...(o.site ? { site: o.site as string } : {}),
            ...(o.customer ? { customer: o.customer as string } : {}),
            active: o.running === true,
          });
          print(cmd, { items }, () => (items.length === 0 ? 'No deployments.' : deploymentsTable(items)));
        }),
      ),
    [
      'modelreg deployments list --use-case robotics --model Perception --version 1.0.0',
      'modelreg deployments list --fleet warehouse-a --running',
    ],
  );
  deployments
    .command('end')
    .description('mark a deployment as stopped')
    .requiredOption('--id <id>', 'deployment id (deployments list shows it)')
    .option('--reason <text>', 'why it stopped (kept in the audit trail)')
    .option('--by <name>', 'who ends it')
    .action(
      withRegistry('write', async (registry, o, cmd) => {
        const d = await registry.endDeployment({
          id: o.id as string,
          ...(o.reason ? { reason: o.reason as string } : {}),
          ...(o.by ? { by: o.by as string } : {}),
        });
        print(
          cmd,
          d,
          () => `Ended deployment ${d.id} (${d.useCase}/${d.modelName} ${d.version} on fleet ${d.fleet})`,
        );
      }),
    );
}
