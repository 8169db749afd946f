/**
 * The KMS signer against moto's KMS: an ECC_NIST_P256 SIGN_VERIFY key signs a version's
 * release statement on the AWS backend (DynamoDB Local + S3), the public key is read once
 * with GetPublicKey, and node:crypto verifies the signature with it.
 */

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KmsSigner } from '../../src/adapters/aws/kms-signer.js';
import { ValidationError } from '../../src/core/errors.js';
import { describePublicKey, PAYLOAD_TYPE, signedBytes, verifyWith } from '../../src/core/signing.js';
import { writeFileArtifact } from '../support/artifacts.js';
import { type AwsBackend, makeAwsBackend } from '../support/aws-backend.js';

describe('KmsSigner (moto KMS)', () => {
  let backend: AwsBackend;
  let kms: KMSClient;
  let work: string;
  let sends: string[];

  beforeEach(async () => {
    backend = await makeAwsBackend();
    kms = new KMSClient({ region: 'us-east-1' });
    sends = [];
    kms.middlewareStack.add(
      (next, context) => async (args) => {
        sends.push(context.commandName as string);
        return next(args);
      },
      { step: 'initialize' },
    );
    work = await mkdtemp(join(tmpdir(), 'modelreg-kms-'));
  });

  afterEach(async () => {
    kms.destroy();
    await backend.cleanup();
    await rm(work, { recursive: true, force: true });
  });

  async function signingKey(spec: 'ECC_NIST_P256' | 'RSA_2048' = 'ECC_NIST_P256'): Promise<string> {
    const r = await kms.send(new CreateKeyCommand({ KeySpec: spec, KeyUsage: 'SIGN_VERIFY' }));
    return r.KeyMetadata!.Arn!;
  }

  it('signs with ECDSA P-256 that node:crypto verifies under the public key, read once', async () => {
    // Prepare
    const signer = new KmsSigner(kms, await signingKey());
    const data = signedBytes(PAYLOAD_TYPE, Buffer.from('{"hello":"world"}'));

    // Act
    const pem = await signer.publicKeyPem();
    const sig = await signer.sign(data);
    await signer.publicKeyPem();

    // Assess
    const key = { algorithm: 'ecdsa-p256-sha256' as const, publicKeyPem: pem };
    expect(describePublicKey(pem).algorithm).toBe('ecdsa-p256-sha256');
    expect(verifyWith(key, data, sig)).toBe(true);
    expect(verifyWith(key, Buffer.concat([data, Buffer.from('x')]), sig)).toBe(false);
    expect(sends.filter((c) => c === 'GetPublicKeyCommand')).toHaveLength(1);
  });

  it('signs and verifies a version on the AWS backend with a KMS key the use case trusts', async () => {
    // Prepare
    const arn = await signingKey();
    const signer = new KmsSigner(kms, arn);
    const reg = backend.registry();
    const ref = { useCase: 'fraud', modelName: 'risk' };
    await reg.trustKey({ ...ref, name: 'kms', publicKeyPem: await signer.publicKeyPem(), kmsKeyId: arn });
    const artifactPath = await writeFileArtifact(join(work, 'm', 'model.bin'), 'weights\n');

    // Act
    const v = await reg.registerSigned({ ...ref, artifactPath }, signer);
    const verified = await reg.verifyVersion({ ...ref, version: v.version });

    // Assess
    expect(v.signature).toMatchObject({ status: 'trusted', keyName: 'kms' });
    expect(verified.signature.status).toBe('trusted');
    const [key] = await reg.listKeys({ useCase: 'fraud' });
    expect(key).toMatchObject({ algorithm: 'ecdsa-p256-sha256', kmsKeyId: arn });
  });

  it('refuses a KMS key that is not an ECC_NIST_P256 signing key', async () => {
    // Prepare
    const signer = new KmsSigner(kms, await signingKey('RSA_2048'));

    // Act / Assess
    await expect(signer.publicKeyPem()).rejects.toBeInstanceOf(ValidationError);
  });
});

describe('KmsSigner (a payload over the RAW limit)', () => {
  it('sends the SHA-256 as a DIGEST, which moto cannot emulate (it hashes a digest again)', async () => {
    // Prepare
    const { mockClient } = await import('aws-sdk-client-mock');
    const { SignCommand } = await import('@aws-sdk/client-kms');
    const { createHash } = await import('node:crypto');
    const client = new KMSClient({ region: 'us-east-1' });
    const mock = mockClient(client);
    mock.on(SignCommand).resolves({ Signature: Buffer.from('sig') });
    const big = Buffer.alloc(5000, 1);

    // Act
    await new KmsSigner(client, 'k').sign(big);
    await new KmsSigner(client, 'k').sign(big.subarray(0, 100));

    // Assess
    const [large, small] = mock.commandCalls(SignCommand).map((c) => c.args[0].input);
    expect(large).toMatchObject({ MessageType: 'DIGEST', SigningAlgorithm: 'ECDSA_SHA_256' });
    expect(Buffer.from(large!.Message!)).toEqual(createHash('sha256').update(big).digest());
    expect(small).toMatchObject({ MessageType: 'RAW' });
    client.destroy();
  });
});
