/**
 * The pure signing decisions: the release statement, the DSSE bytes, key description,
 * signature checks and their severity, key trust and revocation, and the
 * require_signature gate.
 */
import { generateKeyPairSync, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConflictError, NotFoundError, ValidationError } from '../../src/core/errors.js';
import { evaluateGates, parseGateKey } from '../../src/core/gates.js';
import type { VersionRecord } from '../../src/core/ports.js';
import {
  checkSignature,
  decideRevokeKey,
  decideTrustKey,
  describePublicKey,
  PAYLOAD_TYPE,
  releaseStatement,
  type Signature,
  signatureState,
  signedBytes,
  statementPayload,
  type TrustedKey,
} from '../../src/core/signing.js';

const version: VersionRecord = {
  useCase: 'fraud',
  modelName: 'risk',
  version: '1.2.0',
  stage: 'staging',
  artifact: { uri: 'store:x', sha256: 'a'.repeat(64), sizeBytes: 10 },
  metrics: { auc: 0.9 },
  metadata: {},
  lineage: { runId: 'r1', datasetVersion: 'ds1', codeVersion: 'c1' },
  tags: {},
  registeredAt: '2026-01-01T00:00:00.000Z',
  registeredBy: 'ana',
  stageUpdatedAt: '2026-01-01T00:00:00.000Z',
};
const who = { actor: 'carol', now: '2026-02-01T00:00:00.000Z' };

function keyPair() {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  return { privateKey, pem, ...describePublicKey(pem) };
}

function trusted(k: ReturnType<typeof keyPair>, status: TrustedKey['status'] = 'trusted'): TrustedKey {
  return {
    useCase: 'fraud',
    name: 'release',
    keyId: k.keyId,
    algorithm: k.algorithm,
    publicKeyPem: k.pem,
    kmsKeyId: null,
    status,
    trustedAt: who.now,
    trustedBy: 'carol',
    revokedAt: status === 'revoked' ? who.now : null,
    revokedBy: status === 'revoked' ? 'carol' : null,
    reason: status === 'revoked' ? 'lost' : null,
  };
}

function signatureOf(v: VersionRecord, k: ReturnType<typeof keyPair>): Signature {
  const payload = statementPayload(releaseStatement(v));
  const sig = sign(null, signedBytes(PAYLOAD_TYPE, payload), k.privateKey).toString('base64');
  return {
    useCase: v.useCase,
    modelName: v.modelName,
    version: v.version,
    keyId: k.keyId,
    keyName: 'release',
    algorithm: 'ed25519',
    envelope: {
      payloadType: PAYLOAD_TYPE,
      payload: payload.toString('base64'),
      signatures: [{ keyid: k.keyId, sig }],
    },
    signedAt: who.now,
    signedBy: 'carol',
  };
}

