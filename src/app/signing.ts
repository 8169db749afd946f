/**
 * Signing use cases: the keys a use case trusts, signing a version's release statement,
 * and verifying a version (its bytes re-hashed, its statement, its signature and key).
 * Takes the Registry's ports and its decide → commit loop; the Registry exposes these as
 * thin methods.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as z from 'zod';
import { appendToChange } from '../core/change.js';
import type { Actor, Decision } from '../core/decisions.js';
import { UntrustedKeyError } from '../core/errors.js';
import type { ModelHead } from '../core/head.js';
import { validateName } from '../core/identity.js';
import type { ModelRef } from '../core/model.js';
import { policyOf } from '../core/policy.js';
import type { ArtifactStore, ChangeSet, RegistryStore, Signer, VersionRecord } from '../core/ports.js';
import {
  decideRevokeKey,
  decideSign,
  decideTrustKey,
  describePublicKey,
  type Envelope,
  keysRef,
  PAYLOAD_TYPE,
  releaseStatement,
  requireTrusted,
  type Signature,
  type SignatureState,
  signatureState,
  signatureWrite,
  signedBytes,
  signingIds,
  statementPayload,
  type TrustedKey,
} from '../core/signing.js';
import { ActorName, parseInput } from './inputs.js';
import { allPages } from './pages.js';

const Name = (what: string) =>
  z.string({ error: `${what} is required` }).superRefine((v, ctx) => {
    try {
      validateName(what, v);
    } catch (e) {
      ctx.addIssue({ code: 'custom', message: (e as Error).message });
    }
  });

/** `keys trust`: a public key (PEM) under a name, optionally the KMS key it came from. */
export const TrustKeySchema = z.object({
  useCase: Name('use case'),
  name: Name('key name (--name)'),
  publicKeyPem: z
    .string({ error: 'the public key is required (--public-key FILE or --kms-key-id ARN)' })
    .min(1, 'the public key is required (--public-key FILE or --kms-key-id ARN)')
    .max(16 * 1024, 'a public key PEM is at most 16 KiB'),
  kmsKeyId: z.string().min(1).max(2048).nullable().default(null),
  trustedBy: ActorName.optional(),
});

/** `keys revoke`: the key by name (or keyid) and why. */
export const RevokeKeySchema = z.object({
  useCase: Name('use case'),
  name: z.string({ error: 'name the key to revoke (--name)' }).min(1, 'name the key to revoke (--name)'),
  reason: z
    .string({ error: 'say why the key is revoked (--reason "…")' })
    .min(1, 'say why the key is revoked (--reason "…")')
    .max(1024),
  revokedBy: ActorName.optional(),
});

/** What signing needs from the Registry: its ports and its decide → commit loop. */
export interface SigningPorts {
  store: RegistryStore;
  artifacts: ArtifactStore;
  who: (actor: string | undefined) => Actor;
  mutate: <R>(decide: () => Promise<Decision<R>>) => Promise<R>;
}

/** The answer of `models verify`. */
export interface Verification {
  useCase: string;
  modelName: string;
  version: string;
  sha256: string;
  artifactVerified: boolean;
  signature: SignatureState;
}

/** The signing use cases over the Registry's ports. */
export class Signing {
  constructor(private readonly ports: SigningPorts) {}

  /** Every key a use case trusts or trusted, oldest first. */
  async keys(useCase: string): Promise<TrustedKey[]> {
    const records = await allPages((cursor) =>
      this.ports.store.listRecords(
        'trusted-key',
        { scope: signingIds.keyScope(useCase) },
        { limit: 1000, cursor },
      ),
    );
    return records
      .map((r) => r.doc as unknown as TrustedKey)
      .sort((a, b) => a.trustedAt.localeCompare(b.trustedAt) || a.keyId.localeCompare(b.keyId));
  }

  /** Trusts a public key for a use case (audited as `key.trust`). */
  async trust(input: z.input<typeof TrustKeySchema>): Promise<TrustedKey> {
    const req = parseInput(TrustKeySchema, input);
    const { keyId, algorithm } = describePublicKey(req.publicKeyPem);
    return this.ports.mutate(async () =>
      decideTrustKey(
        await this.ports.store.getHead(keysRef(req.useCase)),
        await this.keys(req.useCase),
        {
          useCase: req.useCase,
          name: req.name,
          keyId,
          algorithm,
          publicKeyPem: req.publicKeyPem.trim(),
          kmsKeyId: req.kmsKeyId,
        },
        this.ports.who(req.trustedBy),
      ),
    );
  }

  /** Revokes a key (audited as `key.revoke`): its signatures are refused from then on. */
  async revoke(input: z.input<typeof RevokeKeySchema>): Promise<TrustedKey> {
    const req = parseInput(RevokeKeySchema, input);
    return this.ports.mutate(async () =>
      decideRevokeKey(
        req.useCase,
        await this.ports.store.getHead(keysRef(req.useCase)),
        await this.keys(req.useCase),
        req.name,
        req.reason,
        this.ports.who(req.revokedBy),
      ),
    );
  }

