import { createHash } from 'node:crypto';
import * as z from 'zod';
import { canonicalJson } from './canonical-json.js';
import { type ModelRef, StageSchema } from './model.js';

/** prevHash of a model's first event. */
export const GENESIS_HASH = '0'.repeat(64);

/** The actions that move a version into a stage (their events carry `toStage`). */
export const STAGE_ACTIONS = [
  'register',
  'promote',
  'demote',
  'archive',
  'rollback',
  'supersede',
  'deprecate',
] as const;

/**
 * Every audit action a registry records; `model.` + the action is the type of the event
 * notifiers and webhooks send (`model.promote`, `model.approval.request`). Drafts are typed
 * by it, so an action cannot be written without being listed here.
 */
export const AUDIT_ACTIONS = [
  ...STAGE_ACTIONS,
  'alias.set',
  'alias.remove',
  'policy.set',
  'evaluate',
  'approval.request',
  'approval.approve',
  'approval.reject',
  'approval.expire',
  'edit',
  'card.set',
  'sign',
  'key.trust',
  'key.revoke',
  'variant.add',
  'deployment.record',
  'deployment.end',
  'event.record',
  'webhook.create',
  'webhook.delete',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** The type of the event an action is published as. */
export const eventType = (action: string): string => `model.${action}`;

/** Every event type a subscriber can ask for. */
export const EVENT_TYPES: readonly string[] = AUDIT_ACTIONS.map(eventType);

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

/** An event before it is numbered and chained, with an action from the catalogue. */
export type AuditDraft = Omit<AuditEvent, 'seq' | 'prevHash' | 'hash' | 'action'> & { action: AuditAction };

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
 * Checks a chain one event at a time, so a trail of any length is verified in pages and
 * in constant memory. It starts at the genesis or at a tip already verified (a
 * checkpoint), and names the first event whose number, link or hash is wrong.
 */
export class ChainVerifier {
  private prev: AuditTip;
  private count = 0;
  private failure: AuditVerification | null = null;

  constructor(
    private readonly ref: ModelRef,
    start: AuditTip = EMPTY_TIP,
  ) {
    this.prev = start;
  }

  /** The last event that verified (the start tip until one does). */
  get tip(): AuditTip {
    return this.prev;
  }

  /** Events checked so far. */
  get checked(): number {
    return this.count;
  }

  /** Checks the next event; returns the failure (and keeps it) once one is found. */
  push(event: AuditEvent): AuditVerification | null {
    if (this.failure) return this.failure;
    const prev = this.prev;
    const bad = (reason: string): AuditVerification => {
      this.failure = { valid: false, checked: this.count, firstBadSeq: prev.seq + 1, reason };
      return this.failure;
    };
    if (event.seq !== prev.seq + 1) return bad(`expected seq ${prev.seq + 1}, found ${event.seq}`);
    if (event.prevHash !== prev.hash)
      return bad(`seq ${event.seq} does not link to the hash of seq ${prev.seq}`);
    const { hash, ...unhashed } = event;
    if (hashEvent(this.ref, unhashed) !== hash)
      return bad(`seq ${event.seq} was altered: its hash does not match`);
    this.prev = { seq: event.seq, hash };
    this.count++;
    return null;
  }

  /**
   * The answer once every event was pushed. When the model head's tip is given, a chain
   * that was cut short (events deleted at the end) or extended is caught too.
   */
  finish(expectedTip?: AuditTip): AuditVerification {
    if (this.failure) return this.failure;
    const prev = this.prev;
    if (expectedTip !== undefined && (expectedTip.seq !== prev.seq || expectedTip.hash !== prev.hash)) {
      return {
        valid: false,
        checked: this.count,
        firstBadSeq: Math.min(prev.seq, expectedTip.seq) + 1,
        reason:
          expectedTip.seq === prev.seq
            ? `the model head's tip hash does not match the hash of seq ${prev.seq}`
            : `the model records ${expectedTip.seq} events but the trail ends at seq ${prev.seq}`,
      };
    }
    return { valid: true, checked: this.count };
  }
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
  const verifier = new ChainVerifier(ref);
  for (const event of events) {
    const bad = verifier.push(event);
    if (bad) return bad;
  }
  return verifier.finish(expectedTip);
}