describe('the release statement', () => {
  it('names the version and its artifact digest and digests the metrics', () => {
    // Act
    const s = releaseStatement(version);

    // Assess
    expect(s.subject).toEqual([{ name: 'fraud/risk@1.2.0', digest: { sha256: 'a'.repeat(64) } }]);
    expect(s.predicate.metricsDigest.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(releaseStatement({ ...version, metrics: { auc: 0.91 } }).predicate.metricsDigest).not.toEqual(
      s.predicate.metricsDigest,
    );
  });

  it('signs the DSSE pre-authentication encoding, not the bare payload', () => {
    // Act
    const pae = signedBytes(PAYLOAD_TYPE, Buffer.from('{}'));

    // Assess
    expect(pae.toString()).toBe(`DSSEv1 ${PAYLOAD_TYPE.length} ${PAYLOAD_TYPE} 2 {}`);
  });
});

describe('describePublicKey', () => {
  it('gives Ed25519 and P-256 keys a sha256 keyid and refuses RSA keys and garbage', () => {
    // Prepare
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({
      type: 'spki',
      format: 'pem',
    });
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({
      type: 'spki',
      format: 'pem',
    });

    // Act / Assess
    expect(keyPair().keyId).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(describePublicKey(ec.toString()).algorithm).toBe('ecdsa-p256-sha256');
    expect(() => describePublicKey(rsa.toString())).toThrow(ValidationError);
    expect(() => describePublicKey('not a key')).toThrow(ValidationError);
  });
});

describe('signatureState', () => {
  it('is trusted for a good signature and unsigned without one', () => {
    // Prepare
    const k = keyPair();

    // Act / Assess
    expect(signatureState(version, [signatureOf(version, k)], [trusted(k)]).status).toBe('trusted');
    expect(signatureState(version, [], [trusted(k)]).status).toBe('unsigned');
  });

  it('reports the most serious refusal: invalid before revoked before untrusted', () => {
    // Prepare
    const good = keyPair();
    const revoked = keyPair();
    const stranger = keyPair();
    const tampered = signatureOf(version, good);
    tampered.envelope = {
      ...tampered.envelope,
      payload: statementPayload(releaseStatement({ ...version, version: '9.9.9' })).toString('base64'),
    };
    const keys = [trusted(good), { ...trusted(revoked, 'revoked'), name: 'old' }];
    const byStranger = signatureOf(version, stranger);
    const byRevoked = signatureOf(version, revoked);

    // Act / Assess
    expect(signatureState(version, [byStranger], keys).status).toBe('untrusted');
    expect(signatureState(version, [byStranger, byRevoked], keys).status).toBe('revoked');
    expect(signatureState(version, [byStranger, byRevoked, tampered], keys).status).toBe('invalid');
    expect(signatureState(version, [tampered, signatureOf(version, good)], keys).status).toBe('trusted');
  });

  it('refuses a signed statement whose lineage differs from the version', () => {
    // Prepare
    const k = keyPair();
    const s = signatureOf(version, k);

    // Act / Assess
    expect(() =>
      checkSignature({ ...version, lineage: { ...version.lineage, datasetVersion: 'ds2' } }, s, [trusted(k)]),
    ).toThrow(/lineage differs/);
  });
});

describe('key trust and revocation', () => {
  it('trusts a key once, by one name, and never trusts a revoked key again', () => {
    // Prepare
    const k = keyPair();
    const key = {
      useCase: 'fraud',
      name: 'release',
      keyId: k.keyId,
      algorithm: k.algorithm,
      publicKeyPem: k.pem,
      kmsKeyId: null,
    };

    // Act
    const first = decideTrustKey(null, [], key, who);

    // Assess
    expect(first.change?.records?.[0]?.record).toMatchObject({ kind: 'trusted-key', status: 'trusted' });
    expect(first.change?.events[0]).toMatchObject({ action: 'key.trust', seq: 1 });
    expect(decideTrustKey(null, [first.result], key, who).change).toBeNull();
    expect(() => decideTrustKey(null, [first.result], { ...key, name: 'other' }, who)).toThrow(ConflictError);
    expect(() => decideTrustKey(null, [trusted(k, 'revoked')], key, who)).toThrow(ConflictError);
  });

  it('revokes a trusted key with a reason, conditioned on it still being trusted', () => {
    // Prepare
    const k = keyPair();

    // Act
    const r = decideRevokeKey('fraud', null, [trusted(k)], 'release', 'lost', who);

    // Assess
    expect(r.result).toMatchObject({ status: 'revoked', reason: 'lost', revokedBy: 'carol' });
    expect(r.change?.records?.[0]?.expect).toEqual({ status: 'trusted' });
    expect(() => decideRevokeKey('fraud', null, [r.result], 'release', 'again', who)).toThrow(NotFoundError);
  });
});

describe('the require_signature gate', () => {
  it('takes true or false and reports the signature against "a signature by a trusted key"', () => {
    // Act
    const [unsigned] = evaluateGates(
      { require_signature: true },
      { metrics: {}, metadata: {} },
      null,
      'policy',
    );
    const [ok] = evaluateGates(
      { require_signature: true },
      {
        metrics: {},
        metadata: {},
        signature: { status: 'trusted', description: 'signed by trusted key release' },
      },
      null,
      'policy',
    );

    // Assess
    expect(() => parseGateKey('require_signature', 1)).toThrow(ValidationError);
    expect(unsigned).toMatchObject({
      actual: 'unsigned',
      threshold: 'a signature by a trusted key',
      passed: false,
    });
    expect(ok).toMatchObject({ actual: 'trusted', passed: true });
  });
});
