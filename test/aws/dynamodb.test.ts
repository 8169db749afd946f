/**
 * The single-table design as the README documents it, read directly with the SDK on
 * DynamoDB Local: GSI1 lists the models of a use case, GSI2 the versions in a stage
 * across the registry, GSI3 the versions of a training run; the head's revision counts
 * changes; and no registry path scans the table.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AwsClients, createAwsClients } from '../../src/adapters/aws/index.js';
import type { RegisterInput } from '../../src/app/inputs.js';
import type { Registry } from '../../src/app/registry.js';
import { openAwsRegistry } from '../../src/compose/aws.js';
import type { ModelRef } from '../../src/core/model.js';
import { type AwsBackend, makeAwsBackend } from '../support/aws-backend.js';
import { type RequestRecorder, recordRequests } from '../support/sdk-requests.js';

type Item = Record<string, unknown>;

describe('DynamoDB table design on DynamoDB Local', () => {
  let backend: AwsBackend;
  let clients: AwsClients;
  let doc: DynamoDBDocumentClient;
  let registry: Registry;
  let sent: RequestRecorder;
  let work: string;

  beforeAll(async () => {
    backend = await makeAwsBackend();
    clients = createAwsClients(backend.config);
    sent = recordRequests(clients.dynamodb);
    registry = openAwsRegistry(backend.config, { clients, actor: 'table-tester', warn: () => {} });
    doc = DynamoDBDocumentClient.from(backend.clients.dynamodb);
    work = await mkdtemp(join(tmpdir(), 'modelreg-dynamodb-'));
  });

  afterAll(async () => {
    await registry?.close();
    clients?.dynamodb.destroy();
    clients?.s3.destroy();
    clients?.sns.destroy();
    await backend?.cleanup();
    if (work) await rm(work, { recursive: true, force: true });
  });

  function unique(prefix: string): string {
    return `${prefix}_${randomUUID().slice(0, 8)}`;
  }

  async function register(ref: ModelRef, input: Partial<RegisterInput> = {}): Promise<string> {
    const path = join(work, `${randomUUID()}.bin`);
    await writeFile(path, `weights ${randomUUID()}\n`);
    return (await registry.register({ ...ref, artifactPath: path, ...input })).version;
  }

  async function toProduction(ref: ModelRef, version: string): Promise<void> {
    await registry.promote({ ...ref, version, to: 'staging' });
    await registry.promote({ ...ref, version, to: 'production' });
  }

  /** Every item of an index partition (optionally a sort-key prefix), in index order. */
  async function queryIndex(index: string, pk: string, skPrefix?: string): Promise<Item[]> {
    const out = await doc.send(
      new QueryCommand({
        TableName: backend.config.table,
        IndexName: index,
        KeyConditionExpression: skPrefix
          ? `${index}PK = :pk AND begins_with(${index}SK, :prefix)`
          : `${index}PK = :pk`,
        ExpressionAttributeValues: { ':pk': pk, ...(skPrefix ? { ':prefix': skPrefix } : {}) },
      }),
    );
    return out.Items ?? [];
  }

  async function head(ref: ModelRef): Promise<Item | undefined> {
    const out = await doc.send(
      new GetCommand({
        TableName: backend.config.table,
        Key: { PK: `M#${ref.useCase}#${ref.modelName}`, SK: 'HEAD' },
        ConsistentRead: true,
      }),
    );
    return out.Item;
  }

  const docOf = (i: Item) => JSON.parse(i.doc as string) as Record<string, unknown>;

  describe('indexes', () => {
    // Two use cases: risk/{alpha, beta} and ops/gamma; alpha and gamma have a production version;
    // alpha 1.0.0 and gamma 1.0.0 come from one training run.
    let risk: string;
    let ops: string;
    let alpha: ModelRef;
    let beta: ModelRef;
    let gamma: ModelRef;
    let runId: string;

    beforeAll(async () => {
      risk = unique('risk');
      ops = unique('ops');
      alpha = { useCase: risk, modelName: 'alpha' };
      beta = { useCase: risk, modelName: 'beta' };
      gamma = { useCase: ops, modelName: 'gamma' };
      runId = unique('run');
      const lineage = { runId, datasetVersion: 'ds-1', codeVersion: 'abc123' };
      await register(alpha, { lineage });
      await register(alpha);
      await toProduction(alpha, '1.0.0');
      await toProduction(alpha, '1.0.1');
      await register(beta, { version: '1.2.0' });
      await register(beta, { version: '1.10.0' });
      await register(beta, { version: '1.0.0' });
      await register(gamma, { lineage });
      await toProduction(gamma, '1.0.0');
    });

    it('GSI1 lists the model heads of one use case, by model name', async () => {
      // Act
      const riskModels = await queryIndex('GSI1', `UC#${risk}`);
      const opsModels = await queryIndex('GSI1', `UC#${ops}`);

      // Assess
      expect(riskModels.map((i) => [i.PK, i.SK, i.GSI1SK, i.type])).toEqual([
        [`M#${risk}#alpha`, 'HEAD', 'M#alpha', 'head'],
        [`M#${risk}#beta`, 'HEAD', 'M#beta', 'head'],
      ]);
      expect(riskModels.map((i) => docOf(i).latestVersion)).toEqual(['1.0.1', '1.10.0']);
      expect(opsModels.map((i) => i.PK)).toEqual([`M#${ops}#gamma`]);
    });

    it('GSI2 STAGE#production lists the production version of every model across use cases', async () => {
      // Act
      const production = await queryIndex('GSI2', 'STAGE#production');

      // Assess
      expect(production.map((i) => [i.PK, i.version, i.stage])).toEqual(
        [
          [`M#${risk}#alpha`, '1.0.1', 'production'],
          [`M#${ops}#gamma`, '1.0.0', 'production'],
        ].sort((a, b) => (a[0]! < b[0]! ? -1 : 1)),
      );
      for (const i of production) expect(docOf(i).version).toBe(i.version);
    });

    it('GSI2 moves a version to its new stage partition when it changes stage', async () => {
      // Act
      const superseded = await queryIndex('GSI2', 'STAGE#superseded', `${risk}#alpha#`);
      const staging = await queryIndex('GSI2', 'STAGE#staging', `${risk}#alpha#`);

      // Assess: 1.0.0 left production when 1.0.1 arrived
      expect(superseded.map((i) => [i.version, i.stage])).toEqual([['1.0.0', 'superseded']]);
      expect(staging).toEqual([]);
    });

    it('GSI2 with a model prefix lists its versions in a stage newest first, by semver precedence', async () => {
      // Act
      const development = await queryIndex('GSI2', 'STAGE#development', `${risk}#beta#`);

      // Assess
      expect(development.map((i) => i.version)).toEqual(['1.10.0', '1.2.0', '1.0.0']);
    });

    it('GSI3 lists the versions a training run produced, across use cases', async () => {
      // Act
      const fromRun = await queryIndex('GSI3', `RUN#${runId}`);

      // Assess
      expect(fromRun.map((i) => [i.PK, i.version]).sort()).toEqual(
        [
          [`M#${ops}#gamma`, '1.0.0'],
          [`M#${risk}#alpha`, '1.0.0'],
        ].sort(),
      );
      for (const i of fromRun) expect((docOf(i).lineage as { runId: string }).runId).toBe(runId);
    });

    it('gives a version without a run id no GSI3 keys', async () => {
      // Act
      const out = await doc.send(
        new QueryCommand({
          TableName: backend.config.table,
          KeyConditionExpression: 'PK = :pk AND begins_with(SK, :v)',
          ExpressionAttributeValues: { ':pk': `M#${risk}#beta`, ':v': 'V#' },
          ConsistentRead: true,
        }),
      );

      // Assess
      expect(out.Items).toHaveLength(3);
      for (const i of out.Items ?? []) {
        expect(i.GSI3PK).toBeUndefined();
        expect(i.GSI3SK).toBeUndefined();
      }
    });
  });

  describe('model head', () => {
    it('increases its revision by exactly one per committed change, and not for no-ops or refused promotions', async () => {
      // Prepare
      const ref = { useCase: unique('rev'), modelName: 'churn' };
      const revisions: unknown[] = [];
      const step = async (act: () => Promise<unknown>) => {
        await act();
        revisions.push((await head(ref))?.revision);
      };

      // Act
      await step(() => register(ref, { metrics: { auc: 0.7 } }));
      await step(() => register(ref, { metrics: { auc: 0.9 } }));
      await step(() => registry.promote({ ...ref, version: '1.0.1', to: 'staging' }));
      await step(() => registry.promote({ ...ref, version: '1.0.1', to: 'production' }));
      await step(() => registry.promote({ ...ref, version: '1.0.1', to: 'production' })); // already there
      await step(() => registry.setAlias({ ...ref, version: '1.0.1', name: 'champion' }));
      await step(() =>
        registry.promote({ ...ref, version: '1.0.0', to: 'staging', gates: { min_auc: 0.8 } }),
      ); // refused by its gate
      await step(() => registry.archive({ ...ref, version: '1.0.0' }));

      // Assess
      expect(revisions).toEqual([1, 2, 3, 4, 4, 5, 5, 6]);
      const item = await head(ref);
      expect(item?.revision).toBe(6);
      expect(docOf(item!).revision).toBeUndefined();
      expect(docOf(item!).auditTip).toMatchObject({ seq: 6 });
    });
  });

  describe('access paths', () => {
    it('never scans: a whole lifecycle across every registry operation uses keys and indexes only', async () => {
      // Prepare
      const ref = { useCase: unique('noscan'), modelName: 'churn' };
      const runId = unique('run');
      sent.reset();

      // Act
      await register(ref, {
        metrics: { auc: 0.8 },
        lineage: { runId, datasetVersion: null, codeVersion: null },
      });
      await register(ref, { metrics: { auc: 0.9 } });
      await registry.info({ ...ref, version: '1.0.0' });
      await registry.listVersions(ref);
      await registry.listVersions({ ...ref, stage: 'development' });
      await registry.listModels({ useCase: ref.useCase });
      await registry.promote({ ...ref, stage: 'development', to: 'staging' });
      await registry.promote({ ...ref, version: '1.0.1', to: 'production' });
      await registry.promote({ ...ref, version: '1.0.0', to: 'staging' });
      await registry.promote({ ...ref, version: '1.0.0', to: 'production' });
      await registry.rollback(ref);
      await registry.setAlias({ ...ref, version: '1.0.0', name: 'shadow' });
      await registry.info({ ...ref, alias: 'shadow' });
      await registry.info({ ...ref, stage: 'production' });
      await registry.removeAlias({ ...ref, name: 'shadow' });
      await registry.demote({ ...ref, version: '1.0.1', to: 'staging' });
      await registry.archive({ ...ref, version: '1.0.0' });
      await registry.compare({ ...ref, a: '1.0.0', b: '1.0.1' });
      await registry.setPolicy({ ...ref, policy: { gates: { production: { min_auc: 0.5 } } } });
      await registry.getPolicy(ref);
      await registry.listInStage({ stage: 'staging' });
      await registry.listInStage({ stage: 'archived', useCase: ref.useCase });
      await registry.lineage({ runId });
      await registry.getArtifact({ ...ref, version: '1.0.1', output: join(work, randomUUID()) });
      await registry.auditTrail(ref);
      await registry.verifyAudit(ref);
      await registry.applyArchivalPolicy({ useCase: ref.useCase });
      await registry.listUndelivered();
      await registry.resendUndelivered();
      await registry.sweepArtifacts();

      // Assess
      const used = new Set(sent.sent.map((s) => s.command));
      expect(used.has('ScanCommand')).toBe(false);
      expect([...used].sort()).toEqual([
        'BatchGetItemCommand',
        'GetItemCommand',
        'QueryCommand',
        'TransactWriteItemsCommand',
      ]);
      expect(sent.count('QueryCommand')).toBeGreaterThan(5);
    });
  });
});
