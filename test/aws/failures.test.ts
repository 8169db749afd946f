/**
 * How the AWS backend fails: throttled and cancelled transactions, checksum errors,
 * SNS outages after a commit, timeouts between upload and commit, uploads that cannot
 * be removed. Everything runs on DynamoDB Local and moto; aws-sdk-client-mock replaces
 * single commands of single client instances only where the emulators cannot produce
 * the fault, and lets every other command through to them.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DeleteObjectsCommand, PutObjectCommand, S3ServiceException } from '@aws-sdk/client-s3';
import { PublishCommand, SNSServiceException } from '@aws-sdk/client-sns';
import { BatchGetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DynamoRegistryStore, translateCancellation } from '../../src/adapters/aws/dynamodb-store.js';
import { type AwsClients, createAwsClients } from '../../src/adapters/aws/index.js';
import { S3ArtifactStore } from '../../src/adapters/aws/s3-artifact-store.js';
import { SnsNotifier } from '../../src/adapters/aws/sns-notifier.js';
import type { AuditEvent } from '../../src/core/audit.js';
import { decidePromote, decideRegister } from '../../src/core/decisions.js';
import type { ChangeSet, VersionRecord } from '../../src/core/ports.js';
import {
  ArtifactIntegrityError,
  ConcurrentModificationError,
  Registry,
  VersionExistsError,
} from '../../src/index.js';
import { rejection } from '../contract/registry-contract.js';
import { listFilesUnder, sha256, writeFileArtifact, writeTree } from '../support/artifacts.js';
import { type AwsBackend, makeAwsBackend } from '../support/aws-backend.js';
import {
  badDigest,
  cancelAt,
  cancellation,
  documentClientOf,
  keysUnder,
  timeoutError,
} from '../support/aws-faults.js';

/** A registry on its own SDK clients, so mocking them touches nothing else. */
interface Rig {
  registry: Registry;
  store: DynamoRegistryStore;
  clients: AwsClients;
  warnings: string[];
}

/** A mock whose unconfigured commands go to the emulators. */
interface Restorable {
  send: { callThrough(): unknown };
  restore(): void;
}

