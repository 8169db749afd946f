/**
 * The registry with its workflow use cases: evaluation sets, automated evaluation on the
 * standard set, comparison with production on the same set, registration from a
 * training-completed event, and approval requests. The lifecycle use cases live in
 * registry-core.ts; this class adds what the promotion workflow's steps call.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as z from 'zod';
import { canonicalJson } from '../core/canonical-json.js';
import {
  type Actor,
  type DeprecateResult,
  type Deprecation,
  decideDeprecate,
  deprecationIn,
  type MeasuredMetrics,
} from '../core/decisions.js';
// variants, deployments and explain (deploy)
import type { Deployment, RecordedDeployment } from '../core/deployment.js';
import { NotFoundError, UntrustedKeyError, ValidationError } from '../core/errors.js';
import type { VersionEvent } from '../core/events.js';
import type { Explanation } from '../core/explain.js';
import { describeFailures, evaluateGates, type GateResult } from '../core/gates.js';
import type { ModelHead } from '../core/head.js';
import type { Metrics, ModelRef, ModelVersion, Stage } from '../core/model.js';
import { refLabel } from '../core/model.js';
import type { CardSetResult, RenderedCard, StoredCard } from '../core/model-card.js';
import { policyOf } from '../core/policy.js';
import type {
  Page,
  RecordWrite,
  RegistryStore,
  Signer,
  UseCaseSummary,
  VersionRecord,
} from '../core/ports.js';
import type { Signature, SignatureState, TrustedKey } from '../core/signing.js';
import type { Variant } from '../core/variant.js';
import {
  type Approval,
  assertMayDecide,
  compareEvidence,
  decideApproval,
  decideEvidence,
  decideRequestApproval,
  type EvalSet,
  type Evidence,
  ids,
  newEvalSet,
  parseEvalSetRef,
} from '../core/workflow.js';
import {
  endDeployment,
  type ListDeploymentsInput,
  listDeployments,
  type RecordDeploymentInput,
  recordDeployment,
  stillRunning,
} from './deployments.js';
import { defaultEvaluators, type EvaluatorResolver } from './evaluators.js';
import {
  type ListEventsInput,
  Monitor,
  type MonitorStatus,
  type RecordEventInput,
  type ReportInput,
  type ReportResult,
} from './events.js';
import { explainVersion } from './explain.js';
import { timeOrderedId } from './ids.js';
import {
  ActorName,
  type DeprecateInput,
  DeprecateSchema,
  GetArtifactSchema,
  LIMITS,
  maxJsonBytes,
  parseInput,
  type RegisterInput,
  RegisterSchema,
  type ResolveInput,
  ResolveSchema,
  type SelectorInput,
  SelectorSchema,
  safeRecord,
} from './inputs.js';
import {
  type LineageReindexInput,
  type LineageReindexResult,
  type LineageWalk,
  LineageWalker,
  type LineageWalkInput,
  reindexLineage,
} from './lineage.js';
import { type CardSetInput, type EditInput, ModelCards } from './model-cards.js';
import { allPages } from './pages.js';
import { RegistryCore, type RegistryPorts } from './registry-core.js';
import { type Resolution, resolveServing } from './resolve.js';
import { type RevokeKeySchema, Signing, type TrustKeySchema, type Verification } from './signing.js';
import {
  type AddVariantInput,
  addVariant,
  type GetVariantSchema,
  getVariant,
  type RecordUseCasePorts,
  variantsOf,
} from './variants.js';
import { type Resolver, type WebhookSender, Webhooks } from './webhooks.js';

export * from './registry-core.js';

const Name = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/, 'names use letters, digits, "_", "." or "-"');

const EvalSetRegisterSchema = z.object({
  useCase: Name,
  name: Name,
  file: z.string().min(1, 'the evaluation set file is required (--file F)'),
  description: z.string().max(1024).optional(),
  registeredBy: ActorName.optional(),
});

const VersionRefSchema = z.object({ useCase: Name, modelName: Name, version: z.string().min(1) });

/** A training-completed event: what a training job tells the registry (the promotion workflow's input). */
export const TrainingCompletedSchema = z.object({
  useCase: Name,
  modelName: Name,
  artifactUri: z.string().min(1, 'artifactUri is required: the model file or directory (s3://… on AWS)'),
  runId: z.string().min(1).max(256),
  /** The event's own id (EventBridge `id`); without it the key is the model, run and artifact digest. */
  eventId: z.string().min(1).max(256).optional(),
  datasetVersion: z.string().min(1).max(256).nullable().default(null),
  codeVersion: z.string().min(1).max(256).nullable().default(null),
  // the rest of the lineage, so a workflow-registered version answers `models explain` too (deploy)
  curationRuleset: z.string().min(1).max(256).nullable().optional(),
  configHash: z.string().min(1).max(256).nullable().optional(),
  featureSet: z
    .object({ name: z.string().min(1).max(128), version: z.string().min(1).max(128) })
    .nullable()
    .optional(),
  requestedBy: ActorName,
  // null-prototype maps keep `__proto__` keys; registration checks names, sizes and limits
  metrics: safeRecord(z.string(), z.number().finite()).default(() => Object.create(null)),
  metadata: safeRecord(z.string(), z.unknown()).default(() => Object.create(null)),
  tags: safeRecord(z.string(), z.string()).default(() => Object.create(null)),
});
export type TrainingCompleted = z.input<typeof TrainingCompletedSchema>;

/**
 * The key a training event is registered once under: its id when it has one, else its
 * model, run and artifact digest (a redelivery carries the same of each).
 */
