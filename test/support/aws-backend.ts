import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { inject } from 'vitest';
import type { AwsConfig } from '../../src/adapters/aws/config.js';
import { type AwsClients, createAwsClients } from '../../src/adapters/aws/index.js';
import type { Registry, RegistryPorts } from '../../src/app/registry.js';
import { openAwsRegistry } from '../../src/compose/aws.js';
import type { RegistryEvent } from '../../src/core/ports.js';
import type { ContractBackend, RegistryOptions } from '../contract/registry-contract.js';
import { freshAwsResources } from './aws-resources.js';

/** Points the SDK at the emulators started by the global setup (loopback only). */
export function useEmulators(): void {
  process.env.AWS_ACCESS_KEY_ID = 'test';
  process.env.AWS_SECRET_ACCESS_KEY = 'test';
  process.env.AWS_REGION = 'us-east-1';
  process.env.AWS_ENDPOINT_URL_DYNAMODB = inject('dynamodbEndpoint');
  process.env.AWS_ENDPOINT_URL_S3 = inject('motoEndpoint');
  process.env.AWS_ENDPOINT_URL_SNS = inject('motoEndpoint');
  process.env.AWS_ENDPOINT_URL_SQS = inject('motoEndpoint');
  process.env.AWS_ENDPOINT_URL_KMS = inject('motoEndpoint');
}

/** An AWS backend plus what AWS-only tests need to look behind the API. */
export interface AwsBackend extends ContractBackend {
  config: AwsConfig;
  clients: AwsClients;
  sqs: SQSClient;
  queueUrl: string;
  registryWith: (ports: Partial<RegistryPorts> & RegistryOptions) => Registry;
}

/** Creates a fresh table, bucket, topic and subscribed queue. */
export async function makeAwsBackend(): Promise<AwsBackend> {
  useEmulators();
  const { id, config, clients } = await freshAwsResources('modelreg', 'test');
  const sqs = new SQSClient({ region: 'us-east-1' });
  const queue = await sqs.send(new CreateQueueCommand({ QueueName: `modelreg-${id}` }));
  const queueUrl = queue.QueueUrl!;
  const attrs = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
  );
  await clients.sns.send(
    new SubscribeCommand({
      TopicArn: config.topicArn,
      Protocol: 'sqs',
      Endpoint: attrs.Attributes!.QueueArn!,
      Attributes: { RawMessageDelivery: 'true' },
    }),
  );
  const received: RegistryEvent[] = [];
  const registryWith = (ports: Partial<RegistryPorts> & RegistryOptions = {}): Registry =>
    openAwsRegistry(config, {
      clients: createAwsClients(config),
      actor: ports.actor ?? 'contract-tester',
      ...(ports.clock ? { clock: ports.clock } : {}),
    });
  return {
    config,
    clients,
    sqs,
    queueUrl,
    registryWith,
    registry: (options = {}) => registryWith(options),
    events: async () => {
      for (;;) {
        const out = await sqs.send(
          new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
        );
        const messages = out.Messages ?? [];
        if (messages.length === 0) break;
        for (const m of messages) received.push(JSON.parse(m.Body!) as RegistryEvent);
        await sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: queueUrl,
            Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
          }),
        );
      }
      return [...received];
    },
    overwriteArtifact: async (uri, content) => {
      const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri);
      if (!m) throw new Error(`not an s3 uri: ${uri}`);
      await clients.s3.send(new PutObjectCommand({ Bucket: m[1], Key: m[2], Body: content }));
    },
    cleanup: async () => {
      await clients.dynamodb.send(new DeleteTableCommand({ TableName: config.table })).catch(() => {});
      clients.dynamodb.destroy();
      clients.s3.destroy();
      clients.sns.destroy();
      sqs.destroy();
    },
  };
}
