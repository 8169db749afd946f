/**
 * The workflow steps: one zod schema for each step's input and output, and the step
 * itself as a function of a Registry. Lambda handlers (lambdas/<step>/) and the local
 * pipeline runner call the same functions; the output of one step is validated as
 * the input of the next.
 */
import { z } from 'zod';
import { StageSchema } from '../core/model.js';
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
});

export const EvaluateInputSchema = VersionRef;
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
  promotedBy: z.string().min(1).optional(),
});
export const PromoteOutputSchema = z.object({
  promoted: z.boolean(),
  version: z.string().nullable(),
  stage: StageSchema.nullable(),
  archivedVersion: z.string().nullable(),
  alreadyPromoted: z.literal(true).optional(),
  reason: z.string().optional(),
  gates: z.array(z.record(z.string(), z.unknown())).optional(),
});

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
  rolledBackBy: z.string().min(1).optional(),
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
  archivedBy: z.string().min(1).optional(),
});
export const ArchivalPolicyInputSchema = z.object({
  useCases: z.array(Name).min(1, 'name the use cases the archival policy runs over'),
  dryRun: z.boolean().default(false),
});

/** Registers the version a training run produced (idempotent per run and artifact). */
export async function registerStep(registry: Registry, input: z.output<typeof RegisterInputSchema>) {
  return RegisterOutputSchema.parse(await registry.registerFromEvent(input));
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