  /** The trusted key a signer's public key is, refusing an unknown or revoked one. */
  async signingKey(useCase: string, signer: Signer): Promise<TrustedKey> {
    const { keyId } = describePublicKey(await signer.publicKeyPem());
    return requireTrusted(useCase, await this.keys(useCase), keyId);
  }

  /** Signs the release statement of a version into a DSSE envelope. */
  async envelope(version: VersionRecord, key: TrustedKey, signer: Signer): Promise<Envelope> {
    const payload = statementPayload(releaseStatement(version));
    const sig = await signer.sign(signedBytes(PAYLOAD_TYPE, payload));
    return {
      payloadType: PAYLOAD_TYPE,
      payload: payload.toString('base64'),
      signatures: [{ keyid: key.keyId, sig }],
    };
  }

  /**
   * Signs a stored version after re-hashing its artifact (a signature vouches only for the
   * bytes that are there), audited as `sign` with the signature record in one commit.
   */
  async sign(
    ref: ModelRef,
    load: () => Promise<{ head: ModelHead; version: VersionRecord }>,
    signer: Signer,
    signedBy: string | undefined,
  ): Promise<Signature> {
    const key = await this.signingKey(ref.useCase, signer);
    const { version } = await load();
    await this.rehash(version);
    const envelope = await this.envelope(version, key, signer);
    return this.ports.mutate(async () => {
      const { head, version: fresh } = await load();
      const existing = await this.ports.store.getRecord(
        'signature',
        signingIds.signature(ref, fresh.version, key.keyId),
      );
      return decideSign(
        ref,
        head,
        fresh,
        existing ? (existing.doc as unknown as Signature) : null,
        key,
        fresh === version ? envelope : await this.envelope(fresh, key, signer),
        this.ports.who(signedBy),
      );
    });
  }

  /** A register change amender that adds the version's signature and its `sign` event to the same commit. */
  amender(key: TrustedKey, signer: Signer, signedBy: string | undefined) {
    return async (change: ChangeSet, record: VersionRecord): Promise<void> => {
      const envelope = await this.envelope(record, key, signer);
      const { write, draft } = signatureWrite(record, key, envelope, this.ports.who(signedBy));
      Object.assign(change, appendToChange(change, [write], [draft]));
    };
  }

  /** The stored signatures of a version. */
  async signaturesOf(
    version: Pick<VersionRecord, 'useCase' | 'modelName' | 'version'>,
  ): Promise<Signature[]> {
    const records = await allPages((cursor) =>
      this.ports.store.listRecords(
        'signature',
        { scope: signingIds.signatureScope(version, version.version) },
        { limit: 1000, cursor },
      ),
    );
    return records.map((r) => r.doc as unknown as Signature);
  }

  /** Where a version's signatures stand against the use case's keys now (the artifact is not re-hashed). */
  async state(version: VersionRecord): Promise<SignatureState & { error: Error | null }> {
    return signatureState(version, await this.signaturesOf(version), await this.keys(version.useCase));
  }

  /** The state a `require_signature` gate reads, only when a policy gate asks for it. */
  async forGates(head: ModelHead, version: VersionRecord): Promise<SignatureState | undefined> {
    const { gates } = policyOf(head.policy);
    if (!('require_signature' in gates.staging) && !('require_signature' in gates.production))
      return undefined;
    const { error: _error, ...state } = await this.state(version);
    return state;
  }

  /** Whether the policy asks for a signature in the version's current stage. */
  required(head: ModelHead, version: VersionRecord): boolean {
    const { gates } = policyOf(head.policy);
    const stage = version.stage === 'staging' || version.stage === 'production' ? version.stage : null;
    return stage !== null && gates[stage].require_signature === true;
  }

  /**
   * Verifies a version end to end: its artifact re-hashed (ArtifactIntegrityError), then its
   * signature (SignatureInvalidError, UntrustedKeyError, RevokedKeyError); unsigned is an
   * UntrustedKeyError too (no trusted key vouches for it) that says how to sign.
   */
  async verify(version: VersionRecord): Promise<Verification> {
    await this.rehash(version);
    const state = await this.state(version);
    if (state.error) throw state.error;
    if (state.status === 'unsigned') {
      throw new UntrustedKeyError(
        `${version.useCase}/${version.modelName} ${version.version} is unsigned, so no trusted key vouches for it; sign it with \`modelreg models sign --use-case ${version.useCase} --model ${version.modelName} --version ${version.version} --key FILE\`.`,
        { signature: 'unsigned' },
      );
    }
    const { error: _error, ...signature } = state;
    return {
      useCase: version.useCase,
      modelName: version.modelName,
      version: version.version,
      sha256: version.artifact.sha256,
      artifactVerified: true,
      signature,
    };
  }

  /** Reads the artifact back and proves it still has its recorded sha256 (the store's fetch checks). */
  private async rehash(version: VersionRecord): Promise<void> {
    const work = await mkdtemp(join(tmpdir(), 'modelreg-verify-'));
    try {
      await this.ports.artifacts.fetch(version.artifact, join(work, 'artifact'));
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }
}
