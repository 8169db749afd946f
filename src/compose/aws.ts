/**
 * The composition root of the AWS backend: DynamoDB + S3 + SNS built into a `Registry`.
 * The Lambda handlers reach only this module, so their bundles never carry the local
 * backend (SQLite, the filesystem store) or the CLI.
 */

import type { AwsConfig } from '../adapters/aws/config.js';
import { type AwsClients, awsPorts, createAwsClients } from '../adapters/aws/index.js';
import { approvalSecret } from '../app/approval-secret.js';
import { Registry, type RegistryPorts } from '../app/registry.js';
import { eventDecisionLinks } from '../core/approval-links.js';
import type { RegistryEvent } from '../core/ports.js';

/** What a caller may add to the AWS registry: actor, clock, warnings, or its own SDK clients. */
export type AwsRegistryExtra = Omit<RegistryPorts, 'store' | 'artifacts' | 'notifier'> & {
  clients?: AwsClients;
};

/** Signed approve/reject links for approval-request events (the secret is read on first use). */
function approvalLinks(baseUrl: string) {
  return async (e: RegistryEvent) => eventDecisionLinks(baseUrl, await approvalSecret(), e);
}

/** Builds a registry on DynamoDB + S3 + SNS. Clients given by the caller stay the caller's to destroy. */
export function openAwsRegistry(config: AwsConfig, extra: AwsRegistryExtra = {}): Registry {
  const { clients: given, ...ports } = extra;
  const clients = given ?? createAwsClients(config);
  return new Registry({
    ...ports,
    ...awsPorts(config, clients, config.approvalApiUrl ? approvalLinks(config.approvalApiUrl) : undefined),
    ...(given
      ? {}
      : {
          dispose: async () => {
            clients.dynamodb.destroy();
            clients.s3.destroy();
            clients.sns.destroy();
          },
        }),
  });
}
