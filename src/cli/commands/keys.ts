/**
 * `modelreg keys create|trust|revoke|list`: signing keys. A private key is a file on the
 * signer's machine (or a KMS key); a use case keeps only the public keys it trusts, as
 * audited records, and refuses signatures by any other key or by a revoked one.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { ValidationError } from '../../core/errors.js';
import { type CliContext, examples, storeDir, useCaseOption } from './shared.js';

/** Registers `keys` on the program. */
export function registerKeys(program: Command, ctx: CliContext): void {
  const { print, withRegistry, globals } = ctx;
  const keys = program
    .command('keys')
    .description('signing keys: create a key file, trust, revoke and list the keys of a use case');

  examples(
    keys
      .command('create')
      .description(
        'make an Ed25519 key pair: the private key in a 0600 file outside the registry, the public key printed',
      )
      .requiredOption('--name <name>', 'the key name (the file is NAME.pem under ~/.config/modelreg/keys)')
      .option('--out <file>', 'where to write the private key (the public key goes to FILE.pub)')
      .action(async (_o: unknown, cmd: Command) => {
        const o = cmd.opts();
        const g = globals(cmd);
        const { parseBackend } = await import('../../compose/index.js');
        const backend = parseBackend(g.backend ?? process.env.MODELREG_BACKEND);
        const { createKeyFile } = await import('../signing-keys.js');
        const r = await createKeyFile(
          o.name as string,
          o.out as string | undefined,
          backend === 'local' ? storeDir(g) : null,
        );
        print(cmd, { name: o.name, ...r }, () =>
          [
            `Created signing key ${o.name} (${r.keyId})`,
            `  private key  ${r.privateKeyPath}  (mode 0600; keep it secret, it never enters the registry)`,
            `  public key   ${r.publicKeyPath}`,
            '',
            r.publicKeyPem.trimEnd(),
          ].join('\n'),
        );
      }),
    ['modelreg keys create --name release', 'modelreg keys create --name release --out keys/release.pem'],
  );

  examples(
    useCaseOption(
      keys.command('trust').description("trust a public key for a use case's signatures (audited)"),
    )
      .requiredOption('--name <name>', 'the name the key is known by')
      .option('--public-key <file>', 'the public key PEM (FILE.pub from keys create)')
      .option('--kms-key-id <arn>', 'a KMS signing key: its public key is read with GetPublicKey')
      .option('--by <name>', 'who trusts it')
      .action(
        withRegistry('write', async (registry, o, cmd) => {
          if ((o.publicKey === undefined) === (o.kmsKeyId === undefined)) {
            throw new ValidationError(
              'give the key with --public-key FILE or --kms-key-id ARN (one of them).',
            );
          }
          let pem: string;
          if (o.publicKey !== undefined) {
            try {
              pem = readFileSync(o.publicKey as string, 'utf8');
            } catch (e) {
              throw new ValidationError(
                `cannot read the public key ${o.publicKey as string} (${(e as { code?: string }).code ?? (e as Error).message}); give the FILE.pub that keys create wrote.`,
              );
            }
            if (pem.includes('PRIVATE KEY')) {
              throw new ValidationError(
                `${o.publicKey as string} is a private key; trust its public key (${o.publicKey as string}.pub from keys create) and keep the private key to yourself.`,
              );
            }
          } else {
            const { kmsSigner } = await import('../signing-keys.js');
            pem = await (await kmsSigner(o.kmsKeyId as string)).publicKeyPem();
          }
          const k = await registry.trustKey({
            useCase: o.useCase as string,
            name: o.name as string,
            publicKeyPem: pem,
            kmsKeyId: (o.kmsKeyId as string | undefined) ?? null,
            ...(o.by ? { trustedBy: o.by as string } : {}),
          });
          print(cmd, k, () => `Use case ${k.useCase} trusts key ${k.name} (${k.algorithm}, ${k.keyId}).`);
        }),
      ),
    [
      'modelreg keys trust --use-case fraud --name release --public-key ~/.config/modelreg/keys/release.pem.pub',
      'modelreg keys trust --use-case fraud --name ci --kms-key-id arn:aws:kms:eu-west-1:123456789012:key/…',
    ],
  );

  useCaseOption(
    keys.command('revoke').description('revoke a key: versions it signed no longer verify (audited)'),
  )
    .requiredOption('--name <name>', 'the key name (or its keyid)')
    .requiredOption('--reason <text>', 'why (compromised, rotated …)')
    .option('--by <name>', 'who revokes it')
    .action(
      withRegistry('write', async (registry, o, cmd) => {
        const k = await registry.revokeKey({
          useCase: o.useCase as string,
          name: o.name as string,
          reason: o.reason as string,
          ...(o.by ? { revokedBy: o.by as string } : {}),
        });
        print(cmd, k, () => `Revoked key ${k.name} (${k.keyId}) of use case ${k.useCase}: ${k.reason}.`);
      }),
    );

  useCaseOption(keys.command('list').description('the keys a use case trusts or has revoked')).action(
    withRegistry('read', async (registry, o, cmd) => {
      const { shortTime, table } = await import('../format.js');
      const items = await registry.listKeys({ useCase: o.useCase as string });
      print(cmd, { items }, () =>
        items.length === 0
          ? `Use case ${o.useCase as string} trusts no signing key; \`modelreg keys trust\` adds one.`
          : table(
              ['Name', 'Key id', 'Algorithm', 'Status', 'Trusted', 'By', 'Revoked'],
              items.map((k) => [
                k.name,
                `${k.keyId.slice(0, 23)}…`,
                k.algorithm,
                k.status,
                shortTime(k.trustedAt),
                k.trustedBy,
                k.revokedAt ? `${shortTime(k.revokedAt)} (${k.reason})` : '',
              ]),
            ),
      );
    }),
  );
}