describe('AWS backend failures', () => {
  let backend: AwsBackend;
  let work: string;
  let ref: { useCase: string; modelName: string };
  let rigs: Rig[];
  let mocks: Restorable[];
  /** An unmocked registry over the same table, bucket and topic, for looking at the outcome. */
  let reader: Rig;

  beforeEach(async () => {
    backend = await makeAwsBackend();
    work = await mkdtemp(join(tmpdir(), 'modelreg-aws-failures-'));
    ref = { useCase: `uc-${randomUUID().slice(0, 8)}`, modelName: 'churn' };
    rigs = [];
    mocks = [];
    reader = rig();
  });

  afterEach(async () => {
    for (const m of mocks) m.restore();
    for (const r of rigs) {
      r.clients.dynamodb.destroy();
      r.clients.s3.destroy();
      r.clients.sns.destroy();
    }
    await backend.cleanup();
    await rm(work, { recursive: true, force: true });
  });

  function rig(options: { maxAttempts?: number } = {}): Rig {
    const { config } = backend;
    const clients = createAwsClients(config);
    const store = new DynamoRegistryStore(clients.dynamodb, config.table);
    const warnings: string[] = [];
    const registry = new Registry({
      store,
      artifacts: new S3ArtifactStore(clients.s3, { bucket: config.bucket }),
      notifier: new SnsNotifier(clients.sns, { topicArn: config.topicArn, environment: config.environment }),
      actor: 'failure-tester',
      warn: (m) => warnings.push(m),
      ...(options.maxAttempts ? { maxAttempts: options.maxAttempts } : {}),
    });
    const made = { registry, store, clients, warnings };
    rigs.push(made);
    return made;
  }

  /** Lets every command the test does not configure through to the emulator; restored after the test. */
  function through<M extends Restorable>(mock: M): M {
    mock.send.callThrough();
    mocks.push(mock);
    return mock;
  }

  async function artifactFile(content = `weights ${randomUUID()}\n`): Promise<string> {
    return writeFileArtifact(join(work, randomUUID(), 'model.bin'), content);
  }

  function prefix(version: string): string {
    return `${ref.useCase}/${ref.modelName}/versions/${version}/`;
  }

  /** The objects under a version's prefix, read from moto directly. */
  function keys(version: string): Promise<string[]> {
    return keysUnder(backend.clients.s3, backend.config.bucket, prefix(version));
  }

  async function versions(): Promise<string[]> {
    const page = await reader.registry.listVersions({ ...ref, limit: 1000 });
    return page.items.map((v) => `${v.version}:${v.stage}`);
  }

  async function audit(): Promise<AuditEvent[]> {
    return (await reader.registry.auditTrail({ ...ref, limit: 1000 })).items;
  }

  async function production(): Promise<string[]> {
    const page = await reader.registry.listInStage({ stage: 'production', useCase: ref.useCase });
    return page.items.map((v) => v.version);
  }

  /** 1.0.0 in production and 1.0.1 in staging: promoting 1.0.1 writes two audit events. */
  async function productionAndCandidate(r: Rig): Promise<void> {
    await r.registry.register({ ...ref, artifactPath: await artifactFile() });
    await r.registry.register({ ...ref, artifactPath: await artifactFile() });
    await r.registry.promote({ ...ref, version: '1.0.0', to: 'staging' });
    await r.registry.promote({ ...ref, version: '1.0.0', to: 'production' });
    await r.registry.promote({ ...ref, version: '1.0.1', to: 'staging' });
  }

  describe('throttled transactions', () => {
    it('retries a transaction cancelled for throttling and promotes once when the next attempt goes through', async () => {
      // Prepare
      const r = rig();
      await productionAndCandidate(r);
      const ddb = through(mockClient(documentClientOf(r.store)));
      ddb.on(TransactWriteCommand).callsFakeOnce(cancelAt('head', 'ThrottlingError'));

      // Act
      const result = await r.registry.promote({ ...ref, version: '1.0.1', to: 'production' });

      // Assess
      expect(result).toMatchObject({ promoted: true, stage: 'production', supersededVersion: '1.0.0' });
      expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(2);
      expect(await production()).toEqual(['1.0.1']);
      expect(await versions()).toEqual(['1.0.1:production', '1.0.0:superseded']);
      const promotions = (await audit()).filter((e) => e.action === 'promote' && e.version === '1.0.1');
      expect(promotions.map((e) => e.toStage)).toEqual(['staging', 'production']);
    });

    it('fails with ConcurrentModificationError after maxAttempts when every attempt is throttled, leaving the version where it was', async () => {
      // Prepare
      const r = rig({ maxAttempts: 3 });
      await productionAndCandidate(r);
      const before = await audit();
      const ddb = through(mockClient(documentClientOf(r.store)));
      ddb.on(TransactWriteCommand).callsFake(cancelAt('head', 'ThrottlingError'));

      // Act
      const error = await rejection(
        r.registry.promote({ ...ref, version: '1.0.1', to: 'production' }),
        ConcurrentModificationError,
      );

      // Assess
      expect(error.message).toMatch(/gave up after 3 attempts/);
      expect(error.message).toMatch(/throttled \(ThrottlingError, None/);
      expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(3);
      expect(await production()).toEqual(['1.0.0']);
      expect(await versions()).toEqual(['1.0.1:staging', '1.0.0:production']);
      expect(await audit()).toEqual(before);
    });
  });

  describe('cancellation reasons through the registry', () => {
    it('retries after ConditionalCheckFailed on the model head and succeeds when the next attempt goes through', async () => {
      // Prepare
      const r = rig();
      await r.registry.register({ ...ref, artifactPath: await artifactFile() });
      const ddb = through(mockClient(documentClientOf(r.store)));
      ddb.on(TransactWriteCommand).callsFakeOnce(cancelAt('head', 'ConditionalCheckFailed'));

      // Act
      const result = await r.registry.promote({ ...ref, version: '1.0.0', to: 'staging' });

      // Assess
      expect(result).toMatchObject({ promoted: true, stage: 'staging' });
      expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(2);
      expect(await versions()).toEqual(['1.0.0:staging']);
      expect((await audit()).map((e) => e.action)).toEqual(['register', 'promote']);
    });

    it('fails with VersionExistsError without retrying when the new version item exists, and removes the upload', async () => {
      // Prepare
      const r = rig();
      await r.registry.register({ ...ref, artifactPath: await artifactFile() });
      const before = await audit();
      const ddb = through(mockClient(documentClientOf(r.store)));
      ddb.on(TransactWriteCommand).callsFake(cancelAt('version', 'ConditionalCheckFailed'));

      // Act
      const error = await rejection(
        r.registry.register({ ...ref, artifactPath: await artifactFile() }),
        VersionExistsError,
      );

      // Assess
      expect(error.details).toEqual({ version: '1.0.1' });
      expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(1);
      expect(await versions()).toEqual(['1.0.0:development']);
      expect(await audit()).toEqual(before);
      expect(await keys('1.0.1')).toEqual([]);
      expect((await r.store.listOrphans({})).items).toEqual([]);
    });

    it('fails with ConcurrentModificationError naming the version when its stage item no longer matches', async () => {
      // Prepare
      const r = rig({ maxAttempts: 2 });
      await r.registry.register({ ...ref, artifactPath: await artifactFile() });
      const ddb = through(mockClient(documentClientOf(r.store)));
      ddb.on(TransactWriteCommand).callsFake(cancelAt('stage', 'ConditionalCheckFailed'));

      // Act
      const error = await rejection(
        r.registry.promote({ ...ref, version: '1.0.0', to: 'staging' }),
        ConcurrentModificationError,
      );

      // Assess
      expect(error.message).toMatch(/version 1\.0\.0 is no longer development/);
      expect(error.details).toEqual({ version: '1.0.0', expectedStage: 'development' });
      expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(2);
      expect(await versions()).toEqual(['1.0.0:development']);
    });

    it('retries after a TransactionConflict and succeeds when the next attempt goes through', async () => {
      // Prepare
      const r = rig();
      await r.registry.register({ ...ref, artifactPath: await artifactFile() });
      const ddb = through(mockClient(documentClientOf(r.store)));
      ddb.on(TransactWriteCommand).callsFakeOnce(cancelAt('audit', 'TransactionConflict'));

      // Act
      const result = await r.registry.promote({ ...ref, version: '1.0.0', to: 'staging' });

      // Assess
      expect(result).toMatchObject({ promoted: true, stage: 'staging' });
      expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(2);
      expect(await versions()).toEqual(['1.0.0:staging']);
    });

    it('re-uploads the artifact when a registration is retried after a TransactionConflict', async () => {
      // Prepare
      const r = rig();
      const content = `weights ${randomUUID()}\n`;
      const ddb = through(mockClient(documentClientOf(r.store)));
      ddb.on(TransactWriteCommand).callsFakeOnce(cancelAt('head', 'TransactionConflict'));

      // Act
      const v = await r.registry.register({ ...ref, artifactPath: await artifactFile(content) });

      // Assess
      expect(v.version).toBe('1.0.0');
      expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(2);
      expect(await keys('1.0.0')).toEqual([
        `${prefix('1.0.0')}metadata.json`,
        `${prefix('1.0.0')}metrics.json`,
        `${prefix('1.0.0')}model/model.bin`,
      ]);
      const got = await reader.registry.getArtifact({ ...ref, version: '1.0.0', output: join(work, 'out') });
      expect(got.sha256).toBe(sha256(content));
    });
  });

  describe('translateCancellation', () => {
    const now = '2025-01-02T03:04:05.000Z';
    const who = { actor: 'tester', now };
    const model = { useCase: 'fraud', modelName: 'scorer' };
    const record: VersionRecord = {
      ...model,
      version: '1.0.0',
      stage: 'development',
      artifact: {
        uri: 's3://bucket/fraud/scorer/versions/1.0.0/model/m.bin',
        sha256: 'a'.repeat(64),
        sizeBytes: 1,
      },
      metrics: {},
      metadata: {},
      lineage: { runId: null, datasetVersion: null, codeVersion: null },
      tags: {},
      registeredAt: now,
      registeredBy: 'tester',
      stageUpdatedAt: now,
    };

    /** One change with every kind of item: head, new version 1.0.0, stage move of 1.0.0, two audit events. */
    function everyKind(): {
      change: ChangeSet;
      slots: ReturnType<DynamoRegistryStore['transaction']>['slots'];
    } {
      const registered = decideRegister(model, null, null, record, who).change!;
      const promoted = decidePromote(model, registered.head, record, 'staging', {}, who).change!;
      const change: ChangeSet = {
        ...registered,
        stageChanges: promoted.stageChanges,
        events: [...registered.events, ...promoted.events],
      };
      const store = new DynamoRegistryStore(new DynamoDBClient({ region: 'us-east-1' }), 'unused');
      return { change, slots: store.transaction(change).slots };
    }

    it('lays the items out as head, new versions, stage moves, audit events (and the use-case count of a new model last)', () => {
      // Act
      const { slots } = everyKind();

      // Assess
      expect(slots).toEqual([
        { kind: 'head' },
        { kind: 'new-version', version: '1.0.0' },
        { kind: 'stage', version: '1.0.0', from: 'development' },
        { kind: 'audit', seq: 1 },
        { kind: 'audit', seq: 2 },
        { kind: 'use-case' },
      ]);
    });

    it.each([
      {
        at: 0,
        slot: 'head',
        type: ConcurrentModificationError,
        message: /fraud\/scorer changed while this request was deciding \(expected revision 0\)/,
        details: { expectedRevision: 0 },
      },
      {
        at: 1,
        slot: 'new version',
        type: VersionExistsError,
        message: /version 1\.0\.0 already exists/,
        details: { version: '1.0.0' },
      },
      {
        at: 2,
        slot: 'stage',
        type: ConcurrentModificationError,
        message: /version 1\.0\.0 is no longer development/,
        details: { version: '1.0.0', expectedStage: 'development' },
      },
      {
        at: 4,
        slot: 'audit',
        type: ConcurrentModificationError,
        message: /audit event 2 was already written/,
        details: {},
      },
    ])('turns ConditionalCheckFailed on the $slot item into $type.name', ({ at, type, message, details }) => {
      // Prepare
      const { change, slots } = everyKind();
      const codes = slots.map((_, i) => (i === at ? 'ConditionalCheckFailed' : 'None'));

      // Act
      const error = translateCancellation(change, slots, cancellation(codes));

      // Assess
      expect(error).toBeInstanceOf(type);
      expect((error as Error).name).toBe(type.name);
      expect((error as Error).message).toMatch(message);
      expect((error as ConcurrentModificationError).details).toEqual(details);
    });

    it('turns a TransactionConflict on any item into ConcurrentModificationError', () => {
      // Prepare
      const { change, slots } = everyKind();

      // Act
      const error = translateCancellation(
        change,
        slots,
        cancellation(['None', 'None', 'TransactionConflict', 'None', 'None']),
      );

      // Assess
      expect(error).toBeInstanceOf(ConcurrentModificationError);
      expect((error as ConcurrentModificationError).details).toEqual({ reason: 'TransactionConflict' });
    });

    it('turns a TransactionConflictException (outside a cancellation) into ConcurrentModificationError', () => {
      // Prepare
      const { change, slots } = everyKind();
      const conflict = Object.assign(new Error('Transaction is ongoing for the item'), {
        name: 'TransactionConflictException',
      });

      // Act
      const error = translateCancellation(change, slots, conflict);

      // Assess
      expect(error).toBeInstanceOf(ConcurrentModificationError);
      expect((error as Error).message).toMatch(/being changed by another transaction/);
    });

    it.each(['ThrottlingError', 'ProvisionedThroughputExceeded'])(
      'turns a cancellation for %s into a retryable ConcurrentModificationError',
      (code) => {
        // Prepare
        const { change, slots } = everyKind();

        // Act
        const error = translateCancellation(
          change,
          slots,
          cancellation(['None', code, 'None', 'None', 'None']),
        );

        // Assess
        expect(error).toBeInstanceOf(ConcurrentModificationError);
        expect((error as Error).message).toMatch(new RegExp(`throttled \\(None, ${code}, None`));
      },
    );

    it('names the first failed item when several reasons are given', () => {
      // Prepare
      const { change, slots } = everyKind();

      // Act
      const error = translateCancellation(
        change,
        slots,
        cancellation(['ThrottlingError', 'ConditionalCheckFailed', 'TransactionConflict', 'None', 'None']),
      );

      // Assess
      expect(error).toBeInstanceOf(VersionExistsError);
    });

    it('returns a cancellation it cannot explain unchanged (a validation failure, say)', () => {
      // Prepare
      const { change, slots } = everyKind();
      const cancelled = cancellation(['None', 'ValidationError', 'None', 'None', 'None']);

      // Act
      const error = translateCancellation(change, slots, cancelled);

      // Assess
      expect(error).toBe(cancelled);
      expect(error).toBeInstanceOf(TransactionCanceledException);
    });

    it('returns errors that are not cancellations unchanged', () => {
      // Prepare
      const { change, slots } = everyKind();
      const timeout = timeoutError();

      // Act
      const error = translateCancellation(change, slots, timeout);

      // Assess
      expect(error).toBe(timeout);
    });
  });

  describe('S3 checksum errors and altered objects', () => {
    it('fails with the checksum error when S3 rejects the model upload, registering nothing', async () => {
      // Prepare
      const r = rig();
      await r.registry.register({ ...ref, artifactPath: await artifactFile() });
      const before = await audit();
      const s3 = through(mockClient(r.clients.s3));
      s3.on(PutObjectCommand).rejectsOnce(badDigest());

      // Act
      const outcome = r.registry.register({ ...ref, artifactPath: await artifactFile() });

      // Assess
      await expect(outcome).rejects.toMatchObject({ name: 'BadDigest', message: /did not match/ });
      expect(await versions()).toEqual(['1.0.0:development']);
      expect(await audit()).toEqual(before);
      expect(await keys('1.0.1')).toEqual([]);
      expect((await r.store.listOrphans({})).items).toEqual([]);
    });

    it('fails with the checksum error when S3 rejects a sidecar, leaving nothing under the version prefix', async () => {
      // Prepare
      const r = rig();
      await r.registry.register({ ...ref, artifactPath: await artifactFile() });
      const before = await audit();
      const s3 = through(mockClient(r.clients.s3));
      s3.on(PutObjectCommand, { Key: `${prefix('1.0.1')}metrics.json` }).rejects(badDigest());

      // Act
      const outcome = r.registry.register({ ...ref, artifactPath: await artifactFile() });

      // Assess
      await expect(outcome).rejects.toMatchObject({ name: 'BadDigest' });
      expect(s3.commandCalls(PutObjectCommand)).toHaveLength(3);
      expect(await versions()).toEqual(['1.0.0:development']);
      expect(await audit()).toEqual(before);
      expect(await keys('1.0.1')).toEqual([]);
    });

    it('fails with the checksum error when S3 rejects the second file of a directory, leaving nothing behind', async () => {
      // Prepare
      const r = rig();
      const source = await writeTree(join(work, 'bundle'), { 'a.bin': 'a', 'b.bin': 'b', 'c.bin': 'c' });
      const s3 = through(mockClient(r.clients.s3));
      s3.on(PutObjectCommand, { Key: `${prefix('1.0.0')}model/b.bin` }).rejects(badDigest());

      // Act
      const outcome = r.registry.register({ ...ref, artifactPath: source });

      // Assess
      await expect(outcome).rejects.toMatchObject({ name: 'BadDigest' });
      expect(s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input.Key)).toEqual([
        `${prefix('1.0.0')}model/a.bin`,
        `${prefix('1.0.0')}model/b.bin`,
      ]);
      expect(await keys('1.0.0')).toEqual([]);
      expect((await r.registry.listModels({ useCase: ref.useCase })).items).toEqual([]);
    });

    it('registers the version normally once S3 accepts the upload again', async () => {
      // Prepare
      const r = rig();
      const s3 = through(mockClient(r.clients.s3));
      s3.on(PutObjectCommand).rejectsOnce(badDigest());
      await expect(r.registry.register({ ...ref, artifactPath: await artifactFile() })).rejects.toThrow();
      const content = `weights ${randomUUID()}\n`;

      // Act
      const v = await r.registry.register({ ...ref, artifactPath: await artifactFile(content) });

      // Assess
      expect(v.version).toBe('1.0.0');
      const got = await reader.registry.getArtifact({ ...ref, version: '1.0.0', output: join(work, 'out') });
      expect(got.sha256).toBe(sha256(content));
    });

    it('refuses to hand out a file artifact overwritten in the bucket after registration, leaving no copy', async () => {
      // Prepare
      const content = `weights ${randomUUID()}\n`;
      await reader.registry.register({ ...ref, artifactPath: await artifactFile(content) });
      await backend.clients.s3.send(
        new PutObjectCommand({
          Bucket: backend.config.bucket,
          Key: `${prefix('1.0.0')}model/model.bin`,
          Body: 'tampered weights\n',
        }),
      );
      const out = join(work, 'out');

      // Act
      const error = await rejection(
        reader.registry.getArtifact({ ...ref, version: '1.0.0', output: out }),
        ArtifactIntegrityError,
      );

      // Assess
      expect(error.details).toMatchObject({
        expected: sha256(content),
        actual: sha256('tampered weights\n'),
      });
      expect(await listFilesUnder(out)).toEqual([]);
    });

    it('refuses to hand out a directory artifact with an object added after registration, leaving no copy', async () => {
      // Prepare
      const source = await writeTree(join(work, 'bundle'), {
        'weights.bin': 'w',
        'config/params.json': '{}',
      });
      await reader.registry.register({ ...ref, artifactPath: source });
      await backend.clients.s3.send(
        new PutObjectCommand({
          Bucket: backend.config.bucket,
          Key: `${prefix('1.0.0')}model/config/extra.json`,
          Body: '{"injected": true}',
        }),
      );
      const out = join(work, 'out');

      // Act
      await rejection(
        reader.registry.getArtifact({ ...ref, version: '1.0.0', output: out }),
        ArtifactIntegrityError,
      );

      // Assess
      expect(await listFilesUnder(out)).toEqual([]);
    });
  });

  describe('SNS failures after a committed change', () => {
    const snsDown = () =>
      new SNSServiceException({
        name: 'InternalErrorException',
        $fault: 'server',
        $metadata: { httpStatusCode: 500 },
        message: 'SNS is unavailable',
      });

    /** The ids the registry keeps undelivered events under, one per audit event. */
    function idsOf(events: AuditEvent[]): string[] {
      return events.map((e) => `${ref.useCase}/${ref.modelName}#${e.seq}`);
    }

    async function delivered(): Promise<string[]> {
      return (await backend.events())
        .filter((e) => e.useCase === ref.useCase && e.modelName === ref.modelName)
        .map((e) => `${e.type}@${e.seq}`);
    }

    /** Promotes 1.0.1 to production (a promote and an archive event) while every publish fails. */
    async function promoteWhileSnsFails(): Promise<{
      r: Rig;
      sns: Restorable;
      lost: AuditEvent[];
    }> {
      const r = rig();
      await productionAndCandidate(r);
      const sns = through(mockClient(r.clients.sns));
      sns.on(PublishCommand).rejects(snsDown());
      const result = await r.registry.promote({ ...ref, version: '1.0.1', to: 'production' });
      expect(result).toMatchObject({ promoted: true, supersededVersion: '1.0.0' });
      return { r, sns, lost: (await audit()).slice(-2) };
    }

    it('commits a promotion whose notifications fail and lists exactly those events as undelivered', async () => {
      // Act
      const { r, lost } = await promoteWhileSnsFails();

      // Assess
      expect((await reader.registry.info({ ...ref, version: '1.0.1' })).stage).toBe('production');
      expect(lost.map((e) => `${e.action}:${e.version}`)).toEqual(['promote:1.0.1', 'supersede:1.0.0']);
      const undelivered = (await r.registry.listUndelivered()).items;
      expect(undelivered.map((u) => u.id)).toEqual(idsOf(lost));
      expect(undelivered.map((u) => u.attempts)).toEqual([1, 1]);
      for (const u of undelivered) {
        expect(u.error).toMatch(/SNS publish failed for 2 of 2 events: SNS is unavailable/);
      }
      expect(undelivered.map((u) => `${u.event.type}@${u.event.seq}`)).toEqual(
        lost.map((e) => `model.${e.action}@${e.seq}`),
      );
      expect(r.warnings).toEqual([expect.stringMatching(/committed but 2 notification\(s\) failed/)]);
      expect(await delivered()).not.toContain(`model.promote@${lost[0]!.seq}`);
    });

    it('keeps undelivered events with their attempts counted when a resend fails again', async () => {
      // Prepare
      const { r, lost } = await promoteWhileSnsFails();

      // Act
      const result = await r.registry.resendUndelivered({});

      // Assess
      expect(result.sent).toEqual([]);
      expect(result.failed.map((f) => f.id)).toEqual(idsOf(lost));
      expect(result.failed[0]!.error).toMatch(/SNS is unavailable/);
      const undelivered = (await r.registry.listUndelivered()).items;
      expect(undelivered.map((u) => [u.id, u.attempts])).toEqual(idsOf(lost).map((id) => [id, 2]));
    });

    it('delivers undelivered events to the subscribed queue once SNS is back, and clears the list', async () => {
      // Prepare
      const { r, sns, lost } = await promoteWhileSnsFails();
      await r.registry.resendUndelivered({});
      sns.restore();

      // Act
      const result = await r.registry.resendUndelivered({});

      // Assess
      expect(result).toEqual({ sent: idsOf(lost), failed: [] });
      expect((await r.registry.listUndelivered()).items).toEqual([]);
      const got = await delivered();
      for (const e of lost) {
        expect(got.filter((d) => d === `model.${e.action}@${e.seq}`)).toHaveLength(1);
      }
    });

    it('keeps only the event whose publish failed when one of two fails', async () => {
      // Prepare
      const r = rig();
      await productionAndCandidate(r);
      const sns = through(mockClient(r.clients.sns));
      sns.on(PublishCommand).rejectsOnce(snsDown());

      // Act
      await r.registry.promote({ ...ref, version: '1.0.1', to: 'production' });

      // Assess
      const [promote, archive] = (await audit()).slice(-2) as [AuditEvent, AuditEvent];
      const undelivered = (await r.registry.listUndelivered()).items;
      expect(undelivered.map((u) => u.id)).toEqual(idsOf([promote]));
      expect(undelivered[0]!.error).toMatch(/SNS publish failed for 1 of 2 events/);
      const got = await delivered();
      expect(got).toContain(`model.supersede@${archive.seq}`);
      expect(got).not.toContain(`model.promote@${promote.seq}`);
      expect(sns.commandCalls(PublishCommand)).toHaveLength(2);
    });
  });

  describe('timeouts between upload and commit', () => {
    it('fails, removes the upload and registers nothing when the commit timed out without writing', async () => {
      // Prepare
      const r = rig();
      await r.registry.register({ ...ref, artifactPath: await artifactFile() });
      const before = await audit();
      const ddb = through(mockClient(documentClientOf(r.store)));
      ddb.on(TransactWriteCommand).rejectsOnce(timeoutError());

      // Act
      const outcome = r.registry.register({ ...ref, artifactPath: await artifactFile() });

      // Assess
      await expect(outcome).rejects.toMatchObject({ name: 'TimeoutError' });
      expect(await keys('1.0.1')).toEqual([]);
      expect(await versions()).toEqual(['1.0.0:development']);
      expect(await audit()).toEqual(before);
      expect((await r.store.listOrphans({})).items).toEqual([]);
      expect(r.warnings).toEqual([]);
    });

    it('reports success when the commit went through but its answer timed out', async () => {
      // Prepare
      const r = rig();
      const doc = documentClientOf(r.store);
      const send = doc.send.bind(doc);
      const ddb = through(mockClient(doc));
      ddb.on(TransactWriteCommand).callsFakeOnce(async (input) => {
        await send(new TransactWriteCommand(input));
        throw timeoutError();
      });
      const content = `weights ${randomUUID()}\n`;

      // Act
      const v = await r.registry.register({ ...ref, artifactPath: await artifactFile(content) });

      // Assess
      expect(v).toMatchObject({ version: '1.0.0', stage: 'development' });
      expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(1);
      expect(await versions()).toEqual(['1.0.0:development']);
      expect((await audit()).map((e) => e.action)).toEqual(['register']);
      expect(await keys('1.0.0')).toHaveLength(3);
      const got = await reader.registry.getArtifact({ ...ref, version: '1.0.0', output: join(work, 'out') });
      expect(got.sha256).toBe(sha256(content));
      expect((await r.store.listOrphans({})).items).toEqual([]);
      expect((await backend.events()).map((e) => `${e.type}:${e.version}`)).toEqual(['model.register:1.0.0']);
    });
  });

  describe('uploads that cannot be removed', () => {
    const s3Down = () =>
      new S3ServiceException({
        name: 'SlowDown',
        $fault: 'server',
        $metadata: { httpStatusCode: 503 },
        message: 'Please reduce your request rate.',
      });

    /** Registers 1.0.0, then fails 1.0.1: its commit times out and its objects cannot be deleted. */
    async function orphanedUpload(): Promise<Rig> {
      const r = rig({ maxAttempts: 3 });
      await r.registry.register({ ...ref, artifactPath: await artifactFile() });
      const ddb = through(mockClient(documentClientOf(r.store)));
      ddb.on(TransactWriteCommand).rejectsOnce(timeoutError());
      const s3 = through(mockClient(r.clients.s3));
      s3.on(DeleteObjectsCommand).rejects(s3Down());
      await expect(r.registry.register({ ...ref, artifactPath: await artifactFile() })).rejects.toMatchObject(
        {
          name: 'TimeoutError',
        },
      );
      return r;
    }

    it('records an orphan and keeps the objects when neither the commit nor the removal succeeds', async () => {
      // Act
      const r = await orphanedUpload();

      // Assess
      const orphans = (await reader.store.listOrphans({})).items;
      expect(orphans).toEqual([
        expect.objectContaining({ ...ref, version: '1.0.1', error: 'Please reduce your request rate.' }),
      ]);
      expect(await keys('1.0.1')).toHaveLength(3);
      expect(await versions()).toEqual(['1.0.0:development']);
      expect(r.warnings).toEqual([expect.stringMatching(/1\.0\.1 could not be removed .* artifact sweep/)]);
    });

    it('reports the orphan on a dry-run sweep without removing anything', async () => {
      // Prepare
      await orphanedUpload();

      // Act
      const result = await reader.registry.sweepArtifacts({ dryRun: true });

      // Assess
      expect(result).toEqual({
        removed: [`${ref.useCase}/${ref.modelName} 1.0.1`],
        kept: [],
        failed: [],
        leftovers: expect.any(Array),
        freedBytes: expect.any(Number),
        dryRun: true,
      });
      expect(await keys('1.0.1')).toHaveLength(3);
      expect((await reader.store.listOrphans({})).items).toHaveLength(1);
    });

    it('keeps the orphan record when the sweep cannot remove the objects either', async () => {
      // Prepare
      const r = await orphanedUpload();

      // Act
      const result = await r.registry.sweepArtifacts();

      // Assess
      expect(result.removed).toEqual([]);
      expect(result.failed).toEqual([
        { artifact: `${ref.useCase}/${ref.modelName} 1.0.1`, error: 'Please reduce your request rate.' },
      ]);
      expect(await keys('1.0.1')).toHaveLength(3);
      expect((await reader.store.listOrphans({})).items).toHaveLength(1);
    });

    it('removes the objects and the record when swept with S3 healthy, freeing the version', async () => {
      // Prepare
      await orphanedUpload();

      // Act
      const result = await reader.registry.sweepArtifacts();

      // Assess
      expect(result).toEqual({
        removed: [`${ref.useCase}/${ref.modelName} 1.0.1`],
        kept: [],
        failed: [],
        leftovers: expect.any(Array),
        freedBytes: expect.any(Number),
        dryRun: false,
      });
      expect(await keys('1.0.1')).toEqual([]);
      expect((await reader.store.listOrphans({})).items).toEqual([]);
      const next = await reader.registry.register({ ...ref, artifactPath: await artifactFile() });
      expect(next.version).toBe('1.0.1');
    });

    it('refuses to register over an orphaned upload until it is swept', async () => {
      // Prepare
      await orphanedUpload();
      const r = rig({ maxAttempts: 2 });

      // Act
      const error = await rejection(
        r.registry.register({ ...ref, artifactPath: await artifactFile() }),
        ConcurrentModificationError,
      );

      // Assess
      expect(error.message).toMatch(
        /1\.0\.1\/model\/model\.bin already exists; artifacts are never overwritten/,
      );
      expect(await versions()).toEqual(['1.0.0:development']);
      expect(await keys('1.0.1')).toHaveLength(3);
    });

    it('drops the record of an upload whose version did get registered, keeping its objects', async () => {
      // Prepare: the commit goes through but its answer times out, and so does the read-back.
      const r = rig();
      const doc = documentClientOf(r.store);
      const send = doc.send.bind(doc);
      const ddb = through(mockClient(doc));
      let readsFail = false;
      ddb.on(BatchGetCommand).callsFake(async (input) => {
        if (readsFail) throw timeoutError('BatchGetItem');
        return send(new BatchGetCommand(input));
      });
      ddb.on(TransactWriteCommand).callsFakeOnce(async (input) => {
        await send(new TransactWriteCommand(input));
        readsFail = true;
        throw timeoutError();
      });
      const content = `weights ${randomUUID()}\n`;
      await expect(
        r.registry.register({ ...ref, artifactPath: await artifactFile(content) }),
      ).rejects.toMatchObject({ name: 'TimeoutError' });
      expect((await reader.store.listOrphans({})).items).toEqual([
        expect.objectContaining({ version: '1.0.0', error: expect.stringMatching(/^outcome unknown/) }),
      ]);

      // Act
      const dry = await reader.registry.sweepArtifacts({ dryRun: true });
      const result = await reader.registry.sweepArtifacts();

      // Assess
      const label = `${ref.useCase}/${ref.modelName} 1.0.0`;
      expect(dry).toEqual({
        removed: [],
        kept: [label],
        failed: [],
        leftovers: expect.any(Array),
        freedBytes: expect.any(Number),
        dryRun: true,
      });
      expect(result).toEqual({
        removed: [],
        kept: [label],
        failed: [],
        leftovers: expect.any(Array),
        freedBytes: expect.any(Number),
        dryRun: false,
      });
      expect((await reader.store.listOrphans({})).items).toEqual([]);
      expect(await keys('1.0.0')).toHaveLength(3);
      const got = await reader.registry.getArtifact({ ...ref, version: '1.0.0', output: join(work, 'out') });
      expect(got.sha256).toBe(sha256(content));
    });
  });
});
