/**
 * The Lambda handlers as Step Functions invokes them: a JSON event in, the step's
 * documented output out, errors by their stable names, and the same event twice
 * changing nothing the second time (a retried task must not apply twice). Each handler
 * runs in-process on an embedded registry injected with useRegistry().
 */
import { join } from 'node:path';
import { SendTaskFailureCommand, SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import type { SNSEvent } from 'aws-lambda';
import { type AwsClientStub, mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';

vi.hoisted(() => {
  // Powertools reads these when the handlers' module scope builds Logger and Metrics.
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  // approval-decision builds an SFN client at module scope; its Node 20 notice is not what these tests check
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  // the promote handler's default use case, for the reference's payload that names none
  process.env.MODELREG_DEFAULT_USE_CASE = 'fraud';
});

import { handler as approvalDecision } from '../../lambdas/approval-decision/index.js';
import { handler as archivalPolicy } from '../../lambdas/archival-policy/index.js';
import { handler as archive } from '../../lambdas/archive/index.js';
import { handler as compare } from '../../lambdas/compare/index.js';
import { handler as evaluate } from '../../lambdas/evaluate/index.js';
import { handler as notifySlack } from '../../lambdas/notify-slack/index.js';
import { handler as promote } from '../../lambdas/promote/index.js';
import { handler as register } from '../../lambdas/register/index.js';
import { handler as requestApproval } from '../../lambdas/request-approval/index.js';
import { handler as rollback } from '../../lambdas/rollback/index.js';
import { useRegistry } from '../../lambdas/shared/runtime.js';
import { approvalSecret, resetApprovalSecret } from '../../src/app/approval-secret.js';
import type { Registry } from '../../src/app/registry.js';
import {
  ApprovalDecisionOutputSchema,
  CompareOutputSchema,
  EvaluateOutputSchema,
  PromoteOutputSchema,
  promoteEventSchema,
  RegisterOutputSchema,
  RequestApprovalOutputSchema,
  SeedPromoteOutputSchema,
} from '../../src/app/steps.js';
import { signDecisionToken } from '../../src/core/approval-links.js';
import { StageSchema } from '../../src/core/model.js';
import { readOutbox } from '../support/local-backend.js';
import { auditLength, demoFixtures, openWorkspace, type Workspace } from '../support/workflow-fixtures.js';

/** steps.ts has no output schemas for these three: the answers of the use cases they wrap. */
const RollbackOutputSchema = z
  .object({
    rolledBack: z.boolean(),
    version: z.string(),
    stage: StageSchema,
    archivedVersion: z.string().nullable(),
    alreadyRolledBack: z.literal(true).optional(),
  })
  .strict();
const ArchiveOutputSchema = z
  .object({
    archived: z.boolean(),
    version: z.string(),
    stage: StageSchema,
    archivedVersion: z.null(),
    alreadyArchived: z.literal(true).optional(),
  })
  .strict();
const ArchivalPolicyOutputSchema = z
  .object({
    results: z.array(
      z.object({
        useCase: z.string(),
        modelName: z.string(),
        archived: z.array(z.object({ version: z.string(), fromStage: StageSchema, reason: z.string() })),
        keptForAlias: z.array(z.string()),
      }),
    ),
  })
  .strict();

const UC = 'fraud';
const ref = { useCase: UC, modelName: 'detector' };
const DAY_MS = 86_400_000;

let ws: Workspace;
let reg: Registry;
let now: Date;

beforeEach(async () => {
  now = new Date('2025-03-01T12:00:00.000Z');
  ws = await openWorkspace({ clock: { now: () => now } });
  reg = ws.registry;
  useRegistry(reg);
});

afterEach(async () => {
  await ws.cleanup();
});

/** Awaits a handler call that must fail and returns the error (handlers throw, never return errors). */
async function failure(call: Promise<unknown>): Promise<Error> {
  const outcome = await call.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  if (outcome.ok)
    expect.fail(`expected the handler to throw, but it answered ${JSON.stringify(outcome.value)}`);
  expect(outcome.error).toBeInstanceOf(Error);
  return outcome.error as Error;
}

/** Runs a handler twice on the same event; the second run must not change the registry. */
async function twice<T>(handler: (event: unknown) => Promise<T>, event: unknown) {
  const first = await handler(event);
  const after = await auditLength(reg, ref);
  const second = await handler(event);
  return { first, second, after, afterSecond: await auditLength(reg, ref) };
}

async function version(run: 'baseline' | 'all-features' = 'all-features', stage?: 'staging' | 'production') {
  const v = (await reg.register({ ...ref, artifactPath: await ws.model(run) })).version;
  if (stage) await reg.promote({ ...ref, version: v, to: 'staging' });
  if (stage === 'production') {
    const r = await reg.promote({ ...ref, version: v, to: 'production' });
    expect(r.promoted).toBe(true);
  }
  return v;
}

async function withEvaluation(): Promise<void> {
  await reg.setPolicy({
    ...ref,
    policy: { evaluation: { evalSet: 'holdout', evaluator: 'builtin:logistic-regression' } },
  });
  await reg.registerEvalSet({ useCase: UC, name: 'holdout', file: await ws.csv(demoFixtures().holdout) });
}

describe('lambdas/register', () => {
  async function event() {
    return { ...ref, artifactUri: await ws.model('all-features'), runId: 'run-1', requestedBy: 'trainer' };
  }

  it('registers the run’s artifact and answers the register output', async () => {
    // Act
    const out = await register(await event());

    // Assess
    expect(RegisterOutputSchema.parse(out)).toMatchObject({
      ...ref,
      version: '1.0.0',
      stage: 'development',
      alreadyRegistered: false,
    });
  });

  it('throws a ValidationError naming artifactUri when the event lacks it', async () => {
    // Prepare
    const { artifactUri: _, ...incomplete } = await event();

    // Act
    const error = await failure(register(incomplete));

    // Assess
    expect(error.name).toBe('ValidationError');
    expect(error.message).toContain('artifactUri');
  });

  it('answers the same version for the same event, registering nothing new', async () => {
    // Act
    const { first, second, after, afterSecond } = await twice(register, await event());

    // Assess
    expect(second).toEqual({ ...first, alreadyRegistered: true });
    expect(afterSecond).toBe(after);
  });
});

describe('lambdas/evaluate', () => {
  it('measures on the standard set and answers the evaluate output', async () => {
    // Prepare
    await withEvaluation();
    const v = await version();

    // Act
    const out = await evaluate({ ...ref, version: v });

    // Assess
    const parsed = EvaluateOutputSchema.parse(out);
    expect(parsed).toMatchObject({
      evaluated: true,
      evalSetId: 'holdout@1',
      evaluator: 'builtin:logistic-regression',
    });
    expect(parsed.metrics.auc).toBeGreaterThan(0.5);
  });

  it('throws a ValidationError naming version when it is missing', async () => {
    // Act
    const error = await failure(evaluate({ ...ref }));

    // Assess
    expect(error.name).toBe('ValidationError');
    expect(error.message).toContain('version');
  });

  it('answers the same evidence twice and audits one evaluation', async () => {
    // Prepare
    await withEvaluation();
    const v = await version();

    // Act
    const { first, second, after, afterSecond } = await twice(evaluate, { ...ref, version: v });

    // Assess
    expect(second).toEqual(first);
    expect(afterSecond).toBe(after);
  });

  it('throws NotFoundError when the policy names a set that was never registered', async () => {
    // Prepare
    await reg.setPolicy({
      ...ref,
      policy: { evaluation: { evalSet: 'holdout', evaluator: 'builtin:logistic-regression' } },
    });
    const v = await version();

    // Act
    const error = await failure(evaluate({ ...ref, version: v }));

    // Assess
    expect(error.name).toBe('NotFoundError');
    // the API names no CLI command (the CLI adds its own hint)
    expect(error.message).toContain('register an evaluation set named');
    expect(error.message).not.toContain('modelreg');
  });
});

describe('lambdas/compare', () => {
  it('compares with production and answers the compare output', async () => {
    // Prepare
    await withEvaluation();
    const champion = await version('baseline');
    await evaluate({ ...ref, version: champion });
    await reg.promote({ ...ref, version: champion, to: 'staging' });
    await reg.promote({ ...ref, version: champion, to: 'production' });
    const candidate = await version('all-features');
    await evaluate({ ...ref, version: candidate });

    // Act
    const out = await compare({ ...ref, version: candidate });

    // Assess
    const parsed = CompareOutputSchema.parse(out);
    expect(parsed).toMatchObject({ comparable: true, champion, evalSetId: 'holdout@1', gatesPassed: true });
    expect(parsed.metrics.auc?.delta).toBeGreaterThan(0);
  });

  it('throws a ValidationError naming modelName when it is missing', async () => {
    // Act
    const error = await failure(compare({ useCase: UC, version: '1.0.0' }));

    // Assess
    expect(error.name).toBe('ValidationError');
    expect(error.message).toContain('modelName');
  });

  it('answers the same comparison twice and writes nothing', async () => {
    // Prepare
    const v = await version();

    // Act
    const before = await auditLength(reg, ref);
    const { first, second, afterSecond } = await twice(compare, { ...ref, version: v });

    // Assess
    expect(second).toEqual(first);
    expect(afterSecond).toBe(before);
  });
});

describe('lambdas/promote', () => {
  it('promotes the latest staging version and answers the promote output', async () => {
    // Prepare
    const v = await version('all-features', 'staging');

    // Act
    const out = await promote({ ...ref, confidence: 0.9 });

    // Assess
    expect(PromoteOutputSchema.parse(out)).toMatchObject({ promoted: true, version: v, stage: 'production' });
  });

  it('throws a ValidationError naming targetStage when it is not staging or production', async () => {
    // Act
    const error = await failure(promote({ ...ref, targetStage: 'archived' }));

    // Assess
    expect(error.name).toBe('ValidationError');
    expect(error.message).toContain('targetStage');
  });

  it('throws a ValidationError naming confidence when it is outside 0–1', async () => {
    // Act
    const error = await failure(promote({ ...ref, confidence: 1.5 }));

    // Assess
    expect(error.name).toBe('ValidationError');
    expect(error.message).toContain('confidence');
  });

  it('answers alreadyPromoted the second time, writing nothing', async () => {
    // Prepare
    const v = await version('all-features', 'staging');

    // Act
    const { first, second, after, afterSecond } = await twice(promote, { ...ref, version: v });

    // Assess
    expect(first).toMatchObject({ promoted: true, version: v, stage: 'production' });
    expect(PromoteOutputSchema.parse(second)).toMatchObject({
      promoted: true,
      version: v,
      stage: 'production',
      alreadyPromoted: true,
    });
    expect(afterSecond).toBe(after);
  });

  it('answers the failing gates when the policy refuses, as an answer and not an error', async () => {
    // Prepare
    await reg.setPolicy({ ...ref, policy: { requireApproval: true } });
    const v = await version('all-features', 'staging');

    // Act
    const out = await promote({ ...ref, version: v });

    // Assess
    const parsed = PromoteOutputSchema.parse(out);
    expect(parsed).toMatchObject({ promoted: false, stage: 'staging' });
    expect(parsed.gates).toEqual([expect.objectContaining({ gate: 'require_approval', passed: false })]);
  });
});

describe('lambdas/promote with the reference contract (snake_case)', () => {
  it("promotes the reference's payload unchanged, the use case from MODELREG_DEFAULT_USE_CASE", async () => {
    // Prepare: a champion, and a challenger in staging
    const champion = await version('baseline', 'production');
    const challenger = await version('all-features', 'staging');

    // Act
    const out = await promote({ model_name: 'detector', new_version: challenger, confidence: 0.85 });

    // Assess: the reference's output shape, and the promotion really happened
    expect(SeedPromoteOutputSchema.strict().parse(out)).toEqual({
      promoted: true,
      new_version: challenger,
      new_stage: 'Production',
      archived_version: champion,
    });
    expect((await reg.info({ ...ref, version: challenger })).stage).toBe('production');
    expect((await reg.info({ ...ref, version: champion })).stage).toBe('superseded');
    const audit = (await reg.auditTrail({ ...ref, limit: 1000 })).items.find(
      (e) => e.toStage === 'production' && e.version === challenger,
    );
    expect(audit?.details.confidence).toBe(0.85);
  });

  it('answers already_promoted the second time, writing nothing', async () => {
    // Prepare
    const v = await version('all-features', 'staging');

    // Act
    const { second, after, afterSecond } = await twice(promote, { model_name: 'detector', new_version: v });

    // Assess
    expect(second).toEqual({
      promoted: true,
      new_version: v,
      new_stage: 'Production',
      archived_version: null,
      already_promoted: true,
    });
    expect(afterSecond).toBe(after);
  });

  it('promotes the latest staging version without new_version, and says when there is none', async () => {
    // Prepare
    await version('baseline');

    // Act
    const none = await promote({ model_name: 'detector' });
    const v = await version('all-features', 'staging');
    const out = await promote({ model_name: 'detector' });

    // Assess
    expect(none).toMatchObject({ promoted: false, new_version: null, reason: 'No Staging version found' });
    expect(out).toMatchObject({ promoted: true, new_version: v, new_stage: 'Production' });
  });

  it('names the bad snake_case field', async () => {
    const error = await failure(promote({ model_name: 'detector', confidence: 2 }));
    expect(error.name).toBe('ValidationError');
    expect(error.message).toContain('confidence');
  });

  it('says how to give the use case when neither the event nor the environment does', () => {
    // Act
    const result = promoteEventSchema(undefined).safeParse({ model_name: 'detector' });

    // Assess
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toContain('MODELREG_DEFAULT_USE_CASE');
  });

  it('takes the default use case for our camelCase shape too, and answers in our shape', async () => {
    // Prepare
    const v = await version('all-features', 'staging');

    // Act
    const out = await promote({ modelName: 'detector', version: v });

    // Assess
    expect(PromoteOutputSchema.strict().parse(out)).toMatchObject({ promoted: true, version: v });
  });
});

describe('lambdas/request-approval', () => {
  it('opens a request and answers its id, expiry and status', async () => {
    // Prepare
    const v = await version('all-features', 'staging');

    // Act
    const out = await requestApproval({ ...ref, version: v, requestedBy: 'workflow', taskToken: 'local-1' });

    // Assess
    const parsed = RequestApprovalOutputSchema.parse(out);
    expect(parsed.status).toBe('pending');
    expect(Date.parse(parsed.expiresAt) - now.getTime()).toBe(24 * 3600 * 1000);
    expect(await reg.getApproval(parsed.approvalId)).toMatchObject({ version: v, taskToken: 'local-1' });
  });

  it('throws a ValidationError naming taskToken when it is missing', async () => {
    // Act
    const error = await failure(requestApproval({ ...ref, version: '1.0.0', requestedBy: 'workflow' }));

    // Assess
    expect(error.name).toBe('ValidationError');
    expect(error.message).toContain('taskToken');
  });

  it('answers the same request for the same task token, opening one', async () => {
    // Prepare
    const v = await version('all-features', 'staging');

    // Act
    const { first, second, after, afterSecond } = await twice(requestApproval, {
      ...ref,
      version: v,
      requestedBy: 'workflow',
      taskToken: 'local-1',
    });

    // Assess
    expect(second).toEqual(first);
    expect(afterSecond).toBe(after);
    expect(await reg.listApprovals()).toHaveLength(1);
  });
});

describe('lambdas/approval-decision', () => {
  async function pending(taskToken = 'local-1') {
    const v = await version('all-features', 'staging');
    return requestApproval({ ...ref, version: v, requestedBy: 'workflow', taskToken });
  }

  it('records an approval and answers the task token to resume', async () => {
    // Prepare
    const { approvalId } = await pending();

    // Act
    const out = await approvalDecision({ approvalId, decision: 'approve', by: 'bob' });

    // Assess
    expect(ApprovalDecisionOutputSchema.parse(out)).toEqual({
      approvalId,
      status: 'approved',
      version: '1.0.0',
      taskToken: 'local-1',
    });
  });

  it('records a rejection', async () => {
    // Prepare
    const { approvalId } = await pending();

    // Act
    const out = await approvalDecision({ approvalId, decision: 'reject', by: 'bob', reason: 'drift' });

    // Assess
    expect(ApprovalDecisionOutputSchema.parse(out)).toMatchObject({ status: 'rejected' });
  });

  it('expires the pending request of a version on the workflow’s timeout', async () => {
    // Prepare
    const { approvalId } = await pending();

    // Act
    const out = await approvalDecision({ ...ref, version: '1.0.0', decision: 'expire' });

    // Assess
    expect(ApprovalDecisionOutputSchema.parse(out)).toEqual({
      approvalId,
      status: 'expired',
      version: '1.0.0',
      taskToken: 'local-1',
    });
  });

  it('throws a ValidationError naming the field when the decision is neither approve, reject nor expire', async () => {
    // Act
    const error = await failure(approvalDecision({ approvalId: 'a-1', decision: 'maybe', by: 'bob' }));

    // Assess
    expect(error.name).toBe('ValidationError');
    expect(error.message).toContain('decision');
  });

  it('throws a ValidationError naming by when the decider is missing', async () => {
    // Act
    const error = await failure(approvalDecision({ approvalId: 'a-1', decision: 'approve' }));

    // Assess
    expect(error.name).toBe('ValidationError');
    expect(error.message).toMatch(/\bby\b/);
  });

  it('answers the same decision by the same person again without a second change (a retried call)', async () => {
    // Prepare
    const { approvalId } = await pending();
    const event = { approvalId, decision: 'approve', by: 'bob' };
    const first = await approvalDecision(event);
    const after = await auditLength(reg, ref);

    // Act
    const second = await approvalDecision(event);

    // Assess
    expect(second).toEqual(first);
    expect(await auditLength(reg, ref)).toBe(after);
  });

  it('refuses a different second decision with a ConflictError, changing nothing', async () => {
    // Prepare
    const { approvalId } = await pending();
    await approvalDecision({ approvalId, decision: 'approve', by: 'bob' });
    const after = await auditLength(reg, ref);

    // Act
    const error = await failure(approvalDecision({ approvalId, decision: 'reject', by: 'bob' }));

    // Assess
    expect(error.name).toBe('ConflictError');
    expect(error.message).toContain('already approved by bob');
    expect(await auditLength(reg, ref)).toBe(after);
  });

  it('changes nothing when the same expiry comes twice', async () => {
    // Prepare
    const { approvalId } = await pending();
    const event = { ...ref, version: '1.0.0', decision: 'expire' };

    // Act
    const { first, second, after, afterSecond } = await twice(approvalDecision, event);

    // Assess
    expect(first).toMatchObject({ approvalId, status: 'expired' });
    expect(ApprovalDecisionOutputSchema.parse(second).version).toBe('1.0.0');
    expect(afterSecond).toBe(after);
    expect((await reg.getApproval(approvalId)).status).toBe('expired');
  });

  describe('with a Step Functions task token', () => {
    let sfn: AwsClientStub<SFNClient>;

    beforeEach(() => {
      sfn = mockClient(SFNClient);
      sfn.on(SendTaskSuccessCommand).resolves({});
      sfn.on(SendTaskFailureCommand).resolves({});
    });

    afterEach(() => {
      sfn.restore();
    });

    it('resumes the workflow with SendTaskSuccess on approval', async () => {
      // Prepare
      const { approvalId } = await pending('AAAAKgAAAAIAAAAAAAAAAT-sfn-token');

      // Act
      await approvalDecision({ approvalId, decision: 'approve', by: 'bob' });

      // Assess
      const calls = sfn.commandCalls(SendTaskSuccessCommand);
      expect(calls).toHaveLength(1);
      expect(calls[0]?.args[0].input.taskToken).toBe('AAAAKgAAAAIAAAAAAAAAAT-sfn-token');
      expect(JSON.parse(calls[0]?.args[0].input.output ?? '{}')).toEqual({
        approved: true,
        approvalId,
        by: 'bob',
      });
      expect(sfn.commandCalls(SendTaskFailureCommand)).toHaveLength(0);
    });

    it('fails the waiting task with ApprovalRejected on rejection', async () => {
      // Prepare
      const { approvalId } = await pending('AAAAKgAAAAIAAAAAAAAAAT-sfn-token');

      // Act
      await approvalDecision({ approvalId, decision: 'reject', by: 'bob' });

      // Assess
      const calls = sfn.commandCalls(SendTaskFailureCommand);
      expect(calls).toHaveLength(1);
      expect(calls[0]?.args[0].input).toMatchObject({
        taskToken: 'AAAAKgAAAAIAAAAAAAAAAT-sfn-token',
        error: 'ApprovalRejected',
      });
      expect(sfn.commandCalls(SendTaskSuccessCommand)).toHaveLength(0);
    });

    it('sends nothing for a local run’s token', async () => {
      // Prepare
      const { approvalId } = await pending('local-1');

      // Act
      await approvalDecision({ approvalId, decision: 'approve', by: 'bob' });

      // Assess
      expect(sfn.calls()).toHaveLength(0);
    });
  });

  describe('with a signed link token', () => {
    const savedStore = process.env.MODELREG_STORE;

    beforeEach(() => {
      process.env.MODELREG_STORE = ws.store;
      resetApprovalSecret();
    });

    afterEach(() => {
      if (savedStore === undefined) delete process.env.MODELREG_STORE;
      else process.env.MODELREG_STORE = savedStore;
      resetApprovalSecret();
    });

    it('accepts the token signed for this approval and decision', async () => {
      // Prepare
      const { approvalId } = await pending();
      const token = signDecisionToken(await approvalSecret(), {
        approvalId,
        decision: 'approve',
        expiresAt: new Date(Date.now() + 3_600_000),
      });

      // Act
      const out = await approvalDecision({ approvalId, decision: 'approve', by: 'bob', token });

      // Assess
      expect(out).toMatchObject({ approvalId, status: 'approved' });
    });

    it('refuses a token signed for the other decision, deciding nothing', async () => {
      // Prepare
      const { approvalId } = await pending();
      const token = signDecisionToken(await approvalSecret(), {
        approvalId,
        decision: 'reject',
        expiresAt: new Date(Date.now() + 3_600_000),
      });

      // Act
      const error = await failure(approvalDecision({ approvalId, decision: 'approve', by: 'bob', token }));

      // Assess
      expect(error.name, error.message).toBe('InvalidApprovalTokenError');
      expect((await reg.getApproval(approvalId)).status).toBe('pending');
    });

    it('refuses an expired token', async () => {
      // Prepare
      const { approvalId } = await pending();
      const token = signDecisionToken(await approvalSecret(), {
        approvalId,
        decision: 'approve',
        expiresAt: new Date(Date.now() - 1000),
      });

      // Act
      const error = await failure(approvalDecision({ approvalId, decision: 'approve', by: 'bob', token }));

      // Assess
      expect(error.name).toBe('ApprovalTokenExpiredError');
      expect((await reg.getApproval(approvalId)).status).toBe('pending');
    });
  });
});

describe('lambdas/rollback', () => {
  async function twoProductions(): Promise<{ first: string; second: string }> {
    const first = await version('baseline', 'production');
    const second = await version('all-features', 'production');
    return { first, second };
  }

  it('returns the named version to production and answers the rollback result', async () => {
    // Prepare
    const { first, second } = await twoProductions();

    // Act
    const out = await rollback({ ...ref, version: first, reason: 'auc dropped' });

    // Assess
    expect(RollbackOutputSchema.parse(out)).toEqual({
      rolledBack: true,
      version: first,
      stage: 'production',
      archivedVersion: second,
    });
  });

  it('throws a ValidationError naming the version when it is missing (a retry must not flip back)', async () => {
    // Act
    const error = await failure(rollback({ ...ref, reason: 'auc dropped' }));

    // Assess
    expect(error.name).toBe('ValidationError');
    expect(error.message).toContain('version');
  });

  it('throws a ValidationError naming useCase when it is missing', async () => {
    // Act
    const error = await failure(rollback({ modelName: 'detector' }));

    // Assess
    expect(error.name).toBe('ValidationError');
    expect(error.message).toContain('useCase');
  });

  it('answers alreadyRolledBack for the same named version twice, writing nothing', async () => {
    // Prepare
    const { first } = await twoProductions();

    // Act
    const { second, after, afterSecond } = await twice(rollback, { ...ref, version: first });

    // Assess
    expect(RollbackOutputSchema.parse(second)).toEqual({
      rolledBack: true,
      version: first,
      stage: 'production',
      archivedVersion: null,
      alreadyRolledBack: true,
    });
    expect(afterSecond).toBe(after);
  });
});

describe('lambdas/archive', () => {
  it('archives a version and answers the archive result', async () => {
    // Prepare
    const v = await version();

    // Act
    const out = await archive({ ...ref, version: v, reason: 'superseded' });

    // Assess
    expect(ArchiveOutputSchema.parse(out)).toEqual({
      archived: true,
      version: v,
      stage: 'archived',
      archivedVersion: null,
    });
  });

  it('throws a ValidationError naming version when it is missing', async () => {
    // Act
    const error = await failure(archive({ ...ref }));

    // Assess
    expect(error.name).toBe('ValidationError');
    expect(error.message).toContain('version');
  });

  it('refuses the production version without force, by its error name', async () => {
    // Prepare
    const v = await version('all-features', 'production');

    // Act
    const error = await failure(archive({ ...ref, version: v }));

    // Assess
    expect(error.name).toBe('InvalidTransitionError');
    expect((await reg.info({ ...ref, version: v })).stage).toBe('production');
  });

  it('answers alreadyArchived the second time, writing nothing', async () => {
    // Prepare
    const v = await version();

    // Act
    const { second, after, afterSecond } = await twice(archive, { ...ref, version: v });

    // Assess
    expect(ArchiveOutputSchema.parse(second)).toMatchObject({ archived: true, alreadyArchived: true });
    expect(afterSecond).toBe(after);
  });
});

describe('lambdas/archival-policy', () => {
  async function stale(): Promise<string> {
    await reg.setPolicy({ ...ref, policy: { archival: { maxAgeDays: 30 } } });
    const v = await version();
    now = new Date(now.getTime() + 31 * DAY_MS);
    return v;
  }

  it('archives versions past their age and answers what it archived per model', async () => {
    // Prepare
    const v = await stale();

    // Act
    const out = await archivalPolicy({ useCases: [UC] });

    // Assess
    const parsed = ArchivalPolicyOutputSchema.parse(out);
    expect(parsed.results).toEqual([
      {
        ...ref,
        archived: [expect.objectContaining({ version: v, fromStage: 'development' })],
        keptForAlias: [],
      },
    ]);
    expect((await reg.info({ ...ref, version: v })).stage).toBe('archived');
  });

  it('changes nothing on a dry run', async () => {
    // Prepare
    const v = await stale();
    const before = await auditLength(reg, ref);

    // Act
    const out = await archivalPolicy({ useCases: [UC], dryRun: true });

    // Assess
    expect(ArchivalPolicyOutputSchema.parse(out).results[0]?.archived.map((a) => a.version)).toEqual([v]);
    expect(await auditLength(reg, ref)).toBe(before);
    expect((await reg.info({ ...ref, version: v })).stage).toBe('development');
  });

  it('throws a ValidationError naming useCases when none is given', async () => {
    // Act
    const error = await failure(archivalPolicy({ useCases: [] }));

    // Assess
    expect(error.name).toBe('ValidationError');
    expect(error.message).toContain('useCases');
  });

  it('archives nothing more the second time', async () => {
    // Prepare
    await stale();

    // Act
    const { second, after, afterSecond } = await twice(archivalPolicy, { useCases: [UC] });

    // Assess
    expect(ArchivalPolicyOutputSchema.parse(second).results).toEqual([
      { ...ref, archived: [], keptForAlias: [] },
    ]);
    expect(afterSecond).toBe(after);
  });
});

describe('lambdas/notify-slack', () => {
  const WEBHOOK = 'https://hooks.slack.test/services/T0/B0/secret';
  const API = 'https://approvals.example.test/';
  const saved = {
    store: process.env.MODELREG_STORE,
    webhook: process.env.MODELREG_SLACK_WEBHOOK_URL,
    api: process.env.MODELREG_APPROVAL_API_URL,
  };
  let posts: { url: string; body: { text: string; blocks: Array<Record<string, unknown>> } }[];
  let status: number;

  function restore(name: string, value: string | undefined): void {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }

  beforeEach(() => {
    process.env.MODELREG_STORE = ws.store;
    process.env.MODELREG_SLACK_WEBHOOK_URL = WEBHOOK;
    process.env.MODELREG_APPROVAL_API_URL = API;
    resetApprovalSecret();
    posts = [];
    status = 200;
    vi.stubGlobal('fetch', async (url: string, init: { body: string }) => {
      posts.push({ url, body: JSON.parse(init.body) });
      return new Response(status === 200 ? 'ok' : 'invalid_payload', { status });
    });
  });

  afterEach(() => {
    vi.unstubAllGlobals();
    restore('MODELREG_STORE', saved.store);
    restore('MODELREG_SLACK_WEBHOOK_URL', saved.webhook);
    restore('MODELREG_APPROVAL_API_URL', saved.api);
    resetApprovalSecret();
  });

  /** What SNS delivers for the registry events written so far (one record per event). */
  async function snsEvent(): Promise<SNSEvent> {
    const events = await readOutbox(join(ws.store, 'notifications.jsonl'));
    return { Records: events.map((e) => ({ Sns: { Message: JSON.stringify(e) } })) } as unknown as SNSEvent;
  }

  function approveUrl(): string {
    const actions = posts.flatMap((p) => p.body.blocks).find((b) => b.type === 'actions');
    const elements = (actions?.elements ?? []) as Array<{ action_id: string; url: string }>;
    const approve = elements.find((e) => e.action_id === 'approve');
    if (!approve) expect.fail('the approval request message has no approve button');
    return approve.url;
  }

  it('posts every event of the batch, with approve/reject links on the approval request', async () => {
    // Prepare
    const v = await version('all-features', 'staging');
    const { approvalId } = await requestApproval({
      ...ref,
      version: v,
      requestedBy: 'workflow',
      taskToken: 'local-1',
    });
    const event = await snsEvent();

    // Act
    const out = await notifySlack(event);

    // Assess
    expect(out).toEqual({ posted: event.Records.length });
    expect(posts).toHaveLength(event.Records.length);
    expect(posts.every((p) => p.url === WEBHOOK)).toBe(true);
    expect(approveUrl()).toMatch(
      new RegExp(`^https://approvals\\.example\\.test/approvals/${approvalId}/approve\\?token=`),
    );
  });

  it('gives links that the approval-decision handler accepts for that approval', async () => {
    // Prepare
    now = new Date(); // the links expire with the request, and the handler checks them against the wall clock
    const v = await version('all-features', 'staging');
    const { approvalId } = await requestApproval({
      ...ref,
      version: v,
      requestedBy: 'workflow',
      taskToken: 'local-1',
    });
    await notifySlack(await snsEvent());
    const token = new URL(approveUrl()).searchParams.get('token') ?? '';

    // Act
    const out = await approvalDecision({ approvalId, decision: 'approve', by: 'bob', token });
    const otherDecision = await failure(
      approvalDecision({ approvalId, decision: 'reject', by: 'bob', token }),
    );

    // Assess
    expect(out).toMatchObject({ approvalId, status: 'approved' });
    expect(otherDecision.name).toBe('InvalidApprovalTokenError');
  });

  it('throws when Slack refuses a message, so Lambda retries the delivery', async () => {
    // Prepare
    await version('baseline');
    status = 400;

    // Act
    const error = await failure(notifySlack(await snsEvent()));

    // Assess
    expect(error.name).toBe('DeliveryError');
    expect(error.message).not.toContain(WEBHOOK);
    expect(posts).toHaveLength(1);
  });
});
