import { CreateTableCommand, DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, HeadBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { CreateTopicCommand, ListTopicsCommand, type SNSClient } from '@aws-sdk/client-sns';
import { tableDefinition } from './table-design.js';

/** What `modelreg aws bootstrap` created (or found). */
export interface BootstrapResult {
  table: string;
  bucket: string;
  topicArn: string;
  created: string[];
}

/**
 * Creates the registry table (with its GSIs), the artifact bucket and the notification
 * topic, for local development against an emulator. Idempotent: what exists is kept.
 * On real AWS the CDK stacks create these, with encryption, PITR and retention.
 */
export async function bootstrapAws(
  clients: { dynamodb: DynamoDBClient; s3: S3Client; sns: SNSClient },
  names: { table: string; bucket: string; topicName: string; region?: string },
): Promise<BootstrapResult> {
  const created: string[] = [];
  try {
    await clients.dynamodb.send(new CreateTableCommand(tableDefinition(names.table)));
    created.push(`table ${names.table}`);
  } catch (e) {
    if ((e as { name?: string }).name !== 'ResourceInUseException') throw e;
  }
  for (let i = 0; i < 100; i++) {
    const d = await clients.dynamodb.send(new DescribeTableCommand({ TableName: names.table }));
    if (d.Table?.TableStatus === 'ACTIVE') break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const bucketExists = await clients.s3
    .send(new HeadBucketCommand({ Bucket: names.bucket }))
    .then(() => true)
    .catch(() => false);
  if (!bucketExists) {
    const region = names.region ?? 'us-east-1';
    await clients.s3.send(
      new CreateBucketCommand({
        Bucket: names.bucket,
        ...(region !== 'us-east-1'
          ? { CreateBucketConfiguration: { LocationConstraint: region as never } }
          : {}),
      }),
    );
    created.push(`bucket ${names.bucket}`);
  }
  // CreateTopic is idempotent and says nothing of whether the topic existed: look first.
  let topicExists = false;
  let token: string | undefined;
  do {
    const page = await clients.sns.send(new ListTopicsCommand(token ? { NextToken: token } : {}));
    topicExists = (page.Topics ?? []).some((t) => t.TopicArn?.endsWith(`:${names.topicName}`));
    token = page.NextToken;
  } while (token && !topicExists);
  const topic = await clients.sns.send(new CreateTopicCommand({ Name: names.topicName }));
  if (!topicExists) created.push(`topic ${topic.TopicArn}`);
  return { table: names.table, bucket: names.bucket, topicArn: topic.TopicArn!, created };
}
