/**
 * A fresh table, bucket and topic on the emulators, named `<prefix>-<id>`: what the AWS test
 * backend and the bench both start from. No vitest here, so the bench can use it.
 */
import { randomUUID } from 'node:crypto';
import { bootstrapAws } from '../../src/adapters/aws/bootstrap.js';
import type { AwsConfig } from '../../src/adapters/aws/config.js';
import { type AwsClients, createAwsClients } from '../../src/adapters/aws/index.js';

/** Creates the resources and the clients for them; the emulator endpoints come from the environment. */
export async function freshAwsResources(
  prefix: string,
  environment: string,
): Promise<{ id: string; config: AwsConfig; clients: AwsClients }> {
  const id = randomUUID().slice(0, 8);
  const base: AwsConfig = {
    table: `${prefix}-${id}`,
    bucket: `${prefix}-${id}`,
    topicArn: 'arn:pending',
    environment,
    region: 'us-east-1',
    forcePathStyle: true,
  };
  const clients = createAwsClients(base);
  const made = await bootstrapAws(clients, {
    table: base.table,
    bucket: base.bucket,
    topicName: `${prefix}-${id}`,
  });
  return { id, config: { ...base, topicArn: made.topicArn }, clients };
}
