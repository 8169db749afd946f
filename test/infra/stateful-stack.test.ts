import { Match } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tableDefinition } from '../../src/adapters/aws/table-design.js';
import {
  type CfnTemplate,
  logicalIdOf,
  resourcesOf,
  type SynthesizedApp,
  synthesizeApp,
} from './synth-app.js';

const DENY_INSECURE_TRANSPORT = Match.objectLike({
  Effect: 'Deny',
  Condition: { Bool: { 'aws:SecureTransport': 'false' } },
});

describe('ModelregStatefulStack', () => {
  let synth: SynthesizedApp;
  let json: CfnTemplate;
  let ids: {
    table: string;
    bucket: string;
    logBucket: string;
    topic: string;
    dataKey: string;
    messagingKey: string;
  };

  afterAll(() => synth?.dispose());

  beforeAll(() => {
    synth = synthesizeApp();
    json = synth.statefulJson;
    const s = synth.stacks.stateful;
    ids = {
      table: logicalIdOf(s.table),
      bucket: logicalIdOf(s.artifactBucket),
      logBucket: logicalIdOf(s.accessLogBucket),
      topic: logicalIdOf(s.notificationTopic),
      dataKey: logicalIdOf(s.dataKey),
      messagingKey: logicalIdOf(s.messagingKey),
    };
  });

  describe('registry table', () => {
    it('has the keys and indexes of tableDefinition(), so the stack cannot drift from the code', () => {
      // Prepare
      const definition = tableDefinition('modelreg');
      const table = json.Resources[ids.table]?.Properties ?? {};

      // Assess
      expect(table.KeySchema).toEqual(definition.KeySchema);
      expect(new Set(table.AttributeDefinitions as unknown[])).toEqual(
        new Set(definition.AttributeDefinitions),
      );
      expect(table.GlobalSecondaryIndexes).toEqual(definition.GlobalSecondaryIndexes);
      expect(synth.stacks.stateful.tableIndexNames).toEqual(['GSI1', 'GSI2', 'GSI3']);
    });

    it('is on-demand, recoverable to any point in time, protected from deletion and retained', () => {
      // Assess
      synth.stateful.hasResource('AWS::DynamoDB::Table', {
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
        Properties: Match.objectLike({
          BillingMode: 'PAY_PER_REQUEST',
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
          DeletionProtectionEnabled: true,
        }),
      });
    });

    it('is encrypted with the customer managed data key', () => {
      // Assess
      synth.stateful.hasResourceProperties('AWS::DynamoDB::Table', {
        SSESpecification: {
          SSEEnabled: true,
          SSEType: 'KMS',
          KMSMasterKeyId: { 'Fn::GetAtt': [ids.dataKey, 'Arn'] },
        },
      });
    });
  });

  describe('keys', () => {
    it('rotate and are retained', () => {
      // Assess
      // the asymmetric signing key cannot rotate in KMS: it is rotated by trusting a new key
      const keys = resourcesOf(json, 'AWS::KMS::Key').filter(
        ([, k]) => k.Properties.KeyUsage !== 'SIGN_VERIFY',
      );
      expect(keys.map(([id]) => id).sort()).toEqual([ids.dataKey, ids.messagingKey].sort());
      for (const [id] of keys) {
        expect(json.Resources[id]?.DeletionPolicy).toBe('Retain');
        expect(json.Resources[id]?.Properties?.EnableKeyRotation).toBe(true);
      }
    });

    it('let CloudWatch use the messaging key for this account only (alarms to the encrypted operations topic)', () => {
      // Prepare
      const policy = json.Resources[ids.messagingKey]?.Properties?.KeyPolicy as { Statement: unknown[] };

      // Assess
      expect(policy.Statement).toContainEqual(
        expect.objectContaining({
          Principal: { Service: 'cloudwatch.amazonaws.com' },
          Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
        }),
      );
    });
  });

  describe('artifact bucket', () => {
    it('is versioned, private, KMS-encrypted with the data key and retained', () => {
      // Assess
      synth.stateful.hasResource('AWS::S3::Bucket', {
        DeletionPolicy: 'Retain',
        Properties: Match.objectLike({
          VersioningConfiguration: { Status: 'Enabled' },
          PublicAccessBlockConfiguration: {
            BlockPublicAcls: true,
            BlockPublicPolicy: true,
            IgnorePublicAcls: true,
            RestrictPublicBuckets: true,
          },
          BucketEncryption: {
            ServerSideEncryptionConfiguration: [
              {
                BucketKeyEnabled: true,
                ServerSideEncryptionByDefault: {
                  SSEAlgorithm: 'aws:kms',
                  KMSMasterKeyID: { 'Fn::GetAtt': [ids.dataKey, 'Arn'] },
                },
              },
            ],
          },
        }),
      });
    });

    it('expires noncurrent versions after 90 days and logs access to the log bucket', () => {
      // Prepare
      const bucket = json.Resources[ids.bucket]?.Properties ?? {};

      // Assess
      expect(bucket.LifecycleConfiguration).toEqual({
        Rules: expect.arrayContaining([
          expect.objectContaining({ NoncurrentVersionExpiration: { NoncurrentDays: 90 }, Status: 'Enabled' }),
        ]),
      });
      expect(bucket.LoggingConfiguration).toEqual({
        DestinationBucketName: { Ref: ids.logBucket },
        LogFilePrefix: 'artifacts/',
      });
    });

    it('refuses requests without TLS (enforce-SSL bucket policy), as does the log bucket', () => {
      // Assess
      for (const bucket of [ids.bucket, ids.logBucket]) {
        synth.stateful.hasResourceProperties('AWS::S3::BucketPolicy', {
          Bucket: { Ref: bucket },
          PolicyDocument: { Statement: Match.arrayWith([DENY_INSECURE_TRANSPORT]) },
        });
      }
    });

    it('exports its ARN under a fixed name for the object grants of the stateless stack', () => {
      // Assess
      expect(json.Outputs?.ArtifactBucketArn).toEqual({
        Description: expect.any(String),
        Value: { 'Fn::GetAtt': [ids.bucket, 'Arn'] },
        Export: { Name: 'modelreg-test-artifact-bucket-arn' },
      });
    });
  });

  describe('notification topic', () => {
    it('is encrypted with the messaging key and refuses publishing without TLS', () => {
      // Assess
      synth.stateful.hasResourceProperties('AWS::SNS::Topic', {
        KmsMasterKeyId: { 'Fn::GetAtt': [ids.messagingKey, 'Arn'] },
      });
      synth.stateful.hasResourceProperties('AWS::SNS::TopicPolicy', {
        Topics: [{ Ref: ids.topic }],
        PolicyDocument: { Statement: Match.arrayWith([DENY_INSECURE_TRANSPORT]) },
      });
    });
  });

  it('outputs what the CLI needs: table, bucket, topic and key', () => {
    // Assess
    expect(Object.keys(json.Outputs ?? {})).toEqual(
      expect.arrayContaining(['TableName', 'BucketName', 'NotificationTopicArn', 'DataKeyArn']),
    );
    expect(json.Outputs?.TableName?.Value).toEqual({ Ref: ids.table });
    expect(json.Outputs?.NotificationTopicArn?.Value).toEqual({ Ref: ids.topic });
  });
});
