/**
 * The signing part of the backend contract: trusted keys, signed versions and every
 * refusal (tampered artifact, tampered statement, a statement of another version, an
 * untrusted key, a revoked key, a missing signature under the gate), on every backend.
 * Forged envelopes are written through the store's record port, as an attacker with
 * write access to the registry could.
 */
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Ed25519KeyFileSigner } from '../../src/adapters/local/ed25519-key-file.js';
import type { Registry } from '../../src/app/registry.js';
import {
  ArtifactIntegrityError,
  ConflictError,
  ModelNotFoundError,
  RevokedKeyError,
  SignatureInvalidError,
  UntrustedKeyError,
  VersionNotFoundError,
} from '../../src/core/errors.js';
import type { Signer, VersionRecord } from '../../src/core/ports.js';
import {
  type Envelope,
  KEYS_MODEL,
  PAYLOAD_TYPE,
  releaseStatement,
  type Signature,
  type Statement,
  signedBytes,
  signingIds,
  statementPayload,
} from '../../src/core/signing.js';
import { writeFileArtifact } from '../support/artifacts.js';
import { type ContractBackend, rejection } from './registry-contract.js';

/** An Ed25519 signer with a fresh key, as `keys create` makes (kept in memory here). */
function newSigner(): Ed25519KeyFileSigner {
  const { privateKey } = generateKeyPairSync('ed25519');
  return Ed25519KeyFileSigner.fromPem(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
}

/** An envelope over any statement, signed with `signer` under `keyid` (a forger's tool). */
async function envelopeOf(statement: Statement, signer: Signer, keyid: string): Promise<Envelope> {
  const payload = statementPayload(statement);
  return {
    payloadType: PAYLOAD_TYPE,
    payload: payload.toString('base64'),
    signatures: [{ keyid, sig: await signer.sign(signedBytes(PAYLOAD_TYPE, payload)) }],
  };
}

/** Runs the signing contract against one backend. */
export function describeSigningContract(
  backendName: string,
  makeBackend: () => Promise<ContractBackend>,
): void {
  describe(`Signing contract: ${backendName}`, () => {
    let backend: ContractBackend;
    let reg: Registry;
    let work: string;
    let ref: { useCase: string; modelName: string };
    let signer: Ed25519KeyFileSigner;
    let n = 0;

    beforeEach(async () => {
      backend = await makeBackend();
      reg = backend.registry({ actor: 'signing-tester' });
      work = await mkdtemp(join(tmpdir(), 'modelreg-signing-'));
      ref = { useCase: `uc-${randomUUID().slice(0, 8)}`, modelName: 'churn' };
      signer = newSigner();
    });

    afterEach(async () => {
      await backend.cleanup();
      await rm(work, { recursive: true, force: true });
    });

    async function register(extra: Record<string, unknown> = {}) {
      n += 1;
      const artifactPath = await writeFileArtifact(
        join(work, `src-${n}`, 'model.bin'),
        `weights ${n} ${randomUUID()}\n`,
      );
      return reg.register({ ...ref, artifactPath, metrics: { auc: 0.9 }, ...extra });
    }

    async function trust(s: Signer = signer, name = 'release') {
      return reg.trustKey({ useCase: ref.useCase, name, publicKeyPem: await s.publicKeyPem() });
    }

    /** Stores a forged signature record for a version, beside (or instead of) real ones. */
    async function forge(version: VersionRecord, envelope: Envelope, keyId: string, suffix = 'forged') {
      const doc: Signature = {
        useCase: version.useCase,
        modelName: version.modelName,
        version: version.version,
        keyId,
        keyName: 'release',
        algorithm: 'ed25519',
        envelope,
        signedAt: new Date().toISOString(),
        signedBy: 'mallory',
      };
      await reg.records.putRecord({
        record: {
          kind: 'signature',
          id: `${signingIds.signature(version, version.version, keyId)}/${suffix}`,
          scope: signingIds.signatureScope(version, version.version),
          doc: doc as unknown as Record<string, unknown>,
        },
        expect: 'absent',
      });
    }

    it('signs a version with a trusted key and verifies it, artifact re-hashed', async () => {
      // Prepare
      const key = await trust();
      const v = await register();

      // Act
      const signature = await reg.signVersion({ ...ref, version: v.version }, signer);
      const verified = await reg.verifyVersion({ ...ref, version: v.version });

      // Assess
      expect(signature).toMatchObject({ keyId: key.keyId, keyName: 'release', version: v.version });
      const statement = JSON.parse(Buffer.from(signature.envelope.payload, 'base64').toString('utf8'));
      expect(statement).toMatchObject({
        _type: 'https://in-toto.io/Statement/v1',
        subject: [{ name: `${ref.useCase}/churn@${v.version}`, digest: { sha256: v.artifact.sha256 } }],
        predicateType: 'https://modelreg.dev/model-release/v1',
        predicate: { useCase: ref.useCase, modelName: 'churn', version: v.version },
      });
      expect(signature.envelope.payloadType).toBe('application/vnd.in-toto+json');
      expect(verified).toMatchObject({
        artifactVerified: true,
        signature: { status: 'trusted', keyName: 'release' },
      });
    });

    it('signs at registration in the same commit as the version, audited as sign', async () => {
      // Prepare
      await trust();
      n += 1;
      const artifactPath = await writeFileArtifact(
        join(work, 'signed', 'model.bin'),
        `signed ${randomUUID()}\n`,
      );

      // Act
      const v = await reg.registerSigned({ ...ref, artifactPath }, signer);

      // Assess
      expect(v.signature.status).toBe('trusted');
      const audit = await reg.auditTrail({ ...ref });
      expect(audit.items.map((e) => e.action)).toEqual(['register', 'sign']);
      expect((await reg.verifyAudit(ref)).valid).toBe(true);
    });

    it('refuses to sign at registration with an untrusted key and writes no version', async () => {
      // Prepare
      const artifactPath = await writeFileArtifact(join(work, 'x', 'model.bin'), 'x\n');

      // Act
      await rejection(reg.registerSigned({ ...ref, artifactPath }, signer), UntrustedKeyError);

      // Assess
      await rejection(reg.info({ ...ref, version: '1.0.0' }), ModelNotFoundError);
    });

    it('leaves no version and no upload when signing fails during registration', async () => {
      // Prepare
      await trust();
      await register();
      const failing: Signer = {
        algorithm: signer.algorithm,
        publicKeyPem: () => signer.publicKeyPem(),
        sign: async () => {
          throw new Error('signing service down');
        },
      };
      const artifactPath = await writeFileArtifact(join(work, 'y', 'model.bin'), `y ${randomUUID()}\n`);

      // Act
      await expect(reg.registerSigned({ ...ref, artifactPath }, failing)).rejects.toThrow(
        'signing service down',
      );

      // Assess
      await rejection(reg.info({ ...ref, version: '1.0.1' }), VersionNotFoundError);
      const again = await reg.registerSigned({ ...ref, artifactPath }, signer);
      expect(again).toMatchObject({ version: '1.0.1', signature: { status: 'trusted' } });
    });

    it('refuses a signature whose statement was changed after signing (SignatureInvalidError)', async () => {
      // Prepare
      const key = await trust();
      const v = await register();
      const good = await envelopeOf(releaseStatement(v), signer, key.keyId);
      const changed = releaseStatement(v);
      changed.predicate.lineage = { ...changed.predicate.lineage, datasetVersion: 'forged' };
      const tampered = { ...good, payload: statementPayload(changed).toString('base64') };
      await forge(v, tampered, key.keyId);

      // Act
      const error = await rejection(reg.verifyVersion({ ...ref, version: v.version }), SignatureInvalidError);

      // Assess
      expect(error.message).toMatch(/does not verify/);
      expect(await reg.signatureStatus({ ...ref, version: v.version })).toMatchObject({ status: 'invalid' });
    });

    it('refuses a validly signed statement of another version attached to this one', async () => {
      // Prepare
      const key = await trust();
      const a = await register();
      const b = await register();
      const ofA = await envelopeOf(releaseStatement(a), signer, key.keyId);
      await forge(b, ofA, key.keyId);

      // Act
      const error = await rejection(reg.verifyVersion({ ...ref, version: b.version }), SignatureInvalidError);

      // Assess
      expect(error.message).toMatch(/does not match/);
      expect(error.message).toContain(`churn@${a.version}`);
    });

    it('refuses a validly signed statement whose identity or digest is not the version', async () => {
      // Prepare
      const key = await trust();
      const v = await register();
      const otherModel = releaseStatement({ ...v, modelName: 'fraud' });
      const otherDigest = releaseStatement({ ...v, artifact: { ...v.artifact, sha256: 'f'.repeat(64) } });
      const v2 = await register();
      await forge(v, await envelopeOf(otherModel, signer, key.keyId), key.keyId);
      await forge(
        v2,
        await envelopeOf(
          {
            ...otherDigest,
            subject: [{ name: `${ref.useCase}/churn@${v2.version}`, digest: { sha256: 'f'.repeat(64) } }],
            predicate: { ...otherDigest.predicate, version: v2.version },
          },
          signer,
          key.keyId,
        ),
        key.keyId,
      );

      // Act
      const identity = await rejection(
        reg.verifyVersion({ ...ref, version: v.version }),
        SignatureInvalidError,
      );
      const digest = await rejection(
        reg.verifyVersion({ ...ref, version: v2.version }),
        SignatureInvalidError,
      );

      // Assess
      expect(identity.message).toMatch(/subject is .*fraud@/);
      expect(digest.message).toMatch(/subject digest is sha256:f{64}/);
    });

    it('refuses a signature by a key the use case does not trust (UntrustedKeyError)', async () => {
      // Prepare
      await trust();
      const v = await register();
      const stranger = newSigner();
      const { describePublicKey } = await import('../../src/core/signing.js');
      const strangerId = describePublicKey(stranger.publicKeyPem()).keyId;
      await forge(v, await envelopeOf(releaseStatement(v), stranger, strangerId), strangerId);

      // Act / Assess
      await rejection(reg.signVersion({ ...ref, version: v.version }, stranger), UntrustedKeyError);
      await rejection(reg.verifyVersion({ ...ref, version: v.version }), UntrustedKeyError);
      await rejection(
        reg.getSignedArtifact({ ...ref, version: v.version, output: join(work, 'out') }),
        UntrustedKeyError,
      );
    });

    it('refuses versions signed by a revoked key (RevokedKeyError), and never trusts it again', async () => {
      // Prepare
      await trust();
      const v = await register();
      await reg.signVersion({ ...ref, version: v.version }, signer);

      // Act
      const revoked = await reg.revokeKey({ useCase: ref.useCase, name: 'release', reason: 'laptop lost' });

      // Assess
      expect(revoked).toMatchObject({
        status: 'revoked',
        reason: 'laptop lost',
        revokedBy: 'signing-tester',
      });
      await rejection(reg.verifyVersion({ ...ref, version: v.version }), RevokedKeyError);
      await rejection(reg.signVersion({ ...ref, version: v.version }, signer), RevokedKeyError);
      await rejection(
        reg.getSignedArtifact({ ...ref, version: v.version, output: join(work, 'out') }),
        RevokedKeyError,
      );
      await rejection(trust(signer, 'again'), ConflictError);
      expect((await reg.listKeys({ useCase: ref.useCase })).map((k) => [k.name, k.status])).toEqual([
        ['release', 'revoked'],
      ]);
    });

    it('audits key trust and revocation on the use case and keeps them out of the model list', async () => {
      // Prepare
      await register();

      // Act
      await trust();
      await trust(); // the same key under the same name again changes nothing
      await reg.revokeKey({ useCase: ref.useCase, name: 'release', reason: 'rotated' });

      // Assess
      const trail = await reg.records.listRecords('trusted-key', { scope: ref.useCase }, {});
      expect(trail.items).toHaveLength(1);
      const models = await reg.listModels({ useCase: ref.useCase });
      expect(models.items.map((m) => m.modelName)).toEqual(['churn']);
      expect(KEYS_MODEL.startsWith('.')).toBe(true);
    });

    it('refuses a version whose artifact was changed after signing (ArtifactIntegrityError)', async (ctx) => {
      if (!backend.overwriteArtifact) return ctx.skip();
      // Prepare
      await trust();
      const v = await register();
      await reg.signVersion({ ...ref, version: v.version }, signer);
      await backend.overwriteArtifact(v.artifact.uri, 'tampered weights\n');

      // Act / Assess
      await rejection(reg.verifyVersion({ ...ref, version: v.version }), ArtifactIntegrityError);
      const out = join(work, 'out');
      await rejection(
        reg.getSignedArtifact({ ...ref, version: v.version, output: out }),
        ArtifactIntegrityError,
      );
      expect(await readdir(out).catch(() => [])).toEqual([]);
    });

    it('fetches an unsigned version and says so, unless a signature is required', async () => {
      // Prepare
      const v = await register();

      // Act
      const got = await reg.getSignedArtifact({ ...ref, version: v.version, output: join(work, 'a') });

      // Assess
      expect(got.signature.status).toBe('unsigned');
      await rejection(
        reg.getSignedArtifact({
          ...ref,
          version: v.version,
          output: join(work, 'b'),
          requireSignature: true,
        }),
        UntrustedKeyError,
      );
    });

    it('holds production to the require_signature gate: unsigned, untrusted and revoked fail, trusted passes', async () => {
      // Prepare
      await reg.setPolicy({
        ...ref,
        policy: { gates: { staging: {}, production: { require_signature: true } } },
      });
      const key = await trust();
      const unsigned = await register();
      const untrusted = await register();
      const signed = await register();
      for (const v of [unsigned, untrusted, signed]) await reg.promote({ ...ref, version: v.version });
      const stranger = newSigner();
      const { describePublicKey } = await import('../../src/core/signing.js');
      const strangerId = describePublicKey(stranger.publicKeyPem()).keyId;
      await forge(untrusted, await envelopeOf(releaseStatement(untrusted), stranger, strangerId), strangerId);
      await reg.signVersion({ ...ref, version: signed.version }, signer);

      // Act
      const a = await reg.promote({ ...ref, version: unsigned.version });
      const b = await reg.promote({ ...ref, version: untrusted.version });
      const c = await reg.promote({ ...ref, version: signed.version });

      // Assess
      expect(a).toMatchObject({ promoted: false, stage: 'staging' });
      expect(a.gates).toEqual([
        expect.objectContaining({
          gate: 'require_signature',
          actual: 'unsigned',
          threshold: 'a signature by a trusted key',
          passed: false,
        }),
      ]);
      expect(a.reason).toMatch(/require_signature: unsigned, needs a signature by a trusted key/);
      expect(b.gates?.[0]).toMatchObject({ actual: 'signed by untrusted key', passed: false });
      expect(c).toMatchObject({ promoted: true, stage: 'production' });
      expect(c.gates?.[0]).toMatchObject({ gate: 'require_signature', actual: 'trusted', passed: true });
      expect(c.gates?.[0]?.note).toContain(key.name);
    });

    it('holds production to the gate once the signing key is revoked', async () => {
      // Prepare
      await reg.setPolicy({
        ...ref,
        policy: { gates: { staging: {}, production: { require_signature: true } } },
      });
      await trust();
      const v = await register();
      await reg.promote({ ...ref, version: v.version });
      await reg.signVersion({ ...ref, version: v.version }, signer);
      await reg.revokeKey({ useCase: ref.useCase, name: 'release', reason: 'compromised' });

      // Act
      const r = await reg.promote({ ...ref, version: v.version });

      // Assess
      expect(r).toMatchObject({ promoted: false });
      expect(r.gates?.[0]).toMatchObject({ gate: 'require_signature', actual: 'revoked', passed: false });
    });
  });
}