export function deliveryKey(event: z.output<typeof TrainingCompletedSchema>, sha256: string): string {
  if (event.eventId !== undefined) return `event:${event.eventId}`;
  return `run:${createHash('sha256')
    .update(canonicalJson({ useCase: event.useCase, modelName: event.modelName, runId: event.runId, sha256 }))
    .digest('hex')}`;
}

/** The answer of registration from an event. */
export interface RegisteredFromEvent {
  useCase: string;
  modelName: string;
  version: string;
  stage: string;
  sha256: string;
  alreadyRegistered: boolean;
}

/** The answer of the evaluate step. */
export interface EvaluationResult {
  evaluated: boolean;
  evalSetId: string | null;
  metrics: Metrics;
  evaluator: string | null;
  reason: string | null;
}

/** The answer of the compare step: what the approval and the gates are decided on. */
export interface WorkflowComparison {
  comparable: boolean;
  champion: string | null;
  evalSetId: string | null;
  metrics: Record<string, { a: number | null; b: number | null; delta: number | null }>;
  confidence: number | null;
  gates: GateResult[];
  gatesPassed: boolean;
  reason: string | null;
  requireApproval: boolean;
  approvalTimeoutSeconds: number;
}

/** Ports of the full registry: the core's, plus how evaluators are found. */
export interface WorkflowPorts extends RegistryPorts {
  evaluators?: EvaluatorResolver;
}

/** The registry: lifecycle use cases (RegistryCore) plus the workflow's. */
export class Registry extends RegistryCore {
  private readonly evaluators: EvaluatorResolver;

  constructor(ports: WorkflowPorts) {
    super(ports);
    this.evaluators = ports.evaluators ?? defaultEvaluators();
  }

  /** Registers a new version of a use case's evaluation set (name@1, name@2 …); versions are immutable. */
  async registerEvalSet(input: z.input<typeof EvalSetRegisterSchema>): Promise<EvalSet> {
    const req = parseInput(EvalSetRegisterSchema, input);
    const staged = await this.artifacts.stage(req.file, 'evaluation set');
    try {
      for (let attempt = 1; ; attempt++) {
        const latest = (await this.evalSetVersions(req.useCase, req.name)).at(-1)?.version ?? 0;
        const who = this.who(req.registeredBy);
        try {
          const artifact = await this.artifacts.publishEvalSet(staged, req.useCase, req.name, latest + 1);
          const set = newEvalSet(req.useCase, req.name, latest, artifact, req.description ?? null, who);
          await this.store.putRecord({
            record: {
              kind: 'evalset',
              id: ids.evalSet(req.useCase, req.name, set.version),
              scope: ids.evalSetScope(req.useCase, req.name),
              doc: set as unknown as Record<string, unknown>,
            },
            expect: 'absent',
          });
          return set;
        } catch (e) {
          if (attempt >= 5 || !(e instanceof Error && e.name === 'ConcurrentModificationError')) throw e;
        }
      }
    } finally {
      await this.artifacts.discard(staged);
    }
  }

  private async evalSetVersions(useCase: string, name: string): Promise<EvalSet[]> {
    const out: EvalSet[] = [];
    out.push(
      ...(
        await allPages((cursor) =>
          this.store.listRecords(
            'evalset',
            { scope: ids.evalSetScope(useCase, name) },
            { limit: 1000, cursor },
          ),
        )
      ).map((r) => r.doc as unknown as EvalSet),
    );
    return out.sort((a, b) => a.version - b.version);
  }

  /** The versions of an evaluation set, oldest first. */
  async listEvalSets(input: { useCase: string; name: string }): Promise<EvalSet[]> {
    const req = parseInput(z.object({ useCase: Name, name: Name }), input);
    return this.evalSetVersions(req.useCase, req.name);
  }

  /** One evaluation set version: `name@3`, or `name` for the latest. */
  async getEvalSet(useCase: string, ref: string): Promise<EvalSet> {
    const { name, version } = parseEvalSetRef(ref);
    const versions = await this.evalSetVersions(useCase, name);
    const found = version === null ? versions.at(-1) : versions.find((v) => v.version === version);
    if (!found) {
      throw new NotFoundError(
        `use case ${useCase} has no evaluation set ${ref}; register an evaluation set named ${name} first.`,
        { useCase, evalSet: name },
      );
    }
    return found;
  }

  private async evidenceOf(ref: ModelRef, version: string, evalSetId: string): Promise<Evidence | null> {
    const r = await this.store.getRecord('evidence', ids.evidence(ref, version, evalSetId));
    return r ? (r.doc as unknown as Evidence) : null;
  }

  /**
   * The production version's evidence on `set`, or else its latest on another version of
   * the same set, so the comparison can say which sets differ instead of only "never measured".
   */
  private async championEvidence(ref: ModelRef, champion: string, set: EvalSet): Promise<Evidence | null> {
    const same = await this.evidenceOf(ref, champion, set.id);
    if (same) return same;
    const others = (await this.evidence({ ...ref, version: champion })).filter(
      (e) => parseEvalSetRef(e.evalSetId).name === set.name,
    );
    return others.sort((a, b) => a.evaluatedAt.localeCompare(b.evaluatedAt)).at(-1) ?? null;
  }

  /** Evaluation evidence of a version, on every evaluation set it was measured on. */
  async evidence(input: { useCase: string; modelName: string; version: string }): Promise<Evidence[]> {
    const req = parseInput(VersionRefSchema, input);
    const records = await allPages((cursor) =>
      this.store.listRecords('evidence', { scope: ids.modelScope(req) }, { limit: 1000, cursor }),
    );
    return records.map((r) => r.doc as unknown as Evidence).filter((e) => e.version === req.version);
  }

