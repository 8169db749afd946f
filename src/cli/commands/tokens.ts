/**
 * `modelreg tokens create|list|revoke`: the API tokens of `modelreg serve`. A token is
 * printed once, when created; the store keeps only its SHA-256.
 */
import { userInfo } from 'node:os';
import { type Command, Option } from 'commander';
import { ApiTokens, TOKEN_ROLES } from '../../app/api-tokens.js';
import type { Registry } from '../../app/registry.js';
import { openRegistry, parseBackend } from '../../index.js';
import { shortTime, table } from '../format.js';
import type { CliIo } from '../program.js';

function whoAmI(): string {
  if (process.env.MODELREG_ACTOR) return process.env.MODELREG_ACTOR;
  try {
    return userInfo().username || 'unknown';
  } catch {
    return 'unknown';
  }
}

/** Adds `modelreg tokens` to the program. */
export function addTokensCommand(program: Command, io: CliIo): void {
  const run =
    (fn: (tokens: ApiTokens, opts: Record<string, unknown>, json: boolean) => Promise<void>) =>
    async (...args: unknown[]) => {
      const cmd = args[args.length - 1] as Command;
      const g = cmd.optsWithGlobals() as { store?: string; backend?: string; json?: boolean };
      const registry: Registry = await openRegistry({
        ...(g.store ? { store: g.store } : {}),
        backend: parseBackend(g.backend ?? process.env.MODELREG_BACKEND),
        warn: (m) => io.err(`warning: ${m}\n`),
      });
      try {
        await fn(new ApiTokens(registry.records), cmd.opts(), Boolean(g.json));
      } finally {
        await registry.close();
      }
    };
  const print = (json: boolean, value: unknown, human: string) =>
    io.out(json ? `${JSON.stringify(value, null, 2)}\n` : `${human}\n`);

  const tokens = program.command('tokens').description('API tokens of `modelreg serve` (kept hashed)');
  tokens
    .command('create')
    .description('create a token with a role; it is printed once, only its hash is kept')
    .requiredOption('--name <name>', 'what it is for (ci, alice …); shown as token:<name> in the audit trail')
    .addOption(
      new Option(
        '--role <role>',
        'viewer reads; editor changes versions; approver decides approvals; admin sets policies',
      )
        .choices([...TOKEN_ROLES])
        .makeOptionMandatory(),
    )
    .action(
      run(async (t, o, json) => {
        const created = await t.create({
          name: o.name as string,
          role: o.role as 'viewer',
          createdBy: whoAmI(),
        });
        print(
          json,
          created,
          `Token ${created.name} (${created.role}):\n\n  ${created.token}\n\nIt is shown once: store it now. Send it as \`Authorization: Bearer <token>\`, or paste it at /login.`,
        );
      }),
    );
  tokens
    .command('list')
    .description('every token: name, role, status (never the token)')
    .action(
      run(async (t, _o, json) => {
        const items = await t.list();
        print(
          json,
          { items },
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
      run(async (t, o, json) => {
        const r = await t.revoke({ name: o.name as string });
        print(json, r, `Revoked token ${r.name} (${r.role}).`);
      }),
    );
}
