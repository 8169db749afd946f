import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { approvalSecret } from '../../app/approval-secret.js';
import { Registry, type RegistryPorts } from '../../app/registry.js';
import { eventDecisionLinks } from '../../core/approval-links.js';
import type { RegistryEvent } from '../../core/ports.js';
import type { AwsConfig } from './config.js';
import { DynamoRegistryStore } from './dynamodb-store.js';
import { S3ArtifactStore } from './s3-artifact-store.js';
import { SnsNotifier } from './sns-notifier.js';

/** The SDK clients of the AWS backend, built once and shared. */
export interface AwsClients {
  dynamodb: DynamoDBClient;
  s3: S3Client;
  sns: SNSClient;
}

/** Builds the SDK clients for a configuration (region, path-style S3 for emulators, retries). */
export function createAwsClients(config: AwsConfig): AwsClients {
  const emulated = Boolean(
    process.env.AWS_ENDPOINT_URL || process.env.AWS_ENDPOINT_URL_DYNAMODB || process.env.AWS_ENDPOINT_URL_S3,
  );
  const region = config.region ?? (emulated ? 'us-east-1' : undefined);
  const common = { ...(region ? { region } : {}), maxAttempts: 5 };
  return {
    dynamodb: new DynamoDBClient(common),
    s3: new S3Client({ ...common, forcePathStyle: config.forcePathStyle ?? false }),
    sns: new SNSClient(common),
  };
}

/** Signed approve/reject links for approval-request events. */
function approvalLinks(baseUrl: string) {
  return async (e: RegistryEvent) => eventDecisionLinks(baseUrl, await approvalSecret(), e);
}

/** Builds a registry on DynamoDB + S3 + SNS. */
export function openAwsRegistry(
  config: AwsConfig,
  extra: Omit<RegistryPorts, 'store' | 'artifacts' | 'notifier'> & { clients?: AwsClients } = {},
): Registry {
  const { clients: given, ...ports } = extra;
  const clients = given ?? createAwsClients(config);
  return new Registry({
    ...ports,
    store: new DynamoRegistryStore(clients.dynamodb, config.table),
    artifacts: new S3ArtifactStore(clients.s3, {
      bucket: config.bucket,
      ...(config.kmsKeyId ? { kmsKeyId: config.kmsKeyId } : {}),
    }),
    notifier: new SnsNotifier(clients.sns, {
      topicArn: config.topicArn,
      environment: config.environment,
      ...(config.subjectPrefix !== undefined ? { subjectPrefix: config.subjectPrefix } : {}),
      ...(config.approvalApiUrl ? { linksFor: approvalLinks(config.approvalApiUrl) } : {}),
    }),
    // clients given by the caller are the caller's to destroy
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