  /**
   * Runs the model's evaluator on the latest version of its standard evaluation set and
   * attaches the result to the version as evidence (audited). Re-running on the same set
   * answers the evidence already recorded.
   */
  async evaluate(input: {
    useCase: string;
    modelName: string;
    version: string;
    evaluatedBy?: string | undefined;
  }): Promise<EvaluationResult> {
    const req = parseInput(VersionRefSchema.extend({ evaluatedBy: ActorName.optional() }), input);
    const ref = { useCase: req.useCase, modelName: req.modelName };
    const { head, version } = await this.load(ref, { ...ref, version: req.version });
    const policy = policyOf(head.policy);
    if (policy.evaluation.evalSet === null || policy.evaluation.evaluator === null) {
      return {
        evaluated: false,
        evalSetId: null,
        metrics: {},
        evaluator: null,
        reason: `${refLabel(ref)} has no standard evaluation in its policy (evaluation.evalSet and evaluation.evaluator)`,
      };
    }
    const set = await this.getEvalSet(ref.useCase, policy.evaluation.evalSet);
    const existing = await this.evidenceOf(ref, version.version, set.id);
    if (existing && existing.evalSetSha256 === set.artifact.sha256) {
      return {
        evaluated: true,
        evalSetId: set.id,
        metrics: existing.metrics,
        evaluator: existing.evaluator,
        reason: null,
      };
    }
    const evaluator = await this.evaluators(policy.evaluation.evaluator);
    const work = await mkdtemp(join(tmpdir(), 'modelreg-eval-'));
    let metrics: Metrics;
    try {
      const artifact = await this.artifacts.fetch(version.artifact, join(work, 'model'));
      const data = await this.artifacts.fetch(set.artifact, join(work, 'evalset'));
      metrics = await evaluator.evaluate({
        artifactPath: artifact.path,
        evalSetPath: data.path,
        artifactUri: version.artifact.uri,
        evalSetUri: set.artifact.uri,
      });
    } finally {
      await rm(work, { recursive: true, force: true });
    }
    const who = this.who(req.evaluatedBy);
    const evidence: Evidence = {
      useCase: ref.useCase,
      modelName: ref.modelName,
      version: version.version,
      evalSetId: set.id,
      evalSetSha256: set.artifact.sha256,
      metrics,
      evaluator: evaluator.name,
      evaluatedAt: who.now,
      evaluatedBy: who.actor,
    };
    const saved = await this.mutate(async () => {
      const fresh = await this.requireHead(ref);
      return decideEvidence(
        ref,
        fresh,
        await this.evidenceOf(ref, version.version, set.id),
        evidence,
        this.who(req.evaluatedBy),
      );
    });
    return {
      evaluated: true,
      evalSetId: saved.evalSetId,
      metrics: saved.metrics,
      evaluator: saved.evaluator,
      reason: null,
    };
  }

  /**
   * Gates use evaluated metrics when the policy names a standard evaluation set and the
   * candidate was measured on its latest version; delta gates then compare with the
   * production version's evidence on that same set, and fail when there is none.
   */
  protected override async measured(
    ref: ModelRef,
    head: ModelHead,
    version: VersionRecord,
  ): Promise<MeasuredMetrics | undefined> {
    const policy = policyOf(head.policy);
    if (policy.evaluation.evalSet === null) return undefined;
    let set: EvalSet;
    try {
      set = await this.getEvalSet(ref.useCase, policy.evaluation.evalSet);
    } catch {
      return undefined;
    }
    const candidate = await this.evidenceOf(ref, version.version, set.id);
    if (candidate === null || candidate.evalSetSha256 !== set.artifact.sha256) return undefined;
    const champion =
      head.production && head.production.version !== version.version ? head.production.version : null;
    const cmp = compareEvidence(
      candidate,
      champion === null
        ? null
        : { version: champion, evidence: await this.championEvidence(ref, champion, set) },
    );
    const baseline =
      champion === null
        ? null
        : cmp.comparable
          ? {
              version: champion,
              metrics: Object.fromEntries(
                Object.entries(cmp.metrics).flatMap(([k, d]) => (d.a === null ? [] : [[k, d.a]])),
              ),
            }
          : { incomparable: cmp.reason ?? 'not comparable' };
    return { metrics: candidate.metrics, baseline };
  }

  /**
   * Where the policy asks for approval, a production promotion needs an approved request
   * for that version: reported as the `require_approval` gate, so a refusal changes nothing.
   */
  protected override async productionChecks(
    ref: ModelRef,
    head: ModelHead,
    version: VersionRecord,
  ): Promise<GateResult[]> {
    const evaluation = await this.evaluationCheck(ref, head, version);
    const approval = await this.approvalCheck(ref, version, head);
    return [...(evaluation ? [evaluation] : []), ...(approval ? [approval] : [])];
  }

  /**
   * Where the policy names a standard evaluation set, production needs evidence on its
   * latest version: self-reported metrics alone do not reach production.
   */
  private async evaluationCheck(
    ref: ModelRef,
    head: ModelHead,
    version: VersionRecord,
  ): Promise<GateResult | null> {
    const { evalSet } = policyOf(head.policy).evaluation;
    if (evalSet === null) return null;
    const set = await this.getEvalSet(ref.useCase, evalSet).catch(() => null);
    const evidence = set ? await this.evidenceOf(ref, version.version, set.id) : null;
    const passed = set !== null && evidence !== null && evidence.evalSetSha256 === set.artifact.sha256;
    return {
      gate: 'require_evaluation',
      metric: 'evaluation',
      actual: passed,
      threshold: true,
      passed,
      source: 'policy',
      note:
        set === null
          ? `evaluation set ${evalSet} is not registered`
          : passed
            ? `evaluated on ${set.id}`
            : `not evaluated on ${set.id}: evaluate it on the set first (the promotion workflow does)`,
    };
  }

