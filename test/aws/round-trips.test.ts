/**
 * What each registry operation costs on AWS, in HTTP requests per service, counted by a
 * middleware at the SDK's `deserialize` step (inside the retry loop, so retries count).
 * Each test prepares its own model without counting, then counts one operation.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AwsClients, createAwsClients } from '../../src/adapters/aws/index.js';
import type { Registry } from '../../src/app/registry.js';
import { openAwsRegistry } from '../../src/compose/aws.js';
import type { ModelRef } from '../../src/core/model.js';
import { type AwsBackend, makeAwsBackend } from '../support/aws-backend.js';
import { type RequestRecorder, recordRequests } from '../support/sdk-requests.js';

type Counts = Record<string, number>;
interface Cost {
  dynamodb: Counts;
  s3: Counts;
  sns: Counts;
}

/** The figures measured by this file, printed as a table at the end. */
const figures: { operation: string; cost: Cost }[] = [];

// Every commit also reads the active webhook subscriptions (one GetItem of their index record),
// so that the deliveries it owes are written by the same transaction (the outbox).
describe('AWS round trips per registry operation', () => {
  let backend: AwsBackend;
  let clients: AwsClients;
  let registry: Registry;
  let work: string;
  let recorders: { dynamodb: RequestRecorder; s3: RequestRecorder; sns: RequestRecorder };
  let files = 0;

  beforeAll(async () => {
    backend = await makeAwsBackend();
    clients = createAwsClients(backend.config);
    recorders = {
      dynamodb: recordRequests(clients.dynamodb),
      s3: recordRequests(clients.s3),
      sns: recordRequests(clients.sns),
    };
    registry = openAwsRegistry(backend.config, { clients, actor: 'round-trips', warn: () => {} });
    await registry.webhooks().drain(); // the scheduled worker's first run writes the subscription index
    work = await mkdtemp(join(tmpdir(), 'modelreg-round-trips-'));
  });

  afterAll(async () => {
    const rows = figures.map(({ operation, cost }) => ({
      operation,
      dynamodb: describeCounts(cost.dynamodb),
      s3: describeCounts(cost.s3),
      sns: describeCounts(cost.sns),
      total: total(cost),
    }));
    console.log('AWS requests per registry operation (HTTP attempts, retries included):');
    console.table(rows);
    await registry?.close();
    clients?.dynamodb.destroy();
    clients?.s3.destroy();
    clients?.sns.destroy();
    await backend?.cleanup();
    if (work) await rm(work, { recursive: true, force: true });
  });

  function describeCounts(c: Counts): string {
    return (
      Object.entries(c)
        .map(([name, n]) => `${n} ${name.replace(/Command$/, '')}`)
        .join(' + ') || '-'
    );
  }

  function total(c: Cost): number {
    return [c.dynamodb, c.s3, c.sns].flatMap((x) => Object.values(x)).reduce((a, b) => a + b, 0);
  }

  /** Runs `act` with fresh counters and records what it sent under `operation`. */
  async function measure<T>(operation: string, act: () => Promise<T>): Promise<{ cost: Cost; result: T }> {
    for (const r of Object.values(recorders)) r.reset();
    const result = await act();
    const cost = {
      dynamodb: recorders.dynamodb.counts(),
      s3: recorders.s3.counts(),
      sns: recorders.sns.counts(),
    };
    figures.push({ operation, cost });
    return { cost, result };
  }

  function newModel(): ModelRef {
    return { useCase: 'round_trips', modelName: `m-${randomUUID().slice(0, 8)}` };
  }

  async function artifact(): Promise<string> {
    files += 1;
    const path = join(work, `model-${files}.bin`);
    await writeFile(path, `small weights ${files} ${randomUUID()}\n`);
    return path;
  }

  async function register(ref: ModelRef, auc = 0.9): Promise<string> {
    return (await registry.register({ ...ref, artifactPath: await artifact(), metrics: { auc } })).version;
  }

  /** Registers a version and moves it to production (archiving the one there before). */
  async function toProduction(ref: ModelRef, auc = 0.9): Promise<string> {
    const version = await register(ref, auc);
    await registry.promote({ ...ref, version, to: 'staging' });
    await registry.promote({ ...ref, version, to: 'production' });
    return version;
  }

  describe('the request recorder', () => {
    it('counts every HTTP attempt, so a request the SDK retries counts twice', async () => {
      // Prepare: the first BatchGetItem attempt fails with a retryable 500, inside the retry loop
      const ref = newModel();
      const version = await register(ref);
      let injected = false;
      clients.dynamodb.middlewareStack.add(
        (next) => async (args) => {
          if (!injected) {
            injected = true;
            throw Object.assign(new Error('injected server error'), {
              name: 'InternalServerError',
              $fault: 'server',
              $metadata: { httpStatusCode: 500 },
            });
          }
          return next(args);
        },
        { step: 'deserialize', priority: 'low', name: 'injectOneServerError' },
      );

      try {
        // Act
        const { cost, result } = await measure('(info, first attempt failed)', () =>
          registry.info({ ...ref, version }),
        );

        // Assess
        expect(injected).toBe(true);
        expect(result.version).toBe(version);
        expect(cost.dynamodb).toEqual({ BatchGetItemCommand: 2 });
      } finally {
        clients.dynamodb.middlewareStack.remove('injectOneServerError');
      }
    });
  });

  describe('register', () => {
    it('costs 1 BatchGetItem, 1 TransactWriteItems, 3 PutObject and 1 Publish for a small file', async () => {
      // Prepare
      const ref = newModel();
      const path = await artifact();

      // Act
      const { cost, result } = await measure('register (small file)', () =>
        registry.register({ ...ref, artifactPath: path, metrics: { auc: 0.9 } }),
      );

      // Assess
      expect(result.version).toBe('1.0.0');
      expect(cost).toEqual({
        dynamodb: { GetItemCommand: 1, BatchGetItemCommand: 1, TransactWriteItemsCommand: 1 },
        // model + metadata.json + metrics.json, after one listing of the version prefix
        // (S3ArtifactStore.clearAbandoned: objects left by a crashed registration)
        s3: { PutObjectCommand: 3 },
        sns: { PublishCommand: 1 },
      });
    });

    it('costs the same for the next version of an existing model', async () => {
      // Prepare
      const ref = newModel();
      await register(ref);
      const path = await artifact();

      // Act
      const { cost, result } = await measure('register (second version)', () =>
        registry.register({ ...ref, artifactPath: path }),
      );

      // Assess
      expect(result.version).toBe('1.0.1');
      expect(cost).toEqual({
        dynamodb: { GetItemCommand: 1, BatchGetItemCommand: 1, TransactWriteItemsCommand: 1 },
        // model + metadata.json + metrics.json, after one listing of the version prefix
        // (S3ArtifactStore.clearAbandoned: objects left by a crashed registration)
        s3: { PutObjectCommand: 3 },
        sns: { PublishCommand: 1 },
      });
    });
  });

  describe('reads', () => {
    it('info by version costs 1 BatchGetItem and nothing else', async () => {
      // Prepare
      const ref = newModel();
      const version = await register(ref);

      // Act
      const { cost, result } = await measure('info --version', () => registry.info({ ...ref, version }));

      // Assess
      expect(result.version).toBe(version);
      expect(cost).toEqual({ dynamodb: { BatchGetItemCommand: 1 }, s3: {}, sns: {} });
    });

    it('listVersions costs 1 GetItem (the head) and 1 Query', async () => {
      // Prepare
      const ref = newModel();
      await register(ref);
      await register(ref);

      // Act
      const { cost, result } = await measure('models list --model', () => registry.listVersions(ref));

      // Assess
      expect(result.items.map((v) => v.version)).toEqual(['1.0.1', '1.0.0']);
      expect(cost).toEqual({ dynamodb: { GetItemCommand: 1, QueryCommand: 1 }, s3: {}, sns: {} });
    });

    it('audit verify costs 1 GetItem (the head) and 1 Query', async () => {
      // Prepare
      const ref = newModel();
      await toProduction(ref);

      // Act
      const { cost, result } = await measure('audit verify', () => registry.verifyAudit(ref));

      // Assess
      expect(result).toMatchObject({ valid: true, checked: 3 });
      expect(cost).toEqual({ dynamodb: { GetItemCommand: 1, QueryCommand: 1 }, s3: {}, sns: {} });
    });
  });

  describe('promote', () => {
    it('staging → production with --version costs 1 BatchGetItem, 1 TransactWriteItems and 1 Publish', async () => {
      // Prepare
      const ref = newModel();
      const version = await register(ref);
      await registry.promote({ ...ref, version, to: 'staging' });

      // Act
      const { cost, result } = await measure('promote --version → production (first)', () =>
        registry.promote({ ...ref, version, to: 'production' }),
      );

      // Assess
      expect(result).toMatchObject({ promoted: true, stage: 'production', archivedVersion: null });
      expect(cost).toEqual({
        dynamodb: { GetItemCommand: 1, BatchGetItemCommand: 1, TransactWriteItemsCommand: 1 },
        s3: {},
        sns: { PublishCommand: 1 },
      });
    });

    it('staging → production with --version that archives the previous version publishes 2 events, still 1 read and 1 write', async () => {
      // Prepare
      const ref = newModel();
      const previous = await toProduction(ref);
      const version = await register(ref, 0.95);
      await registry.promote({ ...ref, version, to: 'staging' });

      // Act
      const { cost, result } = await measure('promote --version → production (archives previous)', () =>
        registry.promote({ ...ref, version, to: 'production' }),
      );

      // Assess
      expect(result).toMatchObject({ promoted: true, stage: 'production', supersededVersion: previous });
      expect(cost).toEqual({
        dynamodb: { GetItemCommand: 1, BatchGetItemCommand: 1, TransactWriteItemsCommand: 1 },
        s3: {},
        sns: { PublishCommand: 2 },
      });
    });

    it('by --stage staging costs 1 Query (GSI2) and 1 BatchGetItem before the write, no separate head read', async () => {
      // Prepare
      const ref = newModel();
      const previous = await toProduction(ref);
      const version = await register(ref, 0.95);
      await registry.promote({ ...ref, version, to: 'staging' });

      // Act
      const { cost, result } = await measure('promote --stage staging → production', () =>
        registry.promote({ ...ref, stage: 'staging', to: 'production' }),
      );

      // Assess
      expect(result).toMatchObject({ promoted: true, version, supersededVersion: previous });
      expect(cost).toEqual({
        dynamodb: {
          QueryCommand: 1,
          GetItemCommand: 1,
          BatchGetItemCommand: 1,
          TransactWriteItemsCommand: 1,
        },
        s3: {},
        sns: { PublishCommand: 2 },
      });
    });

    it('by --alias costs 1 GetItem (to resolve the alias) and 1 BatchGetItem before the write', async () => {
      // Prepare
      const ref = newModel();
      const version = await register(ref);
      await registry.promote({ ...ref, version, to: 'staging' });
      await registry.setAlias({ ...ref, version, name: 'candidate' });

      // Act
      const { cost, result } = await measure('promote --alias → production', () =>
        registry.promote({ ...ref, alias: 'candidate', to: 'production' }),
      );

      // Assess
      expect(result).toMatchObject({ promoted: true, version, stage: 'production' });
      expect(cost).toEqual({
        dynamodb: {
          GetItemCommand: 2,
          BatchGetItemCommand: 1,
          TransactWriteItemsCommand: 1,
        },
        s3: {},
        sns: { PublishCommand: 1 },
      });
    });
  });

  describe('rollback', () => {
    it('without a version costs 1 GetItem (the previous production version) and 1 BatchGetItem before the write', async () => {
      // Prepare
      const ref = newModel();
      const first = await toProduction(ref);
      const second = await toProduction(ref, 0.95);

      // Act
      const { cost, result } = await measure('rollback (no version)', () => registry.rollback(ref));

      // Assess
      expect(result).toMatchObject({ rolledBack: true, version: first, archivedVersion: second });
      expect(cost).toEqual({
        dynamodb: {
          GetItemCommand: 2,
          BatchGetItemCommand: 1,
          TransactWriteItemsCommand: 1,
        },
        s3: {},
        sns: { PublishCommand: 2 },
      });
    });
  });
});
