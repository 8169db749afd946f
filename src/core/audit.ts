import { createHash } from 'node:crypto';
import * as z from 'zod';
import { canonicalJson } from './canonical-json.js';
import { type ModelRef, StageSchema } from './model.js';

/** prevHash of a model's first event. */
export const GENESIS_HASH = '0'.repeat(64);

/** The audit actions a registry records. */
export const AUDIT_ACTIONS = [
  'register',
  'promote',
  'demote',
  'archive',
  'rollback',
  'alias.set',
  'alias.remove',
  'policy.set',
] as const;

/**
 * One entry of a model's tamper-evident history: who did what to which version, from
 * which stage to which, and when. `hash` chains it to the event before it.
 */
export const AuditEventSchema = z.object({
  seq: z.number().int().positive(),
  at: z.string(),
  actor: z.string(),
  action: z.string(),
  version: z.string().nullable(),
  fromStage: StageSchema.nullable(),
  toStage: StageSchema.nullable(),
  details: z.record(z.string(), z.unknown()),
  prevHash: z.string(),
  hash: z.string(),
});
export type AuditEvent = z.infer<typeof AuditEventSchema>;

/** An event before it is numbered and chained. */
export type AuditDraft = Omit<AuditEvent, 'seq' | 'prevHash' | 'hash'>;

/** Where a model's chain ends: the last sequence number and its hash. */
export interface AuditTip {
  seq: number;
  hash: string;
}

export const EMPTY_TIP: AuditTip = { seq: 0, hash: GENESIS_HASH };

/**
 * sha256 over the previous hash and the canonical JSON of the event (without its own
 * hash), bound to the model's identity so events cannot be moved between models.
 */
export function hashEvent(ref: ModelRef, event: Omit<AuditEvent, 'hash'>): string {
  const body = canonicalJson({ ...event, useCase: ref.useCase, modelName: ref.modelName });
  return createHash('sha256').update(event.prevHash).update('\n').update(body).digest('hex');
}

/** Numbers and chains drafts after `tip`; returns the events and the new tip. */
export function chainEvents(
  ref: ModelRef,
  tip: AuditTip,
  drafts: readonly AuditDraft[],
): { events: AuditEvent[]; tip: AuditTip } {
  const events: AuditEvent[] = [];
  let current = tip;
  for (const draft of drafts) {
    const unhashed = { ...draft, seq: current.seq + 1, prevHash: current.hash };
    const event = { ...unhashed, hash: hashEvent(ref, unhashed) };
    events.push(event);
    current = { seq: event.seq, hash: event.hash };
  }
  return { events, tip: current };
}

/** The answer of `audit verify`. */
export interface AuditVerification {
  valid: boolean;
  checked: number;
  firstBadSeq?: number;
  reason?: string;
}

/**
 * Recomputes the chain from the first event and names the first event whose number,
 * link or hash is wrong. When the model head's tip is given, a chain that was cut
 * short (events deleted at the end) is caught too.
 */
export function verifyChain(
  ref: ModelRef,
  events: readonly AuditEvent[],
  expectedTip?: AuditTip,
): AuditVerification {
  let prev = EMPTY_TIP;
  for (const [index, event] of events.entries()) {
    const bad = (reason: string): AuditVerification => ({
      valid: false,
      checked: index,
      firstBadSeq: prev.seq + 1,
      reason,
    });
    if (event.seq !== prev.seq + 1) return bad(`expected seq ${prev.seq + 1}, found ${event.seq}`);
    if (event.prevHash !== prev.hash)
      return bad(`seq ${event.seq} does not link to the hash of seq ${prev.seq}`);
    const { hash, ...unhashed } = event;
    if (hashEvent(ref, unhashed) !== hash)
      return bad(`seq ${event.seq} was altered: its hash does not match`);
    prev = { seq: event.seq, hash };
  }
  if (expectedTip !== undefined && (expectedTip.seq !== prev.seq || expectedTip.hash !== prev.hash)) {
    return {
      valid: false,
      checked: events.length,
      firstBadSeq: prev.seq + 1,
      reason: `the model records ${expectedTip.seq} events but the trail ends at seq ${prev.seq}`,
    };
  }
  return { valid: true, checked: events.length };
}
