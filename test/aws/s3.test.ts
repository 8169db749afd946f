/**
 * The S3 artifact store against moto's S3: the key layout, the checksums S3 keeps,
 * If-None-Match protection, directory artifacts, multipart uploads and SSE-KMS. What the
 * store sends is recorded with a middleware, what S3 kept is read back with the SDK.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { S3ArtifactStore } from '../../src/adapters/aws/s3-artifact-store.js';
import { manifestDigest } from '../../src/adapters/files.js';
import { ConcurrentModificationError } from '../../src/core/errors.js';
import type { ModelRef } from '../../src/core/model.js';
import { rejection } from '../contract/registry-contract.js';
import { readTree, sha256, writeFileArtifact, writeTree } from '../support/artifacts.js';
import { type RequestRecorder, recordRequests } from '../support/sdk-requests.js';

const MiB = 1024 * 1024;
/** A key id as MODELREG_KMS_KEY_ID would give it (moto's S3 keeps it without asking KMS). */
const KMS_KEY_ID = 'arn:aws:kms:us-east-1:123456789012:key/0b6a1f7e-2c1d-4c9e-9a43-6f2f0c1d2e3f';
const SIDECARS = { metadata: { framework: 'xgboost', drift_check_passed: true }, metrics: { auc: 0.91 } };

const base64Of = (hex: string) => Buffer.from(hex, 'hex').toString('base64');

