/**
 * Provenance in one view: the six questions a registry entry should answer (dataset and
 * curation, the run and approval behind the promotion, the evaluation and its thresholds,
 * variants per target, deployments now, events after deployment), each answered from the
 * registry's own records. Pure: the use case reads the records, this assembles them.
 */
import type { AuditEvent } from './audit.js';
import type { Deployment } from './deployment.js';
import type { VersionEvent } from './events.js';
import type { Lineage, Stage } from './model.js';
import type { VersionRecord } from './ports.js';
import type { Variant } from './variant.js';
import type { Approval, Evidence } from './workflow.js';

/** One gate of the promotion as the audit event recorded it: the value it had and the threshold. */
export interface RecordedGate {
  gate: string;
  actual: unknown;
  threshold: unknown;
}

/** The six answers of `models explain`. */
export interface Explanation {
  useCase: string;
  modelName: string;
  version: string;
  stage: Stage;
  /** 1. Which dataset version and curation ruleset produced it. */
  data: {
    datasetVersion: string | null;
    curationRuleset: string | null;
    configHash: string | null;
    featureSet: { name: string; version: string } | null;
    codeVersion: string | null;
    parent: Lineage['parent'] | null;
  };
  /** 2. Which run justified its promotion, who approved it, with what comparison confidence. */
  promotion: {
    runId: string | null;
    promoted: boolean;
    /**
     * The audit event that put it where it is (promote, or rollback to production); a
     * rollback skips the gates, so `gatesSkipped` says the approval and gates shown are those
     * of an earlier promotion.
     */
    event: {
      seq: number;
      action: string;
      at: string;
      actor: string;
      toStage: Stage | null;
      gatesSkipped: boolean;
    } | null;
    replaced: string | null;
    confidence: number | null;
    approval: {
      approvalId: string;
      decidedBy: string | null;
      decidedAt: string | null;
      reason: string | null;
    } | null;
  };
  /** 3. Which evaluation set approved it, and the thresholds with their actual values. */
  evaluation: {
    evidence: Array<{
      evalSetId: string;
      evalSetSha256: string;
      evaluator: string;
      metrics: Record<string, number>;
      evaluatedAt: string;
    }>;
    gates: RecordedGate[];
  };
  /** 4. Which artifact variants exist, for which targets. */
  variants: Array<{
    target: string;
    format: string | null;
    precision: string | null;
    builder: string | null;
    sha256: string;
    sizeBytes: number;
    addedAt: string;
  }>;
  /** 5. Which fleets, sites or customers run it now. */
  deployments: { running: Deployment[]; ended: Deployment[] };
  /** 6. What happened after deployment: regressions, incidents, maintenance, rollbacks, demotions, archival. */
  events: Array<{ at: string; kind: string; details: string; actor: string; source: 'audit' | 'event' }>;
}

/** What `explain` reads, all of it records of the registry. */
export interface ExplainInputs {
  version: VersionRecord;
  audit: readonly AuditEvent[];
  evidence: readonly Evidence[];
  approvals: readonly Approval[];
  variants: readonly Variant[];
  deployments: readonly Deployment[];
  events: readonly VersionEvent[];
}

/** Audit actions that are "something happened to this version" after it shipped. */
const LIFECYCLE_ACTIONS = new Set([
  'rollback',
  'demote',
  'supersede',
  'deprecate',
  'archive',
  'deployment.end',
]);

function describeAudit(e: AuditEvent): string {
  const d = e.details;
  const move = `${e.fromStage ?? '∅'} → ${e.toStage ?? '∅'}`;
  if (e.action === 'deployment.end')
    return `deployment ${String(d.deploymentId)} ended${d.reason ? `: ${String(d.reason)}` : ''}`;
  const why = [
    d.reason,
    d.supersededBy ? `superseded by ${String(d.supersededBy)}` : null,
    d.replacedBy ? `replaced by ${String(d.replacedBy)}` : null,
  ]
    .filter((x) => x !== undefined && x !== null)
    .map(String);
  return `${move}${why.length ? ` (${why.join('; ')})` : ''}`;
}

