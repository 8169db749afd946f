/**
 * `modelreg webhooks …`: subscribe URLs to registry events, inspect and re-send their
 * deliveries, and run the worker that sends them (`modelreg serve` runs it too).
 */
import { type Command, Option } from 'commander';
import { type CliContext, examples, STAGE_NAMES } from './shared.js';

/** Registers `webhooks` and its verbs on the program. */
export function registerWebhooks(program: Command, ctx: CliContext): void {
  const { print, withRegistry } = ctx;
  const hooks = program
    .command('webhooks')
    .description('call URLs on registry events (signed, retried, from an outbox written with each change)');
  examples(
    hooks
      .command('create')
      .description('subscribe a URL to events; its signing secret is printed once')
      .requiredOption('--url <url>', 'http(s) URL to POST each event to')
      .requiredOption(
        '--events <list>',
        'event types, comma-separated: model.promote,model.rollback,model.register … or * for all',
      )
      .option('--use-case <name>', 'only events of this use case')
      .option('--model <name>', 'only events of this model (needs --use-case)')
      .addOption(
        new Option('--stage <stage>', 'only events that move a version into this stage').choices([
          ...STAGE_NAMES,
        ]),
      )
      .option('--allow-private', 'allow a loopback, link-local or private destination (off: SSRF protection)')
      .option('--by <name>', 'who subscribes, for the audit trail (default: MODELREG_ACTOR or the OS user)')
      .action(
        withRegistry('write', async (registry, o, cmd) => {
          const created = await registry.webhooks().create({
            url: o.url as string,
            events: String(o.events)
              .split(',')
              .map((e) => e.trim())
              .filter(Boolean),
            useCase: (o.useCase as string | undefined) ?? null,
            modelName: (o.model as string | undefined) ?? null,
            stage: (o.stage as 'production' | undefined) ?? null,
            allowPrivate: o.allowPrivate === true,
            ...(o.by ? { createdBy: o.by as string } : {}),
          });
          print(
            cmd,
            created,
            () =>
              `Webhook ${created.webhook.id} → ${created.webhook.url} (${created.webhook.events.join(', ')})\n\nSigning secret, shown once (verify deliveries with any Standard Webhooks library):\n\n  ${created.secret}\n\nDeliveries are sent by \`modelreg webhooks run\` (or \`modelreg serve\`).`,
          );
        }),
      ),
    [
      'modelreg webhooks create --url https://ci.example.com/hooks/modelreg --events model.promote,model.rollback --stage production',
    ],
  );
  hooks
    .command('list')
    .description('every subscription: id, URL, events, filters, status (never the secret)')
    .action(
      withRegistry('read', async (registry, _o, cmd) => {
        const { shortTime, table } = await import('../format.js');
        const page = await registry.webhooks().list();
        print(cmd, page, () =>
          page.items.length === 0
            ? 'No webhooks. Subscribe one with `modelreg webhooks create --url … --events …`.'
            : table(
                ['Id', 'URL', 'Events', 'Filter', 'Status', 'Created'],
                page.items.map((h) => [
                  h.id,
                  h.url,
                  h.events.join(','),
                  [h.useCase, h.modelName, h.stage].filter(Boolean).join(' ') || '-',
                  h.status,
                  `${shortTime(h.createdAt)} by ${h.createdBy}`,
                ]),
              ),
        );
      }),
    );
  hooks
    .command('delete')
    .description('stop a subscription (deliveries already in the outbox are still sent)')
    .requiredOption('--id <id>', 'the webhook id (webhooks list)')
    .option('--by <name>', 'who deletes it, for the audit trail (default: MODELREG_ACTOR or the OS user)')
    .action(
      withRegistry('read', async (registry, o, cmd) => {
        const h = await registry.webhooks().delete({
          id: o.id as string,
          ...(o.by ? { deletedBy: o.by as string } : {}),
        });
        print(cmd, h, () =>
          h.alreadyDeleted
            ? `Webhook ${h.id} was already deleted (${h.deletedAt} by ${h.deletedBy}); nothing changed.`
            : `Deleted webhook ${h.id} (${h.url}).`,
        );
      }),
    );
  hooks
    .command('test')
    .description('send a signed webhook.ping to a subscription now and show the answer')
    .requiredOption('--id <id>', 'the webhook id')
    .action(
      withRegistry('read', async (registry, o, cmd) => {
        const { EXIT } = await import('./shared.js');
        const a = await registry.webhooks().ping({ id: o.id as string });
        print(cmd, a, () =>
          a.error === null
            ? `Ping delivered: HTTP ${a.status} in ${a.durationMs} ms.`
            : `Ping failed: ${a.error}.`,
        );
        if (a.error !== null) ctx.setExit(EXIT.incomplete);
      }),
    );
  hooks
    .command('deliveries')
    .description('the deliveries of a subscription, with each attempt')
    .requiredOption('--id <id>', 'the webhook id')
    .action(
      withRegistry('read', async (registry, o, cmd) => {
        const { shortTime, table } = await import('../format.js');
        const page = await registry.webhooks().deliveries({ id: o.id as string });
        print(cmd, page, () =>
          page.items.length === 0
            ? 'No deliveries yet.'
            : table(
                ['Delivery', 'Event', 'Status', 'Attempts', 'Last'],
                page.items.map((d) => {
                  const last = d.attempts.at(-1);
                  return [
                    d.id,
                    String(d.event.type),
                    d.status,
                    String(d.attempts.length),
                    last ? `${shortTime(last.at)} ${last.error ?? `HTTP ${last.status}`}` : '-',
                  ];
                }),
              ),
        );
      }),
    );
  hooks
    .command('redeliver')
    .description(
      'send a failed (or a delivered) delivery again: back in the outbox for a new series of attempts',
    )
    .requiredOption('--delivery <id>', 'the delivery id (webhooks deliveries)')
    .action(
      withRegistry('read', async (registry, o, cmd) => {
        const d = await registry.webhooks().redeliver({ deliveryId: o.delivery as string });
        print(cmd, d, () => `Delivery ${d.id} is pending again; the next worker run sends it.`);
      }),
    );
  examples(
    hooks
      .command('run')
      .description('send pending deliveries: once with --once, else every --interval seconds until Ctrl-C')
      .option('--once', 'send what is due and exit')
      .option('--interval <seconds>', 'seconds between runs', '2')
      .action(
        withRegistry('read', async (registry, o, cmd) => {
          const worker = registry.webhooks();
          if (o.once) {
            const r = await worker.drain();
            print(cmd, r, () => `Delivered ${r.delivered}, retrying ${r.retrying}, failed ${r.failed}.`);
            return;
          }
          const seconds = Number(o.interval);
          if (!Number.isFinite(seconds) || seconds <= 0) {
            const { ValidationError } = await import('../../core/errors.js');
            throw new ValidationError(`--interval ${o.interval} is not a positive number of seconds.`);
          }
          ctx.io.err(`Sending webhook deliveries every ${seconds} s; Ctrl-C stops.\n`);
          await new Promise<void>((resolve) => {
            let running = true;
            const tick = async () => {
              while (running) {
                const r = await worker.drain().catch((e: Error) => {
                  ctx.io.err(`webhooks: ${e.message}\n`);
                  return null;
                });
                if (r && r.delivered + r.retrying + r.failed > 0) {
                  ctx.io.err(`delivered ${r.delivered}, retrying ${r.retrying}, failed ${r.failed}\n`);
                }
                await new Promise((w) => setTimeout(w, seconds * 1000));
              }
              resolve();
            };
            const stop = () => {
              running = false;
              process.off('SIGINT', stop);
              process.off('SIGTERM', stop);
              resolve();
            };
            process.on('SIGINT', stop);
            process.on('SIGTERM', stop);
            void tick();
          });
        }),
      ),
    ['modelreg webhooks run --once', 'modelreg webhooks run --interval 5'],
  );
}