describe('S3ArtifactStore on moto', () => {
  let s3: S3Client;
  let sent: RequestRecorder;
  let bucket: string;
  let work: string;

  beforeAll(async () => {
    s3 = new S3Client({
      region: 'us-east-1',
      endpoint: inject('motoEndpoint'),
      forcePathStyle: true,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    sent = recordRequests(s3);
    bucket = `modelreg-s3-${randomUUID().slice(0, 8)}`;
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    work = await mkdtemp(join(tmpdir(), 'modelreg-s3-'));
  });

  afterAll(async () => {
    s3?.destroy();
    if (work) await rm(work, { recursive: true, force: true });
  });

  function store(options: { kmsKeyId?: string; multipartThreshold?: number; partSize?: number } = {}) {
    return new S3ArtifactStore(s3, { bucket, stagingDir: join(work, 'staging'), ...options });
  }

  function newRef(): ModelRef {
    return { useCase: 'fraud', modelName: `m-${randomUUID().slice(0, 8)}` };
  }

  async function keysUnder(prefix: string): Promise<string[]> {
    const out = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
    return (out.Contents ?? []).map((o) => o.Key!).sort();
  }

  async function body(key: string): Promise<Buffer> {
    const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return Buffer.from(await out.Body!.transformToByteArray());
  }

  /** Stages and publishes `path` as `version` of `ref`, discarding the staged copy. */
  async function publish(target: S3ArtifactStore, path: string, ref: ModelRef, version: string) {
    const staged = await target.stage(path);
    try {
      return { staged, info: await target.publish(staged, ref, version, SIDECARS) };
    } finally {
      await target.discard(staged);
    }
  }

  describe('publish of a file', () => {
    it('writes {useCase}/{modelName}/versions/{version}/model/<file>, metadata.json and metrics.json', async () => {
      // Prepare
      const ref = newRef();
      const path = await writeFileArtifact(join(work, randomUUID(), 'model.pkl'), 'pickled weights\n');

      // Act
      const { info } = await publish(store(), path, ref, '1.2.0');

      // Assess
      const prefix = `fraud/${ref.modelName}/`;
      expect(await keysUnder(prefix)).toEqual([
        `${prefix}versions/1.2.0/metadata.json`,
        `${prefix}versions/1.2.0/metrics.json`,
        `${prefix}versions/1.2.0/model/model.pkl`,
      ]);
      expect(info).toEqual({
        uri: `s3://${bucket}/${prefix}versions/1.2.0/model/model.pkl`,
        sha256: sha256('pickled weights\n'),
        sizeBytes: 16,
      });
      expect((await body(`${prefix}versions/1.2.0/model/model.pkl`)).toString()).toBe('pickled weights\n');
      expect(JSON.parse((await body(`${prefix}versions/1.2.0/metadata.json`)).toString())).toEqual(
        SIDECARS.metadata,
      );
      expect(JSON.parse((await body(`${prefix}versions/1.2.0/metrics.json`)).toString())).toEqual(
        SIDECARS.metrics,
      );
    });

    it('sends every object with its SHA-256, which S3 keeps and returns on HeadObject with ChecksumMode ENABLED', async () => {
      // Prepare
      const ref = newRef();
      const content = `weights ${randomUUID()}\n`;
      const path = await writeFileArtifact(join(work, randomUUID(), 'model.bin'), content);
      sent.reset();

      // Act
      const { info } = await publish(store(), path, ref, '1.0.0');
      const key = info.uri.slice(`s3://${bucket}/`.length);
      const head = await s3.send(
        new HeadObjectCommand({ Bucket: bucket, Key: key, ChecksumMode: 'ENABLED' }),
      );

      // Assess
      const puts = sent.sent.filter((s) => s.command === 'PutObjectCommand');
      expect(puts).toHaveLength(3);
      for (const p of puts) {
        expect(p.input).toMatchObject({ ChecksumAlgorithm: 'SHA256', IfNoneMatch: '*' });
        expect(p.headers['x-amz-checksum-sha256']).toBe(p.input.ChecksumSHA256);
      }
      expect(puts[0]!.input.ChecksumSHA256).toBe(base64Of(sha256(content)));
      expect(head.ChecksumSHA256).toBe(base64Of(sha256(content)));
      expect(head.ContentLength).toBe(Buffer.byteLength(content));
    });

    it('refuses a second publish to the same version with ConcurrentModificationError and keeps the first object', async () => {
      // Prepare
      const ref = newRef();
      const first = await writeFileArtifact(join(work, randomUUID(), 'model.bin'), 'first weights\n');
      const second = await writeFileArtifact(join(work, randomUUID(), 'model.bin'), 'second weights\n');
      const { info } = await publish(store(), first, ref, '2.0.0');
      const key = info.uri.slice(`s3://${bucket}/`.length);
      const before = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));

      // Act
      const error = await rejection(publish(store(), second, ref, '2.0.0'), ConcurrentModificationError);

      // Assess
      expect(error.message).toContain(key);
      expect((await body(key)).toString()).toBe('first weights\n');
      const after = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      expect(after.ETag).toBe(before.ETag);
      expect(after.LastModified).toEqual(before.LastModified);
      expect(await keysUnder(`fraud/${ref.modelName}/`)).toHaveLength(3);
    });
  });

  describe('transient errors', () => {
    it('lets the SDK retry a model upload whose first attempt fails with a 503', async () => {
      // Prepare: the first PutObject attempt fails inside the SDK's retry loop, as a SlowDown would
      const ref = newRef();
      const path = await writeFileArtifact(join(work, randomUUID(), 'model.bin'), 'retried weights\n');
      let failed = 0;
      s3.middlewareStack.add(
        (next, context) => async (args) => {
          if (context.commandName === 'PutObjectCommand' && failed === 0) {
            failed += 1;
            throw Object.assign(new Error('Please reduce your request rate.'), {
              name: 'SlowDown',
              $fault: 'server',
              $metadata: { httpStatusCode: 503 },
            });
          }
          return next(args);
        },
        { step: 'deserialize', priority: 'low', name: 'slowDownOnce' },
      );
      sent.reset();

      try {
        // Act
        const { info } = await publish(store(), path, ref, '1.0.0');

        // Assess
        expect(failed).toBe(1);
        expect(sent.count('PutObjectCommand')).toBe(4);
        expect((await body(info.uri.slice(`s3://${bucket}/`.length))).toString()).toBe('retried weights\n');
      } finally {
        s3.middlewareStack.remove('slowDownOnce');
      }
    });
  });

  describe('publish of a directory', () => {
    it('uploads every file under model/ and records the manifest digest of the files', async () => {
      // Prepare
      const ref = newRef();
      const files = {
        'model.json': '{"layers": 2}\n',
        'weights/layer1.bin': 'layer one\n',
        'weights/layer2.bin': 'layer two\n',
      };
      const dir = await writeTree(join(work, randomUUID(), 'saved_model'), files);
      const expected = manifestDigest(
        Object.entries(files).map(([path, c]) => ({ path, sha256: sha256(c) })),
      );

      // Act
      const { info } = await publish(store(), dir, ref, '1.0.0');

      // Assess
      const model = `fraud/${ref.modelName}/versions/1.0.0/model/`;
      expect(info.uri).toBe(`s3://${bucket}/${model}`);
      expect(info.sha256).toBe(expected);
      expect(await keysUnder(model)).toEqual(Object.keys(files).map((rel) => `${model}${rel}`));
      for (const [rel, content] of Object.entries(files)) {
        expect((await body(`${model}${rel}`)).toString()).toBe(content);
      }
    });

    it('fetches the directory back, verified against the manifest digest', async () => {
      // Prepare
      const ref = newRef();
      const files = { 'a.txt': 'alpha\n', 'nested/deeper/b.txt': 'beta\n' };
      const dir = await writeTree(join(work, randomUUID(), 'bundle'), files);
      const { info } = await publish(store(), dir, ref, '1.0.0');
      const out = join(work, randomUUID());

      // Act
      const got = await store().fetch(info, out);

      // Assess
      expect(got).toEqual({ path: out, sha256: info.sha256 });
      expect(await readTree(out)).toEqual(files);
    });
  });

  describe('multipart upload', () => {
    const big = () => store({ multipartThreshold: 5 * MiB, partSize: 5 * MiB });

    it('uploads a file above the threshold in parts, each with its checksum, and fetch() verifies it', async () => {
      // Prepare: 11 MiB gives parts of 5, 5 and 1 MiB
      const ref = newRef();
      const bytes = randomBytes(11 * MiB);
      const path = await writeFileArtifact(join(work, randomUUID(), 'big.bin'), bytes);
      sent.reset();

      // Act
      const { info } = await publish(big(), path, ref, '1.0.0');
      const counts = sent.counts();
      const parts = sent.sent.filter((s) => s.command === 'UploadPartCommand');
      const got = await big().fetch(info, join(work, randomUUID()));

      // Assess
      expect(counts).toEqual({
        HeadObjectCommand: 1,
        CreateMultipartUploadCommand: 1,
        UploadPartCommand: 3,
        CompleteMultipartUploadCommand: 1,
        PutObjectCommand: 2,
      });
      expect(parts.map((p) => p.input.PartNumber)).toEqual([1, 2, 3]);
      expect(parts.map((p) => (p.input.Body as Buffer).length)).toEqual([5 * MiB, 5 * MiB, 1 * MiB]);
      for (const p of parts) {
        const digest = createHash('sha256')
          .update(p.input.Body as Buffer)
          .digest('base64');
        expect(p.input.ChecksumSHA256).toBe(digest);
      }
      expect(info.sha256).toBe(sha256(bytes));
      expect(got.sha256).toBe(sha256(bytes));
      expect((await readFile(got.path)).equals(bytes)).toBe(true);
    });

    it('refuses a multipart publish to an existing key before uploading any part', async () => {
      // Prepare
      const ref = newRef();
      const path = await writeFileArtifact(join(work, randomUUID(), 'big.bin'), randomBytes(6 * MiB));
      const { info } = await publish(big(), path, ref, '1.0.0');
      const other = await writeFileArtifact(join(work, randomUUID(), 'big.bin'), randomBytes(6 * MiB));
      sent.reset();

      // Act
      await rejection(publish(big(), other, ref, '1.0.0'), ConcurrentModificationError);

      // Assess
      expect(sent.count('UploadPartCommand')).toBe(0);
      expect(sent.count('CreateMultipartUploadCommand')).toBe(0);
      const head = await s3.send(
        new HeadObjectCommand({ Bucket: bucket, Key: info.uri.slice(`s3://${bucket}/`.length) }),
      );
      expect(head.ContentLength).toBe(6 * MiB);
      expect(sha256(await body(info.uri.slice(`s3://${bucket}/`.length)))).toBe(info.sha256);
    });
  });

  describe('SSE-KMS', () => {
    it('sends ServerSideEncryption aws:kms with the configured key on every object', async () => {
      // Prepare
      const ref = newRef();
      const path = await writeFileArtifact(join(work, randomUUID(), 'model.bin'), 'secret weights\n');
      sent.reset();

      // Act
      const { info } = await publish(store({ kmsKeyId: KMS_KEY_ID }), path, ref, '1.0.0');

      // Assess: what went on the wire
      const puts = sent.sent.filter((s) => s.command === 'PutObjectCommand');
      expect(puts).toHaveLength(3);
      for (const p of puts) {
        expect(p.input).toMatchObject({ ServerSideEncryption: 'aws:kms', SSEKMSKeyId: KMS_KEY_ID });
        expect(p.headers['x-amz-server-side-encryption']).toBe('aws:kms');
        expect(p.headers['x-amz-server-side-encryption-aws-kms-key-id']).toBe(KMS_KEY_ID);
      }
      // and what S3 says it did
      const head = await s3.send(
        new HeadObjectCommand({ Bucket: bucket, Key: info.uri.slice(`s3://${bucket}/`.length) }),
      );
      expect(head.ServerSideEncryption).toBe('aws:kms');
      expect(head.SSEKMSKeyId).toBe(KMS_KEY_ID);
    });

    it('starts multipart uploads with the same encryption', async () => {
      // Prepare
      const ref = newRef();
      const path = await writeFileArtifact(join(work, randomUUID(), 'big.bin'), randomBytes(6 * MiB));
      sent.reset();

      // Act
      await publish(
        store({ kmsKeyId: KMS_KEY_ID, multipartThreshold: 5 * MiB, partSize: 5 * MiB }),
        path,
        ref,
        '1.0.0',
      );

      // Assess
      const create = sent.sent.find((s) => s.command === 'CreateMultipartUploadCommand');
      expect(create?.input).toMatchObject({ ServerSideEncryption: 'aws:kms', SSEKMSKeyId: KMS_KEY_ID });
      expect(sent.count('UploadPartCommand')).toBe(2);
    });

    it('sends no encryption headers without a key (the bucket default applies)', async () => {
      // Prepare
      const ref = newRef();
      const path = await writeFileArtifact(join(work, randomUUID(), 'model.bin'), 'plain weights\n');
      sent.reset();

      // Act
      await publish(store(), path, ref, '1.0.0');

      // Assess
      for (const p of sent.sent.filter((s) => s.command === 'PutObjectCommand')) {
        expect(p.input.ServerSideEncryption).toBeUndefined();
        expect(p.headers['x-amz-server-side-encryption']).toBeUndefined();
      }
    });
  });
});
