/** `modelreg audit show|verify|checkpoint`: the tamper-evident history of a model, a use case's keys or the webhooks. */
import type { Command } from 'commander';
import type { AuditRefInput } from '../../app/inputs.js';
import { ValidationError } from '../../core/errors.js';
import { type CliContext, EXIT, examples, pageOf, pageOptions, storeDir } from './shared.js';

/** Whose trail: `--use-case U --model M`, `--use-case U --keys`, or `--webhooks`. */
function trailOptions(cmd: Command): Command {
  return cmd
    .option('--use-case <name>', 'use case the model (or, with --keys, the keys) belongs to')
    .option('--model <name>', 'model name')
    .option('--keys', "the use case's trusted keys: every keys trust and keys revoke")
    .option('--webhooks', 'the webhook subscriptions: every webhooks create and webhooks delete');
}

/** The trail the options name, or a usage error that says how to name one. */
function trailOf(o: Record<string, unknown>): { trail: AuditRefInput; label: string } {
  const chosen = [o.model !== undefined, o.keys === true, o.webhooks === true].filter(Boolean).length;
  if (chosen !== 1) {
    throw new ValidationError(
      'name one audit trail: --use-case U --model M (a model), --use-case U --keys (its trusted keys) or --webhooks (the webhook subscriptions).',
      { field: 'model' },
    );
  }
  if (o.webhooks === true) {
    if (o.useCase !== undefined) {
      throw new ValidationError("--webhooks is the whole registry's trail: leave out --use-case.", {
        field: 'useCase',
      });
    }
    return { trail: { trail: 'webhooks' }, label: 'the webhooks' };
  }
  if (o.useCase === undefined) {
    throw new ValidationError('use case is required (--use-case).', { field: 'useCase' });
  }
  const useCase = o.useCase as string;
  return o.keys === true
    ? { trail: { trail: 'keys', useCase }, label: `the keys of ${useCase}` }
    : { trail: { useCase, modelName: o.model as string }, label: `${useCase}/${o.model as string}` };
}

/** Registers `audit` on the program. */
export function registerAudit(program: Command, ctx: CliContext): void {
  const { print, withRegistry, setExit } = ctx;
  const audit = program
    .command('audit')
    .description("the tamper-evident history of a model, a use case's keys or the webhooks");
  examples(
    pageOptions(
      trailOptions(
        audit
          .command('show')
          .description(
            'every change with who, what, when, why and the gates checked; oldest first (newest first with --reverse)',
          ),
      ).option('--reverse', 'newest first (of the page read; pages still go oldest to newest)'),
    ).action(
      withRegistry('read', async (registry, o, cmd) => {
        const { auditTable } = await import('../format.js');
        const { trail } = trailOf(o);
        const r = await registry.auditTrail({ ...trail, ...pageOf(o) });
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
      'modelreg audit show --use-case fraud --keys',
      'modelreg audit show --webhooks',
    ],
  );
  // the store directory holds no key: a checkpoint's key lives outside it (./audit-key.ts)
  const storeOf = (cmd: Command) =>
    (ctx.globals(cmd).backend ?? process.env.MODELREG_BACKEND ?? 'local') === 'aws'
      ? null
      : storeDir(ctx.globals(cmd));
  const keyHelp =
    'Ed25519 key file that signs checkpoints (env MODELREG_AUDIT_KEY, default ~/.config/modelreg/audit-ed25519.pem)';
  trailOptions(
    audit
      .command('verify')
      .description('recompute the hash chain; exit 6 and name the first bad event if it was altered'),
  )
    .option(
      '--against <file>',
      'a signed checkpoint (audit checkpoint): catches a rewrite of the chain up to it',
    )
    .option('--full', 'with --against, walk every event instead of only those from the checkpoint on')
    .option('--key <file>', keyHelp)
    .action(
      withRegistry('read', async (registry, o, cmd) => {
        const { trail, label } = trailOf(o);
        const { openAuditKey } = await import('../audit-key.js');
        const { readJsonObject } = await import('../parse.js');
        const against = o.against ? readJsonObject(o.against as string, 'checkpoint') : undefined;
        const signer = against
          ? await openAuditKey(o.key as string | undefined, storeOf(cmd), false)
          : undefined;
        const r = await registry.verifyAudit(trail, {
          against,
          full: o.full === true,
          ...(signer ? { signer } : {}),
        });
        const anchor = r.checkpoint
          ? ` against the checkpoint at seq ${r.checkpoint.seq} (from seq ${r.from})`
          : '';
        print(cmd, r, () =>
          r.valid
            ? `Audit trail of ${label} verified${anchor}: ${r.checked} event${r.checked === 1 ? '' : 's'}, chain intact.`
            : `Audit trail of ${label} is NOT intact${anchor}: first bad event is seq ${r.firstBadSeq} (${r.reason}).`,
        );
        if (!r.valid) setExit(EXIT.integrity);
      }),
    );
  trailOptions(
    audit
      .command('checkpoint')
      .description('verify the chain and write its tip, signed with a key the store does not hold'),
  )
    .requiredOption('--out <file>', 'checkpoint file; an existing one is the starting point and is replaced')
    .option('--full', 'verify every event, not only those after the existing checkpoint')
    .option('--key <file>', `${keyHelp}; made if missing`)
    .action(
      withRegistry('read', async (registry, o, cmd) => {
        const { trail, label } = trailOf(o);
        const { existsSync } = await import('node:fs');
        const { openAuditKey, writeCheckpointFile } = await import('../audit-key.js');
        const { readJsonObject } = await import('../parse.js');
        const out = o.out as string;
        const previous = existsSync(out) ? readJsonObject(out, 'checkpoint') : undefined;
        const signer = await openAuditKey(o.key as string | undefined, storeOf(cmd), true);
        const r = await registry.checkpointAudit(trail, signer, { previous, full: o.full === true });
        await writeCheckpointFile(out, r.checkpoint);
        print(
          cmd,
          r.checkpoint,
          () =>
            `Checkpoint of ${label} at seq ${r.checkpoint.seq} written to ${out} (verified ${r.verification.checked} events from seq ${r.verification.from ?? 1}; key ${r.checkpoint.keyId}).`,
        );
      }),
    );
}