  /** Where the policy asks for approval: an approved request for this version. */
  private async approvalCheck(
    ref: ModelRef,
    version: VersionRecord,
    head: ModelHead,
  ): Promise<GateResult | null> {
    if (!policyOf(head.policy).requireApproval) return null;
    const approvals = (await this.approvalsOf(ref)).filter((a) => a.version === version.version);
    // an approval counts only when it was given before the request expired
    const approved = approvals.find(
      (a) =>
        a.status === 'approved' && a.decidedAt !== null && Date.parse(a.decidedAt) < Date.parse(a.expiresAt),
    );
    const pending = approvals.find((a) => a.status === 'pending');
    return {
      gate: 'require_approval',
      metric: 'approval',
      actual: approved !== undefined,
      threshold: true,
      passed: approved !== undefined,
      source: 'policy',
      note: approved
        ? `approved by ${approved.decidedBy} at ${approved.decidedAt}`
        : pending
          ? `approval ${pending.approvalId} is still pending`
          : 'no approved request: run the promotion workflow or request an approval',
    };
  }

  /**
   * Compares a candidate with the production version on the same evaluation set and
   * checks the production gates on what was measured: what the workflow's Choice and the
   * approver decide on.
   */
  async compareWithProduction(input: {
    useCase: string;
    modelName: string;
    version: string;
  }): Promise<WorkflowComparison> {
    const req = parseInput(VersionRefSchema, input);
    const ref = { useCase: req.useCase, modelName: req.modelName };
    const { head, version } = await this.load(ref, { ...ref, version: req.version });
    const policy = policyOf(head.policy);
    const champion =
      head.production && head.production.version !== version.version ? head.production.version : null;
    let comparison: ReturnType<typeof compareEvidence>;
    if (policy.evaluation.evalSet !== null) {
      const set = await this.getEvalSet(ref.useCase, policy.evaluation.evalSet);
      comparison = compareEvidence(
        await this.evidenceOf(ref, version.version, set.id),
        champion === null
          ? null
          : { version: champion, evidence: await this.championEvidence(ref, champion, set) },
      );
    } else {
      // no standard evaluation: compare the registered metrics, and say so
      const prod = head.production && champion !== null ? head.production.metrics : null;
      comparison = {
        comparable: true,
        champion,
        evalSetId: null,
        metrics: Object.fromEntries(
          [...new Set([...Object.keys(version.metrics), ...Object.keys(prod ?? {})])].sort().map((k) => {
            const a = prod?.[k] ?? null;
            const b = version.metrics[k] ?? null;
            return [k, { a, b, delta: a === null || b === null ? null : Math.round((b - a) * 1e12) / 1e12 }];
          }),
        ),
        reason: null,
      };
    }
    const measured = await this.measured(ref, head, version);
    const signature = await this.signatureForGates(ref, head, version);
    const subject = {
      ...(measured
        ? {
            metrics: { ...version.metrics, ...measured.metrics },
            metadata: version.metadata,
            format: version.format,
          }
        : version),
      signature,
    };
    const baseline =
      measured?.baseline ??
      (champion !== null && head.production ? { version: champion, metrics: head.production.metrics } : null);
    const evaluationCheck = await this.evaluationCheck(ref, head, version);
    // the model card gates of the stages the workflow will promote through
    const cardChecks = await this.stageChecks(ref, head, version);
    const gates = [
      ...evaluateGates(policy.gates.production, subject, baseline, 'policy'),
      ...(evaluationCheck ? [evaluationCheck] : []),
      ...(version.stage === 'development' ? (cardChecks.staging ?? []) : []),
      ...(cardChecks.production ?? []),
    ];
    const gatesPassed = gates.every((g) => g.passed);
    const reasons = [
      ...(gatesPassed
        ? []
        : [
            `${gates.filter((g) => !g.passed).length} of ${gates.length} gates failed: ${describeFailures(gates)}`,
          ]),
      ...(comparison.comparable ? [] : [comparison.reason ?? 'not comparable']),
    ];
    return {
      comparable: comparison.comparable,
      champion: comparison.champion,
      evalSetId: comparison.evalSetId,
      metrics: comparison.metrics,
      confidence: comparison.comparable
        ? await this.confidence(policy.evaluation, version, champion, comparison.evalSetId, ref)
        : null,
      gates,
      gatesPassed,
      reason: reasons.length ? reasons.join('; ') : null,
      // a version already in production needs no approval to be there (a redelivered event)
      requireApproval: policy.requireApproval && version.stage !== 'production',
      approvalTimeoutSeconds: Math.round(policy.approvalTimeoutHours * 3600),
    };
  }

