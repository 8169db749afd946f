/**
 * Signed checkpoints of a model's audit chain: the anchor outside the database. A hash
 * chain alone proves nothing to whoever can write the store (they can recompute every
 * hash); a checkpoint says "seq N had hash H", signed with a key the store does not hold,
 * so a rewrite of any event up to N is caught by comparing the stored chain with it.
 */
import * as z from 'zod';
import type { AuditTip } from './audit.js';
import { canonicalJson } from './canonical-json.js';
import type { ModelRef } from './model.js';

/** The format tag of a checkpoint file (bumped if the signed payload ever changes). */
export const CHECKPOINT_FORMAT = 'modelreg.audit-checkpoint/1';

/** A signed statement that a model's chain had `hash` at `seq`. */
export const AuditCheckpointSchema = z.object({
  format: z.literal(CHECKPOINT_FORMAT, {
    error: `not a modelreg audit checkpoint: "format" must be "${CHECKPOINT_FORMAT}" (write one with \`modelreg audit checkpoint\`)`,
  }),
  useCase: z.string().min(1),
  modelName: z.string().min(1),
  seq: z.number().int().nonnegative(),
  hash: z.string().regex(/^[0-9a-f]{64}$/, 'hash must be 64 lowercase hex digits (a sha256)'),
  at: z.string().min(1),
  algorithm: z.string().min(1),
  keyId: z.string().min(1),
  signature: z.string().min(1),
});
export type AuditCheckpoint = z.infer<typeof AuditCheckpointSchema>;

/** A checkpoint before it is signed. */
export type UnsignedCheckpoint = Omit<AuditCheckpoint, 'signature'>;

/**
 * Signs and checks checkpoints with a key the registry's store does not hold: an
 * Ed25519 key file locally, a KMS asymmetric key on AWS. The registry never sees the key.
 */
export interface CheckpointSigner {
  /** The signature algorithm, recorded in the checkpoint (`ed25519`, `ECDSA_SHA_256` …). */
  readonly algorithm: string;
  /** Names the key (a digest of the public key, or the KMS key ARN), so a verifier can tell keys apart. */
  readonly keyId: string;
  /** Signs the payload; returns the signature in base64. */
  sign(payload: Uint8Array): Promise<string>;
  /** True when `signature` (base64) is this key's signature of `payload`. */
  verify(payload: Uint8Array, signature: string): Promise<boolean>;
}

/** The exact bytes that are signed: canonical JSON of every field but the signature. */
export function checkpointPayload(checkpoint: UnsignedCheckpoint): Uint8Array {
  const { format, useCase, modelName, seq, hash, at, algorithm, keyId } = checkpoint;
  return new TextEncoder().encode(
    canonicalJson({ format, useCase, modelName, seq, hash, at, algorithm, keyId }),
  );
}

/** Builds the unsigned checkpoint of a verified tip. */
export function unsignedCheckpoint(
  ref: ModelRef,
  tip: AuditTip,
  at: string,
  signer: Pick<CheckpointSigner, 'algorithm' | 'keyId'>,
): UnsignedCheckpoint {
  return {
    format: CHECKPOINT_FORMAT,
    useCase: ref.useCase,
    modelName: ref.modelName,
    seq: tip.seq,
    hash: tip.hash,
    at,
    algorithm: signer.algorithm,
    keyId: signer.keyId,
  };
}
