/**
 * The workflow steps: one zod schema for each step's input and output, and the step
 * itself as a function of a Registry. Lambda handlers (lambdas/<step>/) and the local
 * pipeline runner call the same functions; the output of one step is validated as
 * the input of the next.
 */
import * as z from 'zod';
import { RevokedKeyError, UntrustedKeyError } from '../core/errors.js';
import { StageSchema } from '../core/model.js';
import type { Signer } from '../core/ports.js';
import { ActorName } from './inputs.js';
import type { Registry } from './registry.js';
import { TrainingCompletedSchema } from './registry.js';

const Name = z.string().min(1);
const VersionRef = z.object({ useCase: Name, modelName: Name, version: z.string().min(1) });

export const RegisterInputSchema = TrainingCompletedSchema;
export const RegisterOutputSchema = z.object({
  useCase: z.string(),
  modelName: z.string(),
  version: z.string(),
  stage: z.string(),
  sha256: z.string(),
  alreadyRegistered: z.boolean(),
  /** Signing: `trusted` when the step signed it (or it was signed), else why it is unsigned. */
  signature: z.string().optional(),
});

/** `evaluatedBy` is the actor of the evaluation's audit event: the workflow passes the event's requestedBy. */
export const EvaluateInputSchema = VersionRef.extend({ evaluatedBy: ActorName.optional() });
export const EvaluateOutputSchema = z.object({
  evaluated: z.boolean(),
  evalSetId: z.string().nullable(),
  metrics: z.record(z.string(), z.number()),
  evaluator: z.string().nullable(),
  reason: z.string().nullable(),
});

export const CompareInputSchema = VersionRef;
export const CompareOutputSchema = z.object({
  comparable: z.boolean(),
  champion: z.string().nullable(),
  evalSetId: z.string().nullable(),
  metrics: z.record(
    z.string(),
    z.object({ a: z.number().nullable(), b: z.number().nullable(), delta: z.number().nullable() }),
  ),
  confidence: z.number().nullable(),
  gates: z.array(z.record(z.string(), z.unknown())),
  gatesPassed: z.boolean(),
  reason: z.string().nullable(),
  requireApproval: z.boolean(),
  approvalTimeoutSeconds: z.number().int().positive(),
});

/** The promote contract, after the reference promote-model function (camelCase). */
export const PromoteInputSchema = z.object({
  useCase: Name,
  modelName: Name,
  version: z.string().min(1).optional(),
  targetStage: z.enum(['staging', 'production']).default('production'),
  confidence: z.number().min(0).max(1).nullable().optional(),
  promotedBy: ActorName.optional(),
});
export const PromoteOutputSchema = z.object({
  promoted: z.boolean(),
  version: z.string().nullable(),
  stage: StageSchema.nullable(),
  archivedVersion: z.string().nullable(),
  /** The production version this promotion replaced (now superseded). */
  supersededVersion: z.string().nullable().default(null),
  line: z.string().nullable().optional(),
  alreadyPromoted: z.literal(true).optional(),
  reason: z.string().optional(),
  gates: z.array(z.record(z.string(), z.unknown())).optional(),
});

/**
 * The reference promote-model function's own input, in snake_case
 * (`{"model_name", "new_version", "confidence"}`), accepted beside ours so that its Step
 * Functions payload works unchanged. It names no use case: `use_case`, or the handler's
 * configured default (MODELREG_DEFAULT_USE_CASE), supplies it. Always a production promotion.
 */
export const SeedPromoteInputSchema = z.object({
  model_name: Name,
  new_version: z
    .union([z.string().min(1), z.number().int().nonnegative()])
    .transform(String)
    .nullable()
    .optional(),
  confidence: z.number().min(0).max(1).nullable().optional(),
  use_case: Name.optional(),
});

/** The reference's output: `{"promoted", "new_version", "new_stage": "Production", "archived_version", "already_promoted"}`. */
export const SeedPromoteOutputSchema = z.object({
  promoted: z.boolean(),
  new_version: z.string().nullable(),
  new_stage: z.string().nullable(),
  archived_version: z.string().nullable(),
  already_promoted: z.literal(true).optional(),
  reason: z.string().optional(),
  gates: z.array(z.record(z.string(), z.unknown())).optional(),
});

/** Which contract a promote event was written in, with the input in our shape. */
export type PromoteEvent = { shape: 'modelreg' | 'reference'; input: z.output<typeof PromoteInputSchema> };

function isReferenceShape(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && 'model_name' in v && !('modelName' in v);
}

/**
 * The promote handler's input: ours (camelCase) or the reference's (snake_case), told apart
 * by `model_name`. A missing use case takes `defaultUseCase` (the handler passes
 * MODELREG_DEFAULT_USE_CASE), so the reference's payload needs no new field.
 */
