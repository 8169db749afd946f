/**
 * `modelreg tokens create|list|revoke`: the API tokens of `modelreg serve`. A token is
 * printed once, when created; the store keeps only its SHA-256.
 */
import { type Command, Option } from 'commander';
import { osUser } from '../../app/os-user.js';
import type { Registry } from '../../app/registry.js';
import { type CliContext, examples } from './shared.js';

/** The roles a token can hold (checked against the HTTP app's in a test), kept here so help needs no zod. */
export const TOKEN_ROLE_NAMES = ['viewer', 'editor', 'approver', 'admin'] as const;

async function tokensOf(registry: Registry) {
  const { ApiTokens } = await import('../../app/api-tokens.js');
  return new ApiTokens(registry.records);
}

/** Registers `tokens` on the program. */
export function registerTokens(program: Command, ctx: CliContext): void {
  const { print, withRegistry } = ctx;
  const tokens = program.command('tokens').description('API tokens of `modelreg serve` (kept hashed)');
  examples(
    tokens
      .command('create')
      .description('create a token with a role; it is printed once, only its hash is kept')
      .requiredOption(
        '--name <name>',
        'who or what holds it (ci, alice …): the actor the audit trail records',
      )
      .addOption(
        new Option(
          '--role <role>',
          'viewer reads; editor changes versions; approver decides approvals; admin sets policies',
        )
          .choices([...TOKEN_ROLE_NAMES])
          .makeOptionMandatory(),
      )
      .action(
        withRegistry('write', async (registry, o, cmd) => {
          const created = await (await tokensOf(registry)).create({
            name: o.name as string,
            role: o.role as 'viewer',
            createdBy: osUser(),
          });
          print(
            cmd,
            created,
            () =>
              `Token ${created.name} (${created.role}):\n\n  ${created.token}\n\nIt is shown once: store it now. Send it as \`Authorization: Bearer <token>\`, or paste it at /login.`,
          );
        }),
      ),
    ['modelreg tokens create --name ci --role editor', 'modelreg tokens create --name carol --role approver'],
  );
  tokens
    .command('list')
    .description('every token: name, role, status (never the token)')
    .action(
      withRegistry('read', async (registry, _o, cmd) => {
        const { shortTime, table } = await import('../format.js');
        const items = await (await tokensOf(registry)).list();
        print(cmd, { items }, () =>
          items.length === 0
            ? 'No API tokens: `modelreg serve` runs as the OS user on loopback only.'
            : table(
                ['Name', 'Role', 'Id', 'Status', 'Created', 'By'],
                items.map((i) => [i.name, i.role, i.id, i.status, shortTime(i.createdAt), i.createdBy]),
              ),
        );
      }),
    );
  tokens
    .command('revoke')
    .description('revoke a token by name (or id); its sessions end with it')
    .requiredOption('--name <name>', 'the token name (or its id from tokens list)')
    .action(
      withRegistry('read', async (registry, o, cmd) => {
        const r = await (await tokensOf(registry)).revoke({ name: o.name as string });
        print(cmd, r, () => `Revoked token ${r.name} (${r.role}).`);
      }),
    );
}
