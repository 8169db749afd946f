import { createHash, randomUUID } from 'node:crypto';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { manifestDigest } from '../../src/adapters/files.js';
import { NotFoundError } from '../../src/core/errors.js';
import { rejection } from '../contract/registry-contract.js';
import { type AwsBackend, makeAwsBackend } from '../support/aws-backend.js';

const sha = (text: string) => createHash('sha256').update(text).digest('hex');

describe('registering from an s3:// training output (the SageMaker path)', () => {
  let backend: AwsBackend;
  const useCase = `uc-${randomUUID().slice(0, 8)}`;

  beforeEach(async () => {
    backend = await makeAwsBackend();
  });
  afterEach(async () => {
    await backend.cleanup();
  });

  async function put(key: string, body: string) {
    await backend.clients.s3.send(
      new PutObjectCommand({ Bucket: backend.config.bucket, Key: key, Body: body }),
    );
  }

  it('downloads one object, hashes it and registers it under the version layout', async () => {
    // Prepare
    await put('training/run-7/output/model.tar.gz', 'trained bytes');
    const registry = backend.registry();

    // Act
    const r = await registry.registerFromEvent({
      useCase,
      modelName: 'churn',
      artifactUri: `s3://${backend.config.bucket}/training/run-7/output/model.tar.gz`,
      runId: 'run-7',
      requestedBy: 'sagemaker',
    });
    const v = await registry.info({ useCase, modelName: 'churn', version: r.version });

    // Assess
    expect(r).toMatchObject({ version: '1.0.0', alreadyRegistered: false, sha256: sha('trained bytes') });
    expect(v.artifact.uri).toBe(
      `s3://${backend.config.bucket}/${useCase}/churn/versions/1.0.0/model/model.tar.gz`,
    );
    await registry.close();
  });

  it('downloads every object under a prefix as a directory artifact', async () => {
    // Prepare
    await put('training/run-8/output/model/weights.bin', 'w');
    await put('training/run-8/output/model/config.json', '{}');
    const registry = backend.registry();

    // Act
    const r = await registry.registerFromEvent({
      useCase,
      modelName: 'churn',
      artifactUri: `s3://${backend.config.bucket}/training/run-8/output/model/`,
      runId: 'run-8',
      requestedBy: 'sagemaker',
    });

    // Assess
    expect(r.sha256).toBe(
      manifestDigest([
        { path: 'config.json', sha256: sha('{}') },
        { path: 'weights.bin', sha256: sha('w') },
      ]),
    );
    await registry.close();
  });

  it('refuses a missing object with NotFoundError and registers nothing', async () => {
    // Prepare
    const registry = backend.registry();

    // Act
    await rejection(
      registry.registerFromEvent({
        useCase,
        modelName: 'churn',
        artifactUri: `s3://${backend.config.bucket}/training/nothing/model.tar.gz`,
        runId: 'run-9',
        requestedBy: 'sagemaker',
      }),
      NotFoundError,
    );

    // Assess
    expect((await registry.listModels({ useCase })).items).toEqual([]);
    await registry.close();
  });
});
