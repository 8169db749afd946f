/**
 * The workflow's domain: evaluation sets, evaluation evidence, comparisons on the same
 * evaluation set, and approval requests. Pure, like the rest of src/core.
 */
import * as z from 'zod';
import type { AuditDraft } from './audit.js';
import { recordChange } from './change.js';
import { compareMetrics, type MetricDelta } from './compare.js';
import type { Actor, Decision } from './decisions.js';
import { ApprovalExpiredError, ConflictError, ValidationError } from './errors.js';
import type { ModelHead } from './head.js';
import { type ArtifactInfo, MetricsSchema, type ModelRef, refLabel } from './model.js';

/** A version of a use case's standard evaluation set: the same rows for every model version. */
export const EvalSetSchema = z.object({
  useCase: z.string(),
  name: z.string(),
  version: z.number().int().positive(),
  /** `name@version`, what evidence and policies refer to. */
  id: z.string(),
  artifact: z.object({ uri: z.string(), sha256: z.string(), sizeBytes: z.number() }),
  description: z.string().nullable(),
  registeredAt: z.string(),
  registeredBy: z.string(),
});
export type EvalSet = z.infer<typeof EvalSetSchema>;

/** What one evaluation measured: which version, on which evaluation set (and its bytes), with what. */
export const EvidenceSchema = z.object({
  useCase: z.string(),
  modelName: z.string(),
  version: z.string(),
  evalSetId: z.string(),
  evalSetSha256: z.string(),
  metrics: MetricsSchema,
  evaluator: z.string(),
  evaluatedAt: z.string(),
  evaluatedBy: z.string(),
});
export type Evidence = z.infer<typeof EvidenceSchema>;

export const APPROVAL_STATUSES = ['pending', 'approved', 'rejected', 'expired'] as const;
export type ApprovalStatus = (typeof APPROVAL_STATUSES)[number];

/** A request for a human decision on a production promotion. */
export const ApprovalSchema = z.object({
  approvalId: z.string(),
  useCase: z.string(),
  modelName: z.string(),
  version: z.string(),
  status: z.enum(APPROVAL_STATUSES),
  requestedBy: z.string(),
  requestedAt: z.string(),
  expiresAt: z.string(),
  /** What the approver sees: metrics, deltas against production, gates. */
  evidence: z.record(z.string(), z.unknown()),
  /** Step Functions task token (or the local run's token) to resume the workflow with. */
  taskToken: z.string(),
  decidedBy: z.string().nullable(),
  decidedAt: z.string().nullable(),
  reason: z.string().nullable(),
});
export type Approval = z.infer<typeof ApprovalSchema>;

/** Record ids and scopes, one place. */
export const ids = {
  evalSet: (useCase: string, name: string, version: number) => `${useCase}/${name}@${version}`,
  evalSetScope: (useCase: string, name: string) => `${useCase}/${name}`,
  evidence: (ref: ModelRef, version: string, evalSetId: string) =>
    `${ref.useCase}/${ref.modelName}/${version}/${evalSetId}`,
  modelScope: (ref: ModelRef) => `${ref.useCase}/${ref.modelName}`,
};

/** Builds the eval set record of the next version of a set. */
export function newEvalSet(
  useCase: string,
  name: string,
  latest: number,
  artifact: ArtifactInfo,
  description: string | null,
  who: Actor,
): EvalSet {
  const version = latest + 1;
  return {
    useCase,
    name,
    version,
    id: `${name}@${version}`,
    artifact,
    description,
    registeredAt: who.now,
    registeredBy: who.actor,
  };
}

/** Splits `name@3` (or a bare `name`, meaning the latest). */
export function parseEvalSetRef(text: string): { name: string; version: number | null } {
  const m = /^([A-Za-z0-9][A-Za-z0-9_.-]{0,127})(?:@(\d+))?$/.exec(text);
  if (!m) {
    throw new ValidationError(
      `evaluation set ${JSON.stringify(text)} is not name or name@version (e.g. holdout or holdout@2).`,
    );
  }
  return { name: m[1]!, version: m[2] ? Number(m[2]) : null };
}

/** Attaches evaluation evidence to a version (idempotent: the same evidence again writes nothing). */
export function decideEvidence(
  ref: ModelRef,
  head: ModelHead,
  existing: Evidence | null,
  evidence: Evidence,
  who: Actor,
): Decision<Evidence> {
  if (existing !== null && existing.evalSetSha256 === evidence.evalSetSha256) {
    return { change: null, result: existing };
  }
  const record = {
    kind: 'evidence' as const,
    id: ids.evidence(ref, evidence.version, evidence.evalSetId),
    scope: ids.modelScope(ref),
    doc: evidence as unknown as Record<string, unknown>,
  };
  const draft: AuditDraft = {
    at: who.now,
    actor: who.actor,
    action: 'evaluate',
    version: evidence.version,
    fromStage: null,
    toStage: null,
    details: {
      evalSetId: evidence.evalSetId,
      evalSetSha256: evidence.evalSetSha256,
      metrics: evidence.metrics,
      evaluator: evidence.evaluator,
    },
  };
  return {
    change: recordChange(ref, head, [{ record, expect: 'absent' }], [draft], who.now),
    result: evidence,
  };
}

/** The comparison of a candidate with the production version on the same evaluation set. */
export interface EvidenceComparison {
  comparable: boolean;
  champion: string | null;
  evalSetId: string | null;
  metrics: Record<string, MetricDelta>;
  reason: string | null;
}

