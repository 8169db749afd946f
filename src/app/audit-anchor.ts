/**
 * `audit verify` and `audit checkpoint` over a store: the chain is read in pages and
 * checked one event at a time (constant memory, whatever its length), optionally from a
 * signed checkpoint on, so a repeat verification reads only the events added since.
 */
import * as z from 'zod';
import { type AuditTip, type AuditVerification, ChainVerifier, EMPTY_TIP } from '../core/audit.js';
import {
  type AuditCheckpoint,
  AuditCheckpointSchema,
  type CheckpointSigner,
  checkpointPayload,
  unsignedCheckpoint,
} from '../core/audit-checkpoint.js';
import { AuditChainError, IntegrityError, ValidationError } from '../core/errors.js';
import type { ModelHead } from '../core/head.js';
import { type ModelRef, refLabel } from '../core/model.js';
import type { RegistryStore } from '../core/ports.js';
import { parseInput } from './inputs.js';

/** Events read per page while verifying. */
export const VERIFY_PAGE = 1000;

/** Options of a verification: a signed checkpoint to check against, and whether to walk every event. */
export const VerifyOptionsSchema = z.object({
  against: z.unknown().optional(),
  full: z.boolean().default(false),
});
export type VerifyOptions = z.input<typeof VerifyOptionsSchema> & { signer?: CheckpointSigner };

/**
 * What a verification says (`{valid, checked}` as before when no checkpoint is given);
 * against a checkpoint, also where reading started and which checkpoint it was.
 */
export interface AnchoredVerification extends AuditVerification {
  /** The first sequence number read (1 for a full walk). */
  from?: number;
  /** The checkpoint the chain was checked against. */
  checkpoint?: { seq: number; hash: string; keyId: string; at: string };
}

/** A checkpoint whose signature does not verify, that names another model, or another key. */
export class CheckpointInvalidError extends IntegrityError {
  override readonly name = 'CheckpointInvalidError';
}

/** Parses and authenticates a checkpoint of `ref` with `signer`'s key. */
export async function authenticCheckpoint(
  ref: ModelRef,
  raw: unknown,
  signer: CheckpointSigner | undefined,
): Promise<AuditCheckpoint> {
  const checkpoint = parseInput(AuditCheckpointSchema, raw);
  if (checkpoint.useCase !== ref.useCase || checkpoint.modelName !== ref.modelName) {
    throw new CheckpointInvalidError(
      `the checkpoint is of ${checkpoint.useCase}/${checkpoint.modelName}, not ${refLabel(ref)}; give that model's checkpoint.`,
      { checkpointOf: `${checkpoint.useCase}/${checkpoint.modelName}` },
    );
  }
  if (!signer) {
    throw new ValidationError(
      'a checkpoint is checked with the signing key: pass --key (env MODELREG_AUDIT_KEY), the key or public key that signed it.',
    );
  }
  if (checkpoint.keyId !== signer.keyId || checkpoint.algorithm !== signer.algorithm) {
    throw new CheckpointInvalidError(
      `the checkpoint was signed by ${checkpoint.keyId} (${checkpoint.algorithm}), not by the key given (${signer.keyId}); pass the key that signed it.`,
      { keyId: checkpoint.keyId, given: signer.keyId },
    );
  }
  const { signature, ...unsigned } = checkpoint;
  if (!(await signer.verify(checkpointPayload(unsigned), signature))) {
    throw new CheckpointInvalidError(
      `the checkpoint's signature does not verify with ${signer.keyId}: the file was altered or forged.`,
      { keyId: signer.keyId },
    );
  }
  return checkpoint;
}

/**
 * Verifies a model's stored chain against its head. With a checkpoint, seq N must still
 * have the signed hash; without `full`, only seq N and the events after it are read (the
 * events before N were verified when the checkpoint was made, and N's hash commits to them).
 */
export async function verifyStoredChain(
  store: RegistryStore,
  ref: ModelRef,
  head: ModelHead,
  options: { checkpoint?: AuditCheckpoint | undefined; full?: boolean },
): Promise<AnchoredVerification> {
  return (await walkStoredChain(store, ref, head, options)).verification;
}

/** The verification and the last tip that verified. */
async function walkStoredChain(
  store: RegistryStore,
  ref: ModelRef,
  head: ModelHead,
  options: { checkpoint?: AuditCheckpoint | undefined; full?: boolean },
): Promise<{ verification: AnchoredVerification; tip: AuditTip }> {
  const cp = options.checkpoint;
  const incremental = cp !== undefined && cp.seq > 0 && !options.full;
  const from = incremental ? cp.seq : 1;
  let verifier = new ChainVerifier(ref);
  let checkpointSeen = cp === undefined || cp.seq === 0;
  const answer = (v: AuditVerification): { verification: AnchoredVerification; tip: AuditTip } => ({
    verification: cp
      ? { ...v, from, checkpoint: { seq: cp.seq, hash: cp.hash, keyId: cp.keyId, at: cp.at } }
      : v,
    tip: verifier.tip,
  });
  const rewritten = (seq: number) =>
    answer({
      valid: false,
      checked: verifier.checked,
      firstBadSeq: seq,
      reason: `seq ${seq} no longer has the hash signed in the checkpoint of ${cp?.at}: the chain was rewritten at or before seq ${seq}`,
    });
  let cursor: string | null = null;
  do {
    const page = await store.listAudit(ref, { limit: VERIFY_PAGE, cursor, fromSeq: from });
    for (const event of page.items) {
      if (incremental && !checkpointSeen) {
        // the anchor event: its own hash must recompute, and be the signed one
        if (event.seq !== cp.seq) return rewritten(cp.seq);
        verifier = new ChainVerifier(ref, { seq: event.seq - 1, hash: event.prevHash });
      }
      const bad = verifier.push(event);
      if (bad) return answer(bad);
      if (cp && event.seq === cp.seq) {
        if (event.hash !== cp.hash) return rewritten(cp.seq);
        checkpointSeen = true;
      }
    }
    cursor = page.nextCursor;
  } while (cursor !== null);
  if (!checkpointSeen && cp) {
    return answer({
      valid: false,
      checked: verifier.checked,
      firstBadSeq: incremental ? cp.seq : verifier.tip.seq + 1,
      reason: `the checkpoint signed seq ${cp.seq} but the trail ends ${incremental ? 'before it' : `at seq ${verifier.tip.seq}`}: events were removed`,
    });
  }
  return answer(verifier.finish(head.auditTip));
}

/**
 * Verifies the chain (from `previous` on, when given and not `full`) and signs its tip.
 * A chain that does not verify is never signed: that is an AuditChainError.
 */
export async function signCheckpoint(
  store: RegistryStore,
  ref: ModelRef,
  head: ModelHead,
  signer: CheckpointSigner,
  at: string,
  options: { previous?: AuditCheckpoint | undefined; full?: boolean },
): Promise<{ checkpoint: AuditCheckpoint; verification: AnchoredVerification }> {
  const { verification, tip: verified } = await walkStoredChain(store, ref, head, {
    checkpoint: options.previous,
    full: options.full ?? false,
  });
  if (!verification.valid) {
    throw new AuditChainError(
      `${refLabel(ref)}'s audit trail does not verify (first bad event seq ${verification.firstBadSeq}: ${verification.reason}); no checkpoint was signed.`,
      { firstBadSeq: verification.firstBadSeq },
    );
  }
  const unsigned = unsignedCheckpoint(ref, verified.seq === 0 ? EMPTY_TIP : verified, at, signer);
  const signature = await signer.sign(checkpointPayload(unsigned));
  return { checkpoint: { ...unsigned, signature }, verification };
}