  /** The evaluator's confidence that the candidate beats the champion, when it can say. */
  private async confidence(
    evaluation: { evalSet: string | null; evaluator: string | null },
    candidate: VersionRecord,
    champion: string | null,
    evalSetId: string | null,
    ref: ModelRef,
  ): Promise<number | null> {
    if (champion === null || evalSetId === null || evaluation.evaluator === null) return null;
    const evaluator = await this.evaluators(evaluation.evaluator);
    if (!evaluator.confidence) return null;
    const { versions } = await this.store.getHeadAndVersions(ref, [champion]);
    const championRecord = versions.get(champion);
    if (!championRecord) return null;
    const set = await this.getEvalSet(ref.useCase, evalSetId);
    const work = await mkdtemp(join(tmpdir(), 'modelreg-confidence-'));
    try {
      const a = await this.artifacts.fetch(championRecord.artifact, join(work, 'champion'));
      const b = await this.artifacts.fetch(candidate.artifact, join(work, 'candidate'));
      const data = await this.artifacts.fetch(set.artifact, join(work, 'evalset'));
      return await evaluator.confidence({
        candidatePath: b.path,
        championPath: a.path,
        evalSetPath: data.path,
      });
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }

  /**
   * Registers the version a training run produced. Safe to call again with the same
   * event: a version of this model from the same run with the same bytes is answered
   * instead of registering a duplicate.
   */
  async registerFromEvent(input: TrainingCompleted): Promise<RegisteredFromEvent> {
    const event = parseInput(TrainingCompletedSchema, input);
    const ref = { useCase: event.useCase, modelName: event.modelName };
    const artifactPath = event.artifactUri.replace(/^file:\/\//, '');
    const staged = await this.artifacts.stage(artifactPath);
    try {
      const sha256 = staged.sha256;
      const key = deliveryKey(event, sha256);
      let already = false;
      const find = async (): Promise<VersionRecord | null> => {
        const delivered = await this.store.getRecord('delivery', key);
        const version = delivered ? (delivered.doc.version as string) : null;
        if (version !== null) {
          const { versions } = await this.store.getHeadAndVersions(ref, [version]);
          const found = versions.get(version) ?? null;
          already = found !== null;
          return found;
        }
        // registered before deliveries were keyed: the run's version with the same bytes
        const runVersions = await allPages((cursor) =>
          this.store.findByRunId(event.runId, { limit: 1000, cursor }),
        );
        const same = runVersions.find(
          (v) => v.useCase === ref.useCase && v.modelName === ref.modelName && v.artifact.sha256 === sha256,
        );
        already = same !== undefined;
        return same ?? null;
      };
      const record = (v: VersionRecord): RecordWrite => ({
        record: {
          kind: 'delivery',
          id: key,
          scope: `${ref.useCase}/${ref.modelName}`,
          doc: { ...ref, version: v.version, runId: event.runId, sha256, eventId: event.eventId ?? null },
        },
        expect: 'absent',
      });
      const v = await this.registerStaged(
        parseInput(RegisterSchema, {
          ...ref,
          artifactPath,
          metrics: event.metrics,
          metadata: event.metadata,
          lineage: {
            runId: event.runId,
            datasetVersion: event.datasetVersion,
            codeVersion: event.codeVersion,
            ...(event.curationRuleset != null ? { curationRuleset: event.curationRuleset } : {}),
            ...(event.configHash != null ? { configHash: event.configHash } : {}),
            ...(event.featureSet != null ? { featureSet: event.featureSet } : {}),
          },
          tags: event.tags,
          registeredBy: event.requestedBy,
        }),
        staged,
        { find, record },
      );
      return {
        ...ref,
        version: v.version,
        stage: v.stage,
        sha256: v.artifact.sha256,
        alreadyRegistered: already,
      };
    } finally {
      await this.artifacts.discard(staged);
    }
  }

  /**
   * Opens an approval request for a staging version, keyed to the workflow's task token.
   * Asking again with the same token answers the request already open.
   */
  async requestApproval(input: {
    useCase: string;
    modelName: string;
    version: string;
    requestedBy: string;
    taskToken: string;
    evidence?: Record<string, unknown> | undefined;
    timeoutSeconds?: number | undefined;
  }): Promise<Approval> {
    const req = parseInput(
      VersionRefSchema.extend({
        requestedBy: ActorName,
        taskToken: z.string().min(1),
        evidence: z
          .record(z.string(), z.unknown())
          .superRefine(maxJsonBytes('evidence', LIMITS.evidenceBytes))
          .default({}),
        timeoutSeconds: z.number().int().positive().optional(),
      }),
      input,
    );
    const ref = { useCase: req.useCase, modelName: req.modelName };
    return this.mutate(async () => {
      const { head, version } = await this.load(ref, { ...ref, version: req.version });
      const open = (await this.approvalsOf(ref)).find((a) => a.taskToken === req.taskToken);
      if (open) return { change: null, result: open };
      if (version.stage !== 'staging') {
        throw new ValidationError(
          `${refLabel(ref)} ${version.version} is ${version.stage}; approval is asked for a staging version.`,
        );
      }
      const who: Actor = this.who(req.requestedBy);
      const timeout = req.timeoutSeconds ?? Math.round(policyOf(head.policy).approvalTimeoutHours * 3600);
      const approval: Approval = {
        approvalId: timeOrderedId(),
        useCase: ref.useCase,
        modelName: ref.modelName,
        version: version.version,
        status: 'pending',
        requestedBy: req.requestedBy,
        requestedAt: who.now,
        expiresAt: new Date(Date.parse(who.now) + timeout * 1000).toISOString(),
        evidence: req.evidence,
        taskToken: req.taskToken,
        decidedBy: null,
        decidedAt: null,
        reason: null,
      };
      return decideRequestApproval(ref, head, approval, who);
    });
  }

  private async approvalsOf(ref: ModelRef): Promise<Approval[]> {
    const records = await allPages((cursor) =>
      this.store.listRecords('approval', { scope: ids.modelScope(ref) }, { limit: 1000, cursor }),
    );
    return records.map((r) => r.doc as unknown as Approval);
  }

  /** Approval requests in a status (pending by default), across models. */
  async listApprovals(input: { status?: Approval['status']; useCase?: string } = {}): Promise<Approval[]> {
    const status = input.status ?? 'pending';
    const records = await allPages((cursor) =>
      this.store.listRecords('approval', { status }, { limit: 1000, cursor }),
    );
    return records
      .map((r) => r.doc as unknown as Approval)
      .filter((a) => input.useCase === undefined || a.useCase === input.useCase)
      .sort((a, b) => a.requestedAt.localeCompare(b.requestedAt) || a.approvalId.localeCompare(b.approvalId));
  }

  /** One approval request by id. */
  async getApproval(approvalId: string): Promise<Approval> {
    const r = await this.store.getRecord('approval', approvalId);
    if (!r)
      throw new NotFoundError(`no approval request ${approvalId}.`, {
        approvalId,
      });
    return r.doc as unknown as Approval;
  }

  /**
   * Records a human decision, once: the approver must be allowed by the model's policy
   * and may not be the requester. The decision is audited with the change.
   */
  async decideApproval(input: {
    approvalId: string;
    decision: 'approve' | 'reject';
    by: string;
    reason?: string | undefined;
  }): Promise<Approval> {
    const req = parseInput(
      z.object({
        approvalId: z.string().min(1),
        decision: z.enum(['approve', 'reject']),
        by: z.string().min(1, 'who decides is required (--by NAME)').pipe(ActorName),
        reason: z.string().max(1024).optional(),
      }),
      input,
    );
    const approval = await this.getApproval(req.approvalId);
    const ref = { useCase: approval.useCase, modelName: approval.modelName };
    return this.mutate(async () => {
      const head = await this.requireHead(ref);
      const current = await this.getApproval(req.approvalId);
      assertMayDecide(current, policyOf(head.policy).approvers, req.by);
      return decideApproval(
        ref,
        head,
        current,
        req.decision === 'approve' ? 'approved' : 'rejected',
        req.reason ?? null,
        this.who(req.by),
      );
    });
  }

  /** Marks the pending request of a version (or a request by id) as expired: the workflow timed out. */
  async expireApproval(input: {
    approvalId?: string;
    useCase?: string;
    modelName?: string;
    version?: string;
  }): Promise<Approval | null> {
    let approval: Approval | undefined;
    if (input.approvalId) approval = await this.getApproval(input.approvalId);
    else if (input.useCase && input.modelName && input.version) {
      approval = (await this.approvalsOf({ useCase: input.useCase, modelName: input.modelName })).find(
        (a) => a.version === input.version && a.status === 'pending',
      );
    } else
      throw new ValidationError(
        'name the approval (approvalId) or the version (useCase, modelName, version) to expire.',
      );
    if (approval?.status !== 'pending') return approval ?? null;
    const ref = { useCase: approval.useCase, modelName: approval.modelName };
    const found = approval;
    return this.mutate(async () =>
      decideApproval(
        ref,
        await this.requireHead(ref),
        await this.getApproval(found.approvalId),
        'expired',
        'timed out',
        this.who('modelreg'),
      ),
    );
  }

  /**
   * The store's record port, for what the HTTP application keeps beside the registry (API
   * token hashes, idempotent answers): the same SQLite table or DynamoDB table as the rest.
   */
  get records(): Pick<RegistryStore, 'getRecord' | 'putRecord' | 'listRecords'> {
    return this.store;
  }

  // release lines, deprecation, resolve
  /** Deprecates a version: fetchable, but not eligible for promotion, rollback or traffic; needs a reason. */
  async deprecate(input: DeprecateInput): Promise<DeprecateResult> {
    const req = parseInput(DeprecateSchema, this.splitModel(input));
    const ref = { useCase: req.useCase, modelName: req.modelName };
    return this.mutate(async () => {
      const { head, version } = await this.load(ref, req);
      const storedReason =
        version.stage === 'deprecated'
          ? ((await this.deprecationOf(ref, head, version.version))?.reason ?? null)
          : null;
      return decideDeprecate(
        ref,
        head,
        version,
        { force: req.force, reason: req.reason, storedReason },
        this.who(req.deprecatedBy),
      );
    });
  }

  /** Why, when and by whom a version was deprecated (null when it is not deprecated). */
  async deprecation(input: SelectorInputOf): Promise<Deprecation | null> {
    const req = parseInput(SelectorSchema, this.splitModel(input));
    const ref = { useCase: req.useCase, modelName: req.modelName };
    const { head, version } = await this.load(ref, req);
    return version.stage === 'deprecated' ? this.deprecationOf(ref, head, version.version) : null;
  }

  /**
   * The latest `deprecate` event of a version, read from the audit trail backwards in
   * windows of 1000 events (a deprecation is usually recent; no full read of a long trail).
   */
  private async deprecationOf(ref: ModelRef, head: ModelHead, version: string): Promise<Deprecation | null> {
    const WINDOW = 1000;
    for (let to = head.auditTip.seq; to >= 1; to -= WINDOW) {
      const from = Math.max(1, to - WINDOW + 1);
      const page = await this.store.listAudit(ref, { fromSeq: from, limit: to - from + 1 });
      const found = deprecationIn(
        page.items.filter((e) => e.seq <= to),
        version,
      );
      if (found) return found;
    }
    return null;
  }

  /** What a router needs for a line: production and the weighted/shadow aliases, with artifacts. */
  async resolve(input: ResolveInput): Promise<Resolution> {
    const req = parseInput(ResolveSchema, this.splitModel(input));
    return resolveServing(this.store, { useCase: req.useCase, modelName: req.modelName }, req);
  }

  // --- model cards, version edits and the use-case listing (issues 11 §1, 12 §7) ---

  private cardsOf?: ModelCards;

  /** The card use cases over this registry's store, decisions and records. */
  private get cards(): ModelCards {
    this.cardsOf ??= new ModelCards({
      store: this.store,
      mutate: (decide) => this.mutate(decide),
      who: (actor) => this.who(actor),
      load: (ref, sel) => this.load(ref, sel),
      evidence: (ref, version) => this.evidence({ ...ref, version }),
      approvals: async (ref, version) => (await this.approvalsOf(ref)).filter((a) => a.version === version),
      view: (head, record) => this.view(head, record),
    });
    return this.cardsOf;
  }

  /** Sets a version's model card from Markdown or YAML (a new card version, audited `card.set`). */
  async setCard(input: CardSetInput): Promise<CardSetResult> {
    return this.cards.set(input);
  }

  /** A version's card with the sections the registry knows filled in from its records now. */
  async showCard(input: SelectorInput): Promise<RenderedCard> {
    return this.cards.show(input);
  }

  /** Every card version of a version, oldest first. */
  async cardHistory(input: SelectorInput): Promise<StoredCard[]> {
    return this.cards.historyOf(input);
  }

  /** Edits a version's description and tags (audited `model.edit`); nothing else of a version changes. */
  async edit(input: EditInput): Promise<ModelVersion> {
    return this.cards.edit(input);
  }

  /** The use cases of the registry with their number of models. */
  async listUseCases(input: { limit?: number; cursor?: string | null } = {}): Promise<Page<UseCaseSummary>> {
    return this.cards.useCases(input);
  }

  /** A promotion to a stage whose policy requires card sections checks the card (`require_model_card`). */
  protected override async stageChecks(
    ref: ModelRef,
    head: ModelHead,
    version: VersionRecord,
  ): Promise<Partial<Record<Stage, GateResult[]>>> {
    return this.cards.gates(ref, head, version);
  }

  // formats and lineage (issue 11)
  /**
   * Walks the lineage both ways: from a dataset version or a feature set to every version
   * built from it, or from a model version to its parents and the versions derived from it.
   */
  async lineageWalk(input: LineageWalkInput): Promise<LineageWalk> {
    return new LineageWalker(this.store).walk(input);
  }

  /** Writes the lineage index entries that versions registered before the index lack. */
  async reindexLineage(input: LineageReindexInput = {}): Promise<LineageReindexResult> {
    return reindexLineage(this.store, input);
  }

  // ── Signing (issue 11 §2): trusted keys, signed release statements, verification ──

  private signingOf?: Signing;

  private get signing(): Signing {
    this.signingOf ??= new Signing({
      store: this.store,
      artifacts: this.artifacts,
      who: (actor) => this.who(actor),
      mutate: (decide) => this.mutate(decide),
    });
    return this.signingOf;
  }

  /** Trusts a public key (PEM, or read from KMS by the caller) for a use case's signatures. */
  async trustKey(input: z.input<typeof TrustKeySchema>): Promise<TrustedKey> {
    return this.signing.trust(input);
  }

  /** Revokes a use case's key: versions signed by it no longer verify. */
  async revokeKey(input: z.input<typeof RevokeKeySchema>): Promise<TrustedKey> {
    return this.signing.revoke(input);
  }

  /** The keys a use case trusts or has revoked. */
  async listKeys(input: { useCase: string }): Promise<TrustedKey[]> {
    const req = parseInput(z.object({ useCase: Name }), input);
    return this.signing.keys(req.useCase);
  }

  /** Signs a version's release statement with a trusted key (the private key stays with the signer). */
  async signVersion(input: SelectorInputOf & { signedBy?: string }, signer: Signer): Promise<Signature> {
    const req = parseInput(SelectorSchema.extend({ signedBy: ActorName.optional() }), this.splitModel(input));
    const ref = { useCase: req.useCase, modelName: req.modelName };
    return this.signing.sign(ref, () => this.load(ref, req), signer, req.signedBy);
  }

  /** Registers a version and signs it in the same commit; an untrusted key is refused before anything is written. */
  async registerSigned(
    input: RegisterInput,
    signer: Signer,
  ): Promise<ModelVersionOf & { signature: SignatureState }> {
    const req = parseInput(RegisterSchema, input);
    const key = await this.signing.signingKey(req.useCase, signer);
    const staged = await this.artifacts.stage(req.artifactPath);
    try {
      const v = await this.registerStaged(
        req,
        staged,
        undefined,
        this.signing.amender(key, signer, req.registeredBy),
      );
      const { error: _error, ...signature } = await this.signing.state(v);
      return { ...v, signature };
    } finally {
      await this.artifacts.discard(staged);
    }
  }

  /** Verifies a version: artifact re-hashed, statement matched, signature by a trusted, unrevoked key. */
  async verifyVersion(input: SelectorInputOf): Promise<Verification> {
    const req = parseInput(SelectorSchema, this.splitModel(input));
    const { version } = await this.load({ useCase: req.useCase, modelName: req.modelName }, req);
    return this.signing.verify(version);
  }

  /** Where a version's signature stands (no re-hash): what `models info` and the web UI show. */
  async signatureStatus(input: SelectorInputOf): Promise<SignatureState> {
    const req = parseInput(SelectorSchema, this.splitModel(input));
    const { version } = await this.load({ useCase: req.useCase, modelName: req.modelName }, req);
    const { error: _error, ...state } = await this.signing.state(version);
    return state;
  }

  /**
   * `models get` with signatures checked first: a bad signature (tampered, untrusted,
   * revoked) is refused before anything is copied out; an unsigned version is fetched and
   * said to be unsigned, unless `requireSignature` or the policy of its stage asks for one.
   */
  async getSignedArtifact(
    input: z.input<typeof GetArtifactSchema> & { requireSignature?: boolean },
  ): Promise<Awaited<ReturnType<RegistryCore['getArtifact']>> & { signature: SignatureState }> {
    const req = parseInput(
      GetArtifactSchema.extend({ requireSignature: z.boolean().default(false) }),
      this.splitModel(input),
    );
    const ref = { useCase: req.useCase, modelName: req.modelName };
    const { head, version } = await this.load(ref, req);
    const { error, ...signature } = await this.signing.state(version);
    if (error) throw error;
    if (signature.status === 'unsigned' && (req.requireSignature || this.signing.required(head, version))) {
      throw new UntrustedKeyError(
        `${refLabel(ref)} ${version.version} is unsigned and ${req.requireSignature ? '--require-signature was given' : `the policy requires a signature in ${version.stage}`}; sign it with \`modelreg models sign --use-case ${ref.useCase} --model ${ref.modelName} --version ${version.version} --key FILE\`.`,
        { signature: 'unsigned' },
      );
    }
    const got = await this.getArtifact({ ...ref, version: version.version, output: req.output });
    return { ...got, signature };
  }

  protected override async signatureForGates(
    _ref: ModelRef,
    head: ModelHead,
    version: VersionRecord,
  ): Promise<SignatureState | undefined> {
    return this.signing.forGates(head, version);
  }

  // monitor: version events and live monitoring (src/app/events.ts)

  private monitorOf?: Monitor;

  private get monitor(): Monitor {
    this.monitorOf ??= new Monitor({
      store: this.store,
      who: (actor) => this.who(actor),
      mutate: (decide) => this.mutate(decide),
      load: (ref, version) => this.load(ref, { ...ref, version }),
    });
    return this.monitorOf;
  }

  /** Records a regression, incident, maintenance or note on a version (audited as `event.record`). */
  recordEvent(input: RecordEventInput): Promise<VersionEvent> {
    return this.monitor.recordEvent(input);
  }

  /** A model's version events, oldest first (of one version, when given). */
  listEvents(input: ListEventsInput): Promise<VersionEvent[]> {
    return this.monitor.listEvents(input);
  }

  /** Ingests live metrics of a version and acts on a sustained breach of a monitoring rule, once. */
  reportMetrics(input: ReportInput): Promise<ReportResult> {
    return this.monitor.report(input);
  }

  /** The latest live metrics of a version and the state of each monitoring rule. */
  monitorStatus(input: { useCase: string; modelName: string; version: string }): Promise<MonitorStatus> {
    return this.monitor.status(input);
  }

  // ---- webhooks -------------------------------------------------------------------------

  /**
   * Webhook subscriptions, their deliveries and the worker that sends them; `send` and
   * `resolve` replace the HTTP client and DNS in tests.
   */
  webhooks(options: { send?: WebhookSender; resolve?: Resolver; random?: () => number } = {}): Webhooks {
    return new Webhooks({
      store: this.store,
      clock: this.clock,
      actor: this.actor,
      who: (actor) => this.who(actor),
      mutate: (decide) => this.mutate(decide),
      ...options,
    });
  }

  // variants, deployments and explain (deploy)

  /** The ports the variant, deployment and explain use cases run on. */
  private get recordPorts(): RecordUseCasePorts {
    return {
      store: this.store,
      artifacts: this.artifacts,
      who: (actor) => this.who(actor),
      mutate: (decide) => this.mutate(decide),
      load: (ref, sel) => this.load(ref, sel),
      requireHead: (ref) => this.requireHead(ref),
    };
  }

  /** Attaches a built artifact of a version for a hardware target (immutable, audited `variant.add`). */
  async addVariant(input: AddVariantInput): Promise<Variant> {
    return addVariant(this.recordPorts, this.splitModel(input));
  }

  /** The variants of a version, by target. */
  async listVariants(input: SelectorInput): Promise<Variant[]> {
    const req = parseInput(SelectorSchema, this.splitModel(input));
    const ref = { useCase: req.useCase, modelName: req.modelName };
    const { version } = await this.load(ref, req);
    return variantsOf(this.store, ref, version.version);
  }

  /** Copies a version's variant for a target out and proves its sha256. */
  async getVariant(input: z.input<typeof GetVariantSchema>): Promise<Awaited<ReturnType<typeof getVariant>>> {
    return getVariant(this.recordPorts, this.splitModel(input));
  }

  /** Records that a version (or variant) runs in an env, fleet, site and customer (audited). */
  async recordDeployment(input: RecordDeploymentInput): Promise<RecordedDeployment> {
    return recordDeployment(this.recordPorts, this.splitModel(input));
  }

  /** Marks a deployment as stopped (audited `deployment.end`). */
  async endDeployment(input: { id: string; reason?: string; by?: string }): Promise<Deployment> {
    return endDeployment(this.recordPorts, input);
  }

  /** Deployments by model or version, or across models by fleet, site or customer. */
  async listDeployments(input: ListDeploymentsInput): Promise<Deployment[]> {
    return listDeployments(this.store, input);
  }

  /**
   * The deployments still running a version that left use (rolled back from, archived,
   * deprecated; none for `null`), to redeploy and end.
   */
  async stillRunning(ref: ModelRef, version: string | null): Promise<Deployment[]> {
    return stillRunning(this.store, ref, version);
  }

  /** The six provenance answers of a version, from the registry's records. */
  async explain(input: SelectorInput): Promise<Explanation> {
    return explainVersion(this.recordPorts, this.splitModel(input));
  }
}

type SelectorInputOf = z.input<typeof SelectorSchema>;
type ModelVersionOf = Awaited<ReturnType<RegistryCore['register']>>;