/**
 * Compares candidate and champion only when both were measured on the very same
 * evaluation set (same id and bytes); otherwise says plainly why not.
 */
export function compareEvidence(
  candidate: Evidence | null,
  champion: { version: string; evidence: Evidence | null } | null,
): EvidenceComparison {
  if (candidate === null) {
    return {
      comparable: false,
      champion: champion?.version ?? null,
      evalSetId: null,
      metrics: {},
      reason: 'the candidate has no evaluation evidence',
    };
  }
  if (champion === null) {
    return {
      comparable: true,
      champion: null,
      evalSetId: candidate.evalSetId,
      metrics: compareMetrics({}, candidate.metrics),
      reason: null,
    };
  }
  const c = champion.evidence;
  if (c === null) {
    return {
      comparable: false,
      champion: champion.version,
      evalSetId: candidate.evalSetId,
      metrics: {},
      reason: `production version ${champion.version} was never measured on ${candidate.evalSetId}: the two cannot be compared`,
    };
  }
  if (c.evalSetId !== candidate.evalSetId || c.evalSetSha256 !== candidate.evalSetSha256) {
    return {
      comparable: false,
      champion: champion.version,
      evalSetId: candidate.evalSetId,
      metrics: {},
      reason: `measured on different evaluation sets (${candidate.evalSetId} vs ${c.evalSetId}): the two cannot be compared`,
    };
  }
  return {
    comparable: true,
    champion: champion.version,
    evalSetId: candidate.evalSetId,
    metrics: compareMetrics(c.metrics, candidate.metrics),
    reason: null,
  };
}

/** Opens an approval request for a version in staging. */
export function decideRequestApproval(
  ref: ModelRef,
  head: ModelHead,
  approval: Approval,
  who: Actor,
): Decision<Approval> {
  const record = {
    kind: 'approval' as const,
    id: approval.approvalId,
    scope: ids.modelScope(ref),
    status: 'pending',
    doc: approval as unknown as Record<string, unknown>,
  };
  const draft: AuditDraft = {
    at: who.now,
    actor: who.actor,
    action: 'approval.request',
    version: approval.version,
    fromStage: null,
    toStage: null,
    details: { approvalId: approval.approvalId, expiresAt: approval.expiresAt },
  };
  return {
    change: recordChange(ref, head, [{ record, expect: 'absent' }], [draft], who.now),
    result: approval,
  };
}

/** Who may decide: the policy's approvers (when listed), never the requester. */
export function assertMayDecide(approval: Approval, approvers: readonly string[], by: string): void {
  if (by === approval.requestedBy) {
    throw new ConflictError(
      `${by} requested this promotion and cannot also approve or reject it; ask another approver.`,
      {
        approvalId: approval.approvalId,
      },
    );
  }
  if (approvers.length > 0 && !approvers.includes(by)) {
    throw new ConflictError(
      `${by} is not an approver of ${approval.useCase}/${approval.modelName}; the policy lists ${approvers.join(', ')}.`,
      {
        approvalId: approval.approvalId,
      },
    );
  }
}

/** Decides a pending request once: approved, rejected or expired. Deciding twice is refused. */
export function decideApproval(
  ref: ModelRef,
  head: ModelHead,
  approval: Approval,
  decision: 'approved' | 'rejected' | 'expired',
  reason: string | null,
  who: Actor,
): Decision<Approval> {
  if (approval.status === decision && approval.decidedBy === who.actor) {
    // the same decision by the same person again (a retried call): answer what was decided
    return { change: null, result: approval };
  }
  if (approval.status !== 'pending') {
    throw new ConflictError(
      `approval ${approval.approvalId} of ${refLabel(ref)} ${approval.version} was already ${approval.status}${approval.decidedBy ? ` by ${approval.decidedBy}` : ''}; a decision is made once.`,
      { approvalId: approval.approvalId, status: approval.status },
    );
  }
  if (decision !== 'expired' && Date.parse(who.now) >= Date.parse(approval.expiresAt)) {
    throw new ApprovalExpiredError(
      `approval ${approval.approvalId} of ${refLabel(ref)} ${approval.version} expired at ${approval.expiresAt}; it can no longer be ${decision}. Request a new approval (\`modelreg approvals request\`) or run the promotion workflow again.`,
      { approvalId: approval.approvalId, expiresAt: approval.expiresAt },
    );
  }
  const decided: Approval = {
    ...approval,
    status: decision,
    decidedBy: who.actor,
    decidedAt: who.now,
    reason,
  };
  const record = {
    kind: 'approval' as const,
    id: approval.approvalId,
    scope: ids.modelScope(ref),
    status: decision,
    doc: decided as unknown as Record<string, unknown>,
  };
  const action =
    decision === 'approved'
      ? 'approval.approve'
      : decision === 'rejected'
        ? 'approval.reject'
        : 'approval.expire';
  const draft: AuditDraft = {
    at: who.now,
    actor: who.actor,
    action,
    version: approval.version,
    fromStage: null,
    toStage: null,
    details: { approvalId: approval.approvalId, ...(reason ? { reason } : {}) },
  };
  return {
    change: recordChange(ref, head, [{ record, expect: { status: 'pending' } }], [draft], who.now),
    result: decided,
  };
}
