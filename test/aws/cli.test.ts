/**
 * The built `modelreg` CLI on the AWS backend, run as a user would: a fresh Node process
 * with the emulators in its environment (AWS_ENDPOINT_URL for moto, AWS_ENDPOINT_URL_DYNAMODB
 * for DynamoDB Local). Its JSON is compared with what the local backend prints.
 */
import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  type CliResult,
  describeRun,
  expectExit,
  type Json,
  makeTempDir,
  okJson,
  parseJson,
  removeTempDir,
  requireBuiltCli,
  runCli,
} from '../cli/run-cli.js';

/** The structure of a JSON document: every leaf replaced by its type. */
function shape(value: Json): Json {
  if (Array.isArray(value)) return value.map(shape);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, shape(value[k])]),
    );
  }
  return value === null ? 'null' : typeof value;
}

describe('modelreg CLI with --backend aws (built CLI on the emulators)', () => {
  let dir: string;
  /** The emulators and dummy credentials, and no modelreg settings. */
  let emulators: Record<string, string | undefined>;
  let names: { table: string; bucket: string; topicName: string };
  let first: CliResult;
  let topicArn: string;
  /** emulators + MODELREG_TABLE/BUCKET/TOPIC_ARN, without choosing the backend. */
  let configured: Record<string, string | undefined>;

  const run = (args: string[], env: Record<string, string | undefined>) => runCli(args, { cwd: dir, env });
  const aws = (...args: string[]) => run(args, { ...configured, MODELREG_BACKEND: 'aws' });

  beforeAll(async () => {
    requireBuiltCli();
    dir = await makeTempDir('aws');
    await writeFile(join(dir, 'a.bin'), 'model a\n');
    await writeFile(join(dir, 'b.bin'), 'model b, bigger\n');
    emulators = {
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_REGION: 'us-east-1',
      AWS_ENDPOINT_URL: inject('motoEndpoint'),
      AWS_ENDPOINT_URL_DYNAMODB: inject('dynamodbEndpoint'),
      AWS_ENDPOINT_URL_S3: undefined,
      AWS_ENDPOINT_URL_SNS: undefined,
      AWS_ENDPOINT_URL_SQS: undefined,
      AWS_PROFILE: undefined,
      MODELREG_TABLE: undefined,
      MODELREG_BUCKET: undefined,
      MODELREG_TOPIC_ARN: undefined,
      MODELREG_KMS_KEY_ID: undefined,
    };
    const id = randomUUID().slice(0, 8);
    names = { table: `cli-${id}`, bucket: `cli-${id}`, topicName: `cli-${id}` };
    // Prepare (for every test): the first bootstrap
    first = await run(
      [
        'aws',
        'bootstrap',
        '--table',
        names.table,
        '--bucket',
        names.bucket,
        '--topic-name',
        names.topicName,
        '--json',
      ],
      emulators,
    );
    topicArn = okJson(first).topicArn;
    configured = {
      ...emulators,
      MODELREG_TABLE: names.table,
      MODELREG_BUCKET: names.bucket,
      MODELREG_TOPIC_ARN: topicArn,
      MODELREG_ENVIRONMENT: 'test',
    };
  });

  afterAll(() => removeTempDir(dir));

  describe('aws bootstrap', () => {
    it('creates the table with its three GSIs, the bucket and the topic', async () => {
      // Prepare
      const endpoint = { region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } };
      const dynamodb = new DynamoDBClient({ ...endpoint, endpoint: inject('dynamodbEndpoint') });
      const s3 = new S3Client({ ...endpoint, endpoint: inject('motoEndpoint'), forcePathStyle: true });

      try {
        // Act
        const table = await dynamodb.send(new DescribeTableCommand({ TableName: names.table }));
        const bucket = await s3.send(new HeadBucketCommand({ Bucket: names.bucket }));

        // Assess
        expect(okJson(first)).toEqual({
          table: names.table,
          bucket: names.bucket,
          topicArn: expect.stringMatching(new RegExp(`^arn:aws:sns:us-east-1:\\d{12}:${names.topicName}$`)),
          created: [`table ${names.table}`, `bucket ${names.bucket}`, `topic ${topicArn}`],
        });
        expect(table.Table?.TableStatus).toBe('ACTIVE');
        expect(table.Table?.GlobalSecondaryIndexes?.map((g) => g.IndexName).sort()).toEqual([
          'GSI1',
          'GSI2',
          'GSI3',
        ]);
        expect(bucket.$metadata.httpStatusCode).toBe(200);
      } finally {
        dynamodb.destroy();
        s3.destroy();
      }
    });

    it('is idempotent: a second run creates nothing and gives the same topic', async () => {
      // Act
      const [json, human] = await Promise.all([
        run(
          [
            'aws',
            'bootstrap',
            '--table',
            names.table,
            '--bucket',
            names.bucket,
            '--topic-name',
            names.topicName,
            '--json',
          ],
          emulators,
        ),
        run(
          [
            'aws',
            'bootstrap',
            '--table',
            names.table,
            '--bucket',
            names.bucket,
            '--topic-name',
            names.topicName,
          ],
          emulators,
        ),
      ]);

      // Assess
      expect(okJson(json)).toEqual({ table: names.table, bucket: names.bucket, topicArn, created: [] });
      expectExit(human, 0);
      expect(human.stdout).toContain('Ready: everything existed already.');
      expect(human.stdout).toContain(`MODELREG_TOPIC_ARN=${topicArn}`);
    });
  });

  describe('registry commands', () => {
    const MODEL = ['--use-case', 'churn', '--model', 'ChurnModel'];
    /** The same session of commands, on a backend given by `mr`. */
    async function session(mr: (...args: string[]) => Promise<CliResult>): Promise<Record<string, Json>> {
      const out: Record<string, Json> = {};
      const step = async (name: string, ...args: string[]) => {
        const r = await mr(...args, '--json');
        out[name] = okJson(r);
        expect(r.stderr, describeRun(r)).toBe('');
      };
      await step('register', 'models', 'register', ...MODEL, '--artifact', 'a.bin', '--metrics', 'auc=0.9');
      await step('register2', 'models', 'register', ...MODEL, '--artifact', 'b.bin', '--run-id', 'run-7');
      await step('list', 'models', 'list', ...MODEL);
      await step('staging', 'models', 'promote', ...MODEL, '--version', '1.0.0', '--to', 'staging');
      await step('production', 'models', 'promote', ...MODEL, '--version', '1.0.0', '--to', 'production');
      await step('info', 'models', 'info', ...MODEL, '--version', '1.0.0');
      await step('verify', 'audit', 'verify', ...MODEL);
      return out;
    }

    it('register, list, promote, info and audit verify print the same JSON shapes as on the local backend', async () => {
      // Act
      const [onAws, onLocal] = await Promise.all([
        session(aws),
        session((...args) => run([...args, '--store', join(dir, 'local-store')], {})),
      ]);

      // Assess
      for (const name of Object.keys(onLocal)) expect(shape(onAws[name]), name).toEqual(shape(onLocal[name]));
      expect(onAws.register).toMatchObject({
        useCase: 'churn',
        modelName: 'ChurnModel',
        version: '1.0.0',
        stage: 'development',
        artifact: { uri: `s3://${names.bucket}/churn/ChurnModel/versions/1.0.0/model/a.bin` },
      });
      expect(onAws.register.artifact.sha256).toBe(onLocal.register.artifact.sha256);
      expect(onAws.list.items.map((v: Json) => [v.version, v.stage])).toEqual([
        ['1.0.1', 'development'],
        ['1.0.0', 'development'],
      ]);
      expect(onAws.list.nextCursor).toBeNull();
      expect(onAws.production).toEqual(onLocal.production);
      expect(onAws.production).toMatchObject({ promoted: true, version: '1.0.0', stage: 'production' });
      expect(onAws.info).toMatchObject({ version: '1.0.0', stage: 'production', metrics: { auc: 0.9 } });
      expect(onAws.verify).toEqual({ valid: true, checked: 4 });
      expect(onAws.verify).toEqual(onLocal.verify);
    });

    it('reads the same registry with --backend aws instead of MODELREG_BACKEND', async () => {
      // Prepare
      const mr = (...args: string[]) => run([...args, '--backend', 'aws', '--json'], configured);
      const ref = ['--use-case', 'flag', '--model', 'FlagModel'];
      await writeFile(join(dir, 'flag.bin'), 'flag model\n');

      // Act
      const registered = okJson(await mr('models', 'register', ...ref, '--artifact', 'flag.bin'));
      const [info, viaEnv, local] = await Promise.all([
        mr('models', 'info', ...ref, '--version', '1.0.0'),
        aws('models', 'info', ...ref, '--version', '1.0.0', '--json'),
        run(['models', 'info', ...ref, '--version', '1.0.0', '--json'], configured),
      ]);

      // Assess: without --backend or MODELREG_BACKEND, the CLI stays on the local store (which
      // does not exist here, and a read does not create it)
      expect(registered.artifact.uri).toMatch(new RegExp(`^s3://${names.bucket}/flag/FlagModel/`));
      expect(okJson(info)).toEqual(registered);
      expect(okJson(viaEnv)).toEqual(registered);
      expectExit(local, 8);
      expect(parseJson(local).error.name).toBe('StoreNotFoundError');
    });

    it('notifications list prints an empty page when every notification was delivered', async () => {
      // Act
      const r = await aws('notifications', 'list', '--json');

      // Assess
      expect(okJson(r)).toEqual({ items: [], nextCursor: null });
    });
  });

  describe('demo', () => {
    it('runs the whole tour on AWS and reports the final production version and a valid audit trail', async () => {
      // Act
      const r = await run(['demo', '--backend', 'aws', '--json'], configured);

      // Assess
      const summary = okJson(r);
      expect(summary.useCase).toMatch(/^fraud_detection_demo_\d{14}$/);
      expect(summary.finalProduction).toMatch(/^\d+\.\d+\.\d+$/);
      expect(summary.audit).toMatchObject({ valid: true });
      expect(summary.audit.events).toBeGreaterThan(5);
      const production = okJson(
        await aws(
          'models',
          'info',
          '--use-case',
          summary.useCase,
          '--model',
          summary.modelName,
          '--stage',
          'production',
          '--json',
        ),
      );
      expect(production.version).toBe(summary.finalProduction);
      expect(production.artifact.uri).toMatch(new RegExp(`^s3://${names.bucket}/`));
    });
  });

  describe('configuration errors', () => {
    it('exits 2 naming MODELREG_TABLE when it is missing', async () => {
      // Prepare
      const env = { ...configured, MODELREG_BACKEND: 'aws', MODELREG_TABLE: undefined };
      const args = ['models', 'list', '--use-case', 'churn', '--model', 'ChurnModel'];

      // Act
      const [human, json] = await Promise.all([run(args, env), run([...args, '--json'], env)]);

      // Assess
      expectExit(human, 2);
      expect(human.stderr).toMatch(/^error: MODELREG_TABLE is required for the aws backend/);
      expect(human.stdout).toBe('');
      expectExit(json, 2);
      expect(JSON.parse(json.stdout).error).toMatchObject({
        name: 'ValidationError',
        message: expect.stringContaining('MODELREG_TABLE'),
      });
    });
  });
});
