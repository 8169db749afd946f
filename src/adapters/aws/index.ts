import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import type { ArtifactStore, Notifier, RegistryStore } from '../../core/ports.js';
import type { AwsConfig } from './config.js';
import { DynamoRegistryStore } from './dynamodb-store.js';
import { S3ArtifactStore } from './s3-artifact-store.js';
import { SnsNotifier, type SnsNotifierOptions } from './sns-notifier.js';

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

/** The ports the AWS backend implements, so a composition root can build a registry on them. */
export interface AwsPorts {
  store: RegistryStore;
  artifacts: ArtifactStore;
  notifier: Notifier;
}

/**
 * DynamoDB + S3 + SNS as the registry's ports. Adapters know nothing of the use cases:
 * what the notifier signs into approval events comes in as `linksFor`.
 */
export function awsPorts(
  config: AwsConfig,
  clients: AwsClients,
  linksFor?: SnsNotifierOptions['linksFor'],
): AwsPorts {
  return {
    store: new DynamoRegistryStore(clients.dynamodb, config.table),
    artifacts: new S3ArtifactStore(clients.s3, {
      bucket: config.bucket,
      ...(config.kmsKeyId ? { kmsKeyId: config.kmsKeyId } : {}),
    }),
    notifier: new SnsNotifier(clients.sns, {
      topicArn: config.topicArn,
      environment: config.environment,
      ...(config.subjectPrefix !== undefined ? { subjectPrefix: config.subjectPrefix } : {}),
      ...(linksFor ? { linksFor } : {}),
    }),
  };
}
