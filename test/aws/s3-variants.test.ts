/**
 * Variants in the S3 artifact store against moto's S3: the key layout beside the version,
 * the checksum S3 kept, If-None-Match protection, and removal of an uncommitted variant.
 */
import { randomUUID } from 'node:crypto';
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
import { ConcurrentModificationError } from '../../src/core/errors.js';
import { rejection } from '../contract/registry-contract.js';
import { sha256, writeFileArtifact } from '../support/artifacts.js';

describe('S3ArtifactStore variants on moto', () => {
  let s3: S3Client;
  let bucket: string;
  let work: string;
  let store: S3ArtifactStore;

  beforeAll(async () => {
    s3 = new S3Client({
      region: 'us-east-1',
      endpoint: inject('motoEndpoint'),
      forcePathStyle: true,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    bucket = `modelreg-variants-${randomUUID().slice(0, 8)}`;
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    work = await mkdtemp(join(tmpdir(), 'modelreg-s3-variants-'));
    store = new S3ArtifactStore(s3, { bucket, stagingDir: join(work, 'staging') });
  });

  afterAll(async () => {
    s3?.destroy();
    if (work) await rm(work, { recursive: true, force: true });
  });

  const keysUnder = async (prefix: string) =>
    ((await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }))).Contents ?? [])
      .map((o) => o.Key!)
      .sort();

  it('puts the variant under versions/{v}/variants/{target}/ with its metadata, and S3 keeps its sha256', async () => {
    // Prepare
    const ref = { useCase: 'robotics', modelName: `m-${randomUUID().slice(0, 8)}` };
    const bytes = `engine ${randomUUID()}`;
    const staged = await store.stage(await writeFileArtifact(join(work, 'a', 'model.engine'), bytes));

    // Act
    const info = await store.publishVariant(staged, ref, '1.0.0', 'jetson-orin-int8', { precision: 'int8' });

    // Assess
    const prefix = `robotics/${ref.modelName}/versions/1.0.0/variants/jetson-orin-int8/`;
    expect(await keysUnder(prefix)).toEqual([`${prefix}artifact/model.engine`, `${prefix}metadata.json`]);
    expect(info).toEqual({
      uri: `s3://${bucket}/${prefix}artifact/model.engine`,
      sha256: sha256(bytes),
      sizeBytes: bytes.length,
    });
    const head = await s3.send(
      new HeadObjectCommand({
        Bucket: bucket,
        Key: `${prefix}artifact/model.engine`,
        ChecksumMode: 'ENABLED',
      }),
    );
    expect(head.ChecksumSHA256).toBe(Buffer.from(sha256(bytes), 'hex').toString('base64'));
    const meta = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: `${prefix}metadata.json` }));
    expect(JSON.parse(await meta.Body!.transformToString())).toEqual({ precision: 'int8' });
    const got = await store.fetch(info, join(work, 'out'));
    expect(await readFile(got.path, 'utf8')).toBe(bytes);
    await store.discard(staged);
  });

  it('never overwrites a variant, and removes one whose record did not commit', async () => {
    // Prepare
    const ref = { useCase: 'robotics', modelName: `m-${randomUUID().slice(0, 8)}` };
    const first = await store.stage(await writeFileArtifact(join(work, 'b', 'model.engine'), 'first'));
    const second = await store.stage(await writeFileArtifact(join(work, 'c', 'model.engine'), 'second'));
    const info = await store.publishVariant(first, ref, '1.0.0', 'orin', {});

    // Act
    await rejection(store.publishVariant(second, ref, '1.0.0', 'orin', {}), ConcurrentModificationError);
    const kept = await store.fetch(info, join(work, 'kept'));
    await store.unpublishVariant(ref, '1.0.0', 'orin');

    // Assess
    expect(await readFile(kept.path, 'utf8')).toBe('first');
    expect(await keysUnder(`robotics/${ref.modelName}/`)).toEqual([]);
    await store.discard(first);
    await store.discard(second);
  });
});
