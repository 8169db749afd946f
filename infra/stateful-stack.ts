/**
 * What outlives any deployment of the code: the registry table, the artifact bucket, the
 * notification topic and the keys that encrypt them. Kept apart from the stateless stack
 * so that stack can be destroyed and redeployed freely; everything here is retained.
 */
import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { tableDefinition } from '../src/adapters/aws/table-design.js';

/** Settings of the stateful stack. */
export interface ModelregStatefulStackProps extends StackProps {
  /** The deployment's name (`dev`, `prod` …), used in key aliases. */
  readonly environment: string;
  /**
   * How long S3 keeps a replaced or deleted artifact version before it expires. Artifacts
   * are never overwritten by the registry, so this only bounds how long a deletion can be undone.
   * @default Duration.days(90)
   */
  readonly noncurrentVersionExpiration?: Duration;
  /**
   * How long the bucket access logs are kept.
   * @default Duration.days(365)
   */
  readonly accessLogExpiration?: Duration;
}

const ATTRIBUTE_TYPES: Readonly<Record<string, dynamodb.AttributeType>> = {
  S: dynamodb.AttributeType.STRING,
  N: dynamodb.AttributeType.NUMBER,
  B: dynamodb.AttributeType.BINARY,
};

/** The key schema of `tableDefinition()` as CDK attributes, so the stack cannot drift from the code. */
function keysOf(
  schema: readonly { AttributeName?: string | undefined; KeyType?: string | undefined }[] | undefined,
  types: ReadonlyMap<string, string>,
): { partitionKey: dynamodb.Attribute; sortKey?: dynamodb.Attribute } {
  const attribute = (keyType: 'HASH' | 'RANGE'): dynamodb.Attribute | undefined => {
    const name = schema?.find((k) => k.KeyType === keyType)?.AttributeName;
    if (name === undefined) return undefined;
    const type = ATTRIBUTE_TYPES[types.get(name) ?? ''];
    if (!type) throw new Error(`tableDefinition(): attribute ${name} has no S, N or B type`);
    return { name, type };
  };
  const partitionKey = attribute('HASH');
  if (!partitionKey) throw new Error('tableDefinition(): a key schema has no HASH key');
  const sortKey = attribute('RANGE');
  return { partitionKey, ...(sortKey ? { sortKey } : {}) };
}

/**
 * The name of the export holding the artifact bucket ARN. The stateless stack grants object
 * access under `<this>/*`, so the grant (and its cdk-nag acknowledgement) names a stable
 * value rather than a generated cross-stack reference.
 */
export const artifactBucketArnExport = (environment: string): string =>
  `modelreg-${environment}-artifact-bucket-arn`;

/** The registry's table, bucket, topic and keys. */
export class ModelregStatefulStack extends Stack {
  /** The single table of the registry (tableDefinition() in src/adapters/aws/table-design.ts). */
  readonly table: dynamodb.Table;
  /** The table's global secondary indexes (GSI1, GSI2, GSI3), by name. */
  readonly tableIndexNames: readonly string[];
  /** Model artifacts, evaluation sets and their metadata. */
  readonly artifactBucket: s3.Bucket;
  /** Where the server access logs of the artifact bucket go. */
  readonly accessLogBucket: s3.Bucket;
  /** Registry and workflow events for people (email) and systems (Slack, EventBridge). */
  readonly notificationTopic: sns.Topic;
  /** Encrypts the table and the artifacts (MODELREG_KMS_KEY_ID). */
  readonly dataKey: kms.Key;
  /** Encrypts messages at rest: the notification topic and the operations topic. */
  readonly messagingKey: kms.Key;
  /** Signing: the asymmetric key that signs release statements (MODELREG_SIGNING_KEY_ID). */
  readonly signingKey: kms.Key;

