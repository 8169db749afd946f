/** `modelreg audit show|verify`: the tamper-evident history of a model. */
import type { Command } from 'commander';
import { type CliContext, EXIT, examples, modelOptions, pageOf, pageOptions } from './shared.js';

/** Registers `audit` on the program. */
export function registerAudit(program: Command, ctx: CliContext): void {
  const { print, withRegistry, setExit } = ctx;
  const audit = program.command('audit').description('the tamper-evident history of a model');
  examples(
    pageOptions(
      modelOptions(
        audit
          .command('show')
          .description(
            'every change with who, what, when, why and the gates checked; oldest first (newest first with --reverse)',
          ),
      ).option('--reverse', 'newest first (of the page read; pages still go oldest to newest)'),
    ).action(
      withRegistry('read', async (registry, o, cmd) => {
        const { auditTable } = await import('../format.js');
        const r = await registry.auditTrail({
          useCase: o.useCase as string,
          modelName: o.model as string,
          ...pageOf(o),
        });
        const page = o.reverse ? { ...r, items: [...r.items].reverse() } : r;
        print(
          cmd,
          page,
          () => auditTable(page.items) + (r.nextCursor ? `\n(more: --cursor ${r.nextCursor})` : ''),
        );
      }),
    ),
    [
      'modelreg audit show --use-case fraud --model Risk',
      'modelreg audit show --use-case fraud --model Risk --reverse --limit 10',
    ],
  );
  modelOptions(
    audit
      .command('verify')
      .description('recompute the hash chain; exit 6 and name the first bad event if it was altered'),
  ).action(
    withRegistry('read', async (registry, o, cmd) => {
      const r = await registry.verifyAudit({ useCase: o.useCase as string, modelName: o.model as string });
      print(cmd, r, () =>
        r.valid
          ? `Audit trail of ${o.useCase}/${o.model} verified: ${r.checked} events, chain intact.`
          : `Audit trail of ${o.useCase}/${o.model} is NOT intact: first bad event is seq ${r.firstBadSeq} (${r.reason}).`,
      );
      if (!r.valid) setExit(EXIT.integrity);
    }),
  );
}