/** Assembles the six answers from the records of one version. */
export function explain(inputs: ExplainInputs): Explanation {
  const v = inputs.version;
  const own = inputs.audit.filter((e) => e.version === v.version);
  // what put it where it is: the last promote to production or rollback, else its last promote
  const toProduction = own.filter(
    (e) => (e.action === 'promote' || e.action === 'rollback') && e.toStage === 'production',
  );
  const promoteEvent = toProduction.at(-1) ?? own.filter((e) => e.action === 'promote').at(-1) ?? null;
  const gates = Array.isArray(promoteEvent?.details.gates)
    ? (promoteEvent.details.gates as RecordedGate[]).map(({ gate, actual, threshold }) => ({
        gate,
        actual,
        threshold,
      }))
    : [];
  const confidence =
    typeof promoteEvent?.details.confidence === 'number' ? promoteEvent.details.confidence : null;
  const approved = inputs.approvals
    .filter((a) => a.version === v.version && a.status === 'approved')
    .sort((a, b) => (a.decidedAt ?? '').localeCompare(b.decidedAt ?? ''))
    .at(-1);
  // the audit sequence orders what happened in the same millisecond; a version event takes
  // the seq of its `event.record` audit event
  const seqOfEvent = new Map(
    own.filter((e) => e.action === 'event.record').map((e) => [String(e.details.eventId), e.seq]),
  );
  const lifecycle = own
    .filter((e) => LIFECYCLE_ACTIONS.has(e.action))
    .map((e) => ({
      seq: e.seq,
      entry: {
        at: e.at,
        kind: e.action,
        details: describeAudit(e),
        actor: e.actor,
        source: 'audit' as const,
      },
    }));
  const events = inputs.events
    .filter((e) => e.version === v.version)
    .map((e) => ({
      seq: seqOfEvent.get(e.id) ?? Number.MAX_SAFE_INTEGER,
      entry: { at: e.at, kind: e.kind, details: e.details, actor: e.actor, source: 'event' as const },
    }));
  const deployments = inputs.deployments.filter((d) => d.version === v.version);
  return {
    useCase: v.useCase,
    modelName: v.modelName,
    version: v.version,
    stage: v.stage,
    data: {
      datasetVersion: v.lineage.datasetVersion,
      curationRuleset: v.lineage.curationRuleset ?? null,
      configHash: v.lineage.configHash ?? null,
      featureSet: v.lineage.featureSet ?? null,
      codeVersion: v.lineage.codeVersion,
      parent: v.lineage.parent ?? null,
    },
    promotion: {
      runId: v.lineage.runId,
      promoted: toProduction.length > 0,
      event: promoteEvent
        ? {
            seq: promoteEvent.seq,
            action: promoteEvent.action,
            at: promoteEvent.at,
            actor: promoteEvent.actor,
            toStage: promoteEvent.toStage,
            gatesSkipped: promoteEvent.details.gatesSkipped === true,
          }
        : null,
      // the production version it replaced: superseded since release lines, archived before
      replaced:
        typeof promoteEvent?.details.supersededVersion === 'string'
          ? promoteEvent.details.supersededVersion
          : typeof promoteEvent?.details.archivedVersion === 'string'
            ? promoteEvent.details.archivedVersion
            : null,
      confidence,
      approval: approved
        ? {
            approvalId: approved.approvalId,
            decidedBy: approved.decidedBy,
            decidedAt: approved.decidedAt,
            reason: approved.reason,
          }
        : null,
    },
    evaluation: {
      evidence: inputs.evidence
        .filter((e) => e.version === v.version)
        .map((e) => ({
          evalSetId: e.evalSetId,
          evalSetSha256: e.evalSetSha256,
          evaluator: e.evaluator,
          metrics: e.metrics,
          evaluatedAt: e.evaluatedAt,
        })),
      gates,
    },
    variants: inputs.variants
      .filter((x) => x.version === v.version)
      .map((x) => ({
        target: x.target,
        format: x.format,
        precision: x.precision,
        builder: x.builder,
        sha256: x.artifact.sha256,
        sizeBytes: x.artifact.sizeBytes,
        addedAt: x.addedAt,
      })),
    deployments: {
      running: deployments.filter((d) => d.status === 'active'),
      ended: deployments.filter((d) => d.status === 'ended'),
    },
    events: [...lifecycle, ...events]
      .sort((a, b) => a.entry.at.localeCompare(b.entry.at) || a.seq - b.seq)
      .map((x) => x.entry),
  };
}