  constructor(scope: Construct, id: string, props: ModelregStatefulStackProps) {
    super(scope, id, props);

    this.dataKey = new kms.Key(this, 'DataKey', {
      description: `modelreg ${props.environment}: registry table and model artifacts`,
      alias: `alias/modelreg/${props.environment}/data`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.messagingKey = new kms.Key(this, 'MessagingKey', {
      description: `modelreg ${props.environment}: notification and operations topics`,
      alias: `alias/modelreg/${props.environment}/messaging`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // signing: ECDSA P-256 / SHA-256, the key spec node:crypto verifies with its public key
    this.signingKey = new kms.Key(this, 'SigningKey', {
      description: `modelreg ${props.environment}: signs model release statements (in-toto, DSSE)`,
      alias: `alias/modelreg/${props.environment}/signing`,
      keySpec: kms.KeySpec.ECC_NIST_P256,
      keyUsage: kms.KeyUsage.SIGN_VERIFY,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // CloudWatch alarms publish to the encrypted operations topic (stateless stack), on behalf
    // of this account only.
    this.messagingKey.grant(
      new iam.PrincipalWithConditions(new iam.ServicePrincipal('cloudwatch.amazonaws.com'), {
        StringEquals: { 'aws:SourceAccount': this.account },
      }),
      'kms:Decrypt',
      'kms:GenerateDataKey*',
    );

    const definition = tableDefinition('modelreg');
    const types = new Map(
      (definition.AttributeDefinitions ?? []).map((a) => [a.AttributeName ?? '', a.AttributeType ?? '']),
    );
    if (definition.BillingMode !== 'PAY_PER_REQUEST') {
      throw new Error(
        `tableDefinition() bills ${definition.BillingMode}; the stack deploys on-demand tables`,
      );
    }
    this.table = new dynamodb.Table(this, 'RegistryTable', {
      ...keysOf(definition.KeySchema, types),
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: this.dataKey,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const indexNames: string[] = [];
    for (const index of definition.GlobalSecondaryIndexes ?? []) {
      if (index.Projection?.ProjectionType !== 'ALL') {
        throw new Error(
          `tableDefinition(): index ${index.IndexName} projects ${index.Projection?.ProjectionType}`,
        );
      }
      this.table.addGlobalSecondaryIndex({
        indexName: index.IndexName ?? '',
        ...keysOf(index.KeySchema, types),
        projectionType: dynamodb.ProjectionType.ALL,
      });
      indexNames.push(index.IndexName ?? '');
    }
    this.tableIndexNames = indexNames;

    this.accessLogBucket = new s3.Bucket(this, 'AccessLogBucket', {
      // S3 server access logging delivers only to SSE-S3 buckets.
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      lifecycleRules: [{ expiration: props.accessLogExpiration ?? Duration.days(365) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.artifactBucket = new s3.Bucket(this, 'ArtifactBucket', {
      versioned: true,
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: this.dataKey,
      bucketKeyEnabled: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      serverAccessLogsBucket: this.accessLogBucket as s3.IBucket,
      serverAccessLogsPrefix: 'artifacts/',
      lifecycleRules: [
        {
          id: 'ExpireNoncurrentVersions',
          noncurrentVersionExpiration: props.noncurrentVersionExpiration ?? Duration.days(90),
        },
        { id: 'AbortIncompleteUploads', abortIncompleteMultipartUploadAfter: Duration.days(7) },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.notificationTopic = new sns.Topic(this, 'NotificationTopic', {
      displayName: `modelreg ${props.environment}`,
      masterKey: this.messagingKey,
      enforceSSL: true,
      signatureVersion: '2',
    });
    this.notificationTopic.applyRemovalPolicy(RemovalPolicy.RETAIN);

    new CfnOutput(this, 'TableName', {
      value: this.table.tableName,
      description: 'MODELREG_TABLE: the registry table',
    });
    new CfnOutput(this, 'BucketName', {
      value: this.artifactBucket.bucketName,
      description: 'MODELREG_BUCKET: the artifact bucket',
    });
    new CfnOutput(this, 'ArtifactBucketArn', {
      value: this.artifactBucket.bucketArn,
      exportName: artifactBucketArnExport(props.environment),
      description: 'The artifact bucket (imported by the stateless stack for object grants)',
    });
    new CfnOutput(this, 'NotificationTopicArn', {
      value: this.notificationTopic.topicArn,
      description: 'MODELREG_TOPIC_ARN: registry and workflow notifications',
    });
    new CfnOutput(this, 'DataKeyArn', {
      value: this.dataKey.keyArn,
      description: 'MODELREG_KMS_KEY_ID: the key artifacts are encrypted with',
    });
    new CfnOutput(this, 'SigningKeyArn', {
      value: this.signingKey.keyArn,
      description:
        'MODELREG_SIGNING_KEY_ID: the KMS key release statements are signed with (trust it: modelreg keys trust --kms-key-id)',
    });
  }
}