export function promoteEventSchema(defaultUseCase?: string) {
  return z.unknown().transform((event, ctx): PromoteEvent => {
    const fail = (issues: z.core.$ZodIssue[], useCaseGiven: boolean) => {
      for (const issue of issues) {
        const missingUseCase = issue.path[0] === 'useCase' && !useCaseGiven;
        ctx.issues.push({
          ...issue,
          input: event,
          message: missingUseCase
            ? 'the use case is missing: pass useCase (use_case in the reference shape) or set MODELREG_DEFAULT_USE_CASE on the function'
            : issue.message,
        } as never);
      }
      return z.NEVER;
    };
    let ours: unknown = event;
    if (isReferenceShape(event)) {
      const seed = SeedPromoteInputSchema.safeParse(event);
      if (!seed.success) return fail(seed.error.issues, true);
      ours = {
        useCase: seed.data.use_case ?? defaultUseCase,
        modelName: seed.data.model_name,
        ...(seed.data.new_version ? { version: seed.data.new_version } : {}),
        ...(seed.data.confidence !== undefined ? { confidence: seed.data.confidence } : {}),
      };
    } else if (typeof event === 'object' && event !== null && !('useCase' in event) && defaultUseCase) {
      ours = { ...event, useCase: defaultUseCase };
    }
    const result = PromoteInputSchema.safeParse(ours);
    if (!result.success)
      return fail(result.error.issues, (ours as { useCase?: unknown } | null)?.useCase !== undefined);
    return { shape: isReferenceShape(event) ? 'reference' : 'modelreg', input: result.data };
  });
}

/** Our promote answer in the reference's words (`new_stage: "Production"`, snake_case keys). */
export function toReferenceOutput(out: z.output<typeof PromoteOutputSchema>) {
  const stage = out.stage === null ? null : `${out.stage[0]!.toUpperCase()}${out.stage.slice(1)}`;
  return SeedPromoteOutputSchema.parse({
    promoted: out.promoted,
    new_version: out.version,
    new_stage: stage,
    // the reference's "archived_version" is the version that left production: now superseded
    archived_version: out.supersededVersion ?? out.archivedVersion,
    ...(out.alreadyPromoted ? { already_promoted: true } : {}),
    ...(out.reason !== undefined ? { reason: out.reason } : {}),
    ...(out.gates ? { gates: out.gates } : {}),
  });
}

/** The promote handler's step: either contract in, the answer in the same contract out. */
export async function promoteEventStep(registry: Registry, event: PromoteEvent) {
  const out = await promoteStep(registry, event.input);
  return event.shape === 'reference' ? toReferenceOutput(out) : out;
}

export const RequestApprovalInputSchema = VersionRef.extend({
  requestedBy: Name,
  taskToken: Name,
  evidence: z.record(z.string(), z.unknown()).default({}),
  timeoutSeconds: z.number().int().positive().optional(),
});
export const RequestApprovalOutputSchema = z.object({
  approvalId: z.string(),
  expiresAt: z.string(),
  status: z.string(),
});

export const ApprovalDecisionInputSchema = z.discriminatedUnion('decision', [
  z.object({
    approvalId: Name,
    decision: z.enum(['approve', 'reject']),
    by: Name,
    reason: z.string().max(1024).optional(),
    /** The signed token of an approve/reject link (required when the decision comes from a link). */
    token: z.string().optional(),
  }),
  z.object({ useCase: Name, modelName: Name, version: z.string().min(1), decision: z.literal('expire') }),
]);
export const ApprovalDecisionOutputSchema = z.object({
  approvalId: z.string().nullable(),
  status: z.string(),
  version: z.string().nullable(),
  taskToken: z.string().nullable(),
});

/**
 * The rollback step names its target: a retried "roll back to the previous version" would
 * otherwise flip back and forth (the CLI's `rollback` without --version resolves it first).
 */
export const RollbackInputSchema = z.object({
  useCase: Name,
  modelName: Name,
  version: z.string({ error: 'version is required: name the version to roll back to' }).min(1),
  reason: z.string().max(1024).optional(),
  rolledBackBy: ActorName.optional(),
  /** Bypass the policy's production gates and approval rule (needs a reason); audited. */
  skipGates: z.boolean().optional(),
  /** Move the aliases of the archived production version to the rolled-back one. */
  moveAliases: z.boolean().optional(),
});
export const ArchiveInputSchema = z.object({
  useCase: Name,
  modelName: Name,
  version: z.string().min(1),
  force: z.boolean().default(false),
  reason: z.string().max(1024).optional(),
  archivedBy: ActorName.optional(),
});
export const ArchivalPolicyInputSchema = z.object({
  useCases: z.array(Name).min(1, 'name the use cases the archival policy runs over'),
  dryRun: z.boolean().default(false),
});

