/** `modelreg approvals list|request|approve|reject`: human approval of production promotions. */
import type { Command } from 'commander';
import { type CliContext, choiceOption, examples, modelOptions, useCaseOption } from './shared.js';

/** Registers `approvals` on the program. */
export function registerApprovals(program: Command, ctx: CliContext): void {
  const { print, withRegistry } = ctx;
  const approvals = program.command('approvals').description('human approval of production promotions');
  useCaseOption(
    approvals
      .command('list')
      .description('approval requests (pending by default)')
      .addOption(
        choiceOption('--status <status>', 'which requests', [
          'pending',
          'approved',
          'rejected',
          'expired',
        ]).default('pending'),
      ),
    true,
    'only this use case',
  ).action(
    withRegistry('read', async (registry, o, cmd) => {
      const { shortTime, table } = await import('../format.js');
      const items = await registry.listApprovals({
        status: o.status as 'pending',
        ...(o.useCase ? { useCase: o.useCase as string } : {}),
      });
      print(cmd, { items }, () =>
        items.length === 0
          ? `No ${o.status} approval requests.`
          : table(
              ['Id', 'Model', 'Version', 'Requested by', 'Requested', 'Expires', 'Status'],
              items.map((a) => [
                a.approvalId,
                `${a.useCase}/${a.modelName}`,
                a.version,
                a.requestedBy,
                shortTime(a.requestedAt),
                shortTime(a.expiresAt),
                a.status,
              ]),
            ),
      );
    }),
  );
  examples(
    modelOptions(
      approvals
        .command('request')
        .description('ask for approval of a staging version (the promotion workflow does this itself)'),
    )
      .requiredOption('--version <version>', 'the staging version')
      .option('--by <name>', 'who asks')
      .action(
        withRegistry('write', async (registry, o, cmd) => {
          const { randomUUID } = await import('node:crypto');
          const { shortTime } = await import('../format.js');
          const a = await registry.requestApproval({
            useCase: o.useCase as string,
            modelName: o.model as string,
            version: String(o.version),
            requestedBy: (o.by as string | undefined) ?? process.env.MODELREG_ACTOR ?? 'cli',
            taskToken: `cli-${randomUUID()}`,
          });
          print(
            cmd,
            a,
            () =>
              `Approval ${a.approvalId} requested for ${a.useCase}/${a.modelName} ${a.version}; expires ${shortTime(a.expiresAt)}.`,
          );
        }),
      ),
    ['modelreg approvals request --use-case fraud --model Risk --version 1.1.0 --by ana'],
  );
  for (const decision of ['approve', 'reject'] as const) {
    examples(
      approvals
        .command(decision)
        .description(
          `${decision} a pending request (once; the approver must be allowed by the policy and is not the requester)`,
        )
        .argument('<id>', 'approval id (see approvals list)')
        .requiredOption('--by <name>', 'who decides')
        .option('--reason <text>', 'why (kept in the audit trail)')
        .action(
          withRegistry('write', async (registry, o, cmd) => {
            const { resumeWorkflow } = await import('../../app/resume-workflow.js');
            const a = await registry.decideApproval({
              approvalId: cmd.args[0] as string,
              decision,
              by: o.by as string,
              ...(o.reason ? { reason: o.reason as string } : {}),
            });
            // on AWS, the execution waiting for this decision is resumed now
            const resumed = await resumeWorkflow(a);
            print(
              cmd,
              a,
              () =>
                `Approval ${a.approvalId} ${a.status} by ${a.decidedBy} (${a.useCase}/${a.modelName} ${a.version})${resumed ? '; the waiting workflow was resumed' : ''}.`,
            );
          }),
        ),
      [`modelreg approvals ${decision} APPROVAL_ID --by carol --reason "reviewed the evaluation"`],
    );
  }
}