/** Registers the version a training run produced (idempotent per run and artifact). */
export async function registerStep(
  registry: Registry,
  input: z.output<typeof RegisterInputSchema>,
  signer?: Signer,
) {
  const out = await registry.registerFromEvent(input);
  if (!signer) return RegisterOutputSchema.parse(out);
  // signing: with the stack's KMS key, where the use case trusts it; otherwise said, not failed
  let signature = 'trusted';
  try {
    await registry.signVersion(
      { useCase: out.useCase, modelName: out.modelName, version: out.version },
      signer,
    );
  } catch (e) {
    if (!(e instanceof UntrustedKeyError || e instanceof RevokedKeyError)) throw e;
    signature = `unsigned: ${e.message}`;
  }
  return RegisterOutputSchema.parse({ ...out, signature });
}

/** Evaluates on the model's standard evaluation set. */
export async function evaluateStep(registry: Registry, input: z.output<typeof EvaluateInputSchema>) {
  return EvaluateOutputSchema.parse(await registry.evaluate(input));
}

/** Compares with production on the same evaluation set and checks the production gates. */
export async function compareStep(registry: Registry, input: z.output<typeof CompareInputSchema>) {
  return CompareOutputSchema.parse(await registry.compareWithProduction(input));
}

/**
 * Promotes, as the reference promote-model function does: without a version the latest
 * staging version is promoted, and when there is none the answer says so.
 */
export async function promoteStep(registry: Registry, input: z.output<typeof PromoteInputSchema>) {
  let version = input.version;
  if (version === undefined) {
    const staging = await registry.listVersions({
      useCase: input.useCase,
      modelName: input.modelName,
      stage: 'staging',
      limit: 1,
    });
    const latest = staging.items[0];
    if (!latest)
      return PromoteOutputSchema.parse({
        promoted: false,
        version: null,
        stage: null,
        archivedVersion: null,
        reason: 'No Staging version found',
      });
    version = latest.version;
  }
  // A redelivered training event runs the workflow again on a version already in production:
  // its staging step is done, not a move back down (which the lifecycle refuses).
  if (input.targetStage === 'staging') {
    const current = await registry.info({ useCase: input.useCase, modelName: input.modelName, version });
    if (current.stage === 'production')
      return PromoteOutputSchema.parse({
        promoted: true,
        version,
        stage: 'production',
        archivedVersion: null,
        alreadyPromoted: true,
      });
  }
  const result = await registry.promote({
    useCase: input.useCase,
    modelName: input.modelName,
    version,
    to: input.targetStage,
    ...(input.confidence !== undefined ? { confidence: input.confidence } : {}),
    ...(input.promotedBy ? { promotedBy: input.promotedBy } : {}),
  });
  // The workflow reads `reason` whenever nothing was promoted.
  return PromoteOutputSchema.parse(
    result.promoted ? result : { ...result, reason: result.reason ?? 'not promoted' },
  );
}

/** Stores an approval request with the workflow's task token. */
export async function requestApprovalStep(
  registry: Registry,
  input: z.output<typeof RequestApprovalInputSchema>,
) {
  const a = await registry.requestApproval(input);
  return RequestApprovalOutputSchema.parse({
    approvalId: a.approvalId,
    expiresAt: a.expiresAt,
    status: a.status,
  });
}

/** Records an approval decision (or the workflow's timeout) and answers the task token to resume. */
export async function approvalDecisionStep(
  registry: Registry,
  input: z.output<typeof ApprovalDecisionInputSchema>,
) {
  if (input.decision === 'expire') {
    const a = await registry.expireApproval(input);
    return ApprovalDecisionOutputSchema.parse({
      approvalId: a?.approvalId ?? null,
      status: a?.status ?? 'none',
      version: a?.version ?? input.version,
      taskToken: a?.taskToken ?? null,
    });
  }
  const a = await registry.decideApproval(input);
  return ApprovalDecisionOutputSchema.parse({
    approvalId: a.approvalId,
    status: a.status,
    version: a.version,
    taskToken: a.taskToken,
  });
}

/** Returns a version (default: the previous production one) to production. */
export async function rollbackStep(registry: Registry, input: z.output<typeof RollbackInputSchema>) {
  return registry.rollback(input);
}

/** Archives a version. */
export async function archiveStep(registry: Registry, input: z.output<typeof ArchiveInputSchema>) {
  return registry.archive(input);
}

/** Applies the archival rules of every model of the given use cases. */
export async function archivalPolicyStep(
  registry: Registry,
  input: z.output<typeof ArchivalPolicyInputSchema>,
) {
  const results = [];
  for (const useCase of input.useCases)
    results.push(...(await registry.applyArchivalPolicy({ useCase, dryRun: input.dryRun })));
  return { results };
}
