import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import {
  type ApprovalWaitPayload,
  type LambdaBinding,
  type LambdaBindingName,
  type LocalRunOptions,
  type PublishedNotification,
  runWorkflowLocally,
  type WorkflowBindings,
  type WorkflowStateEvent,
} from '../../src/workflows/local-runner.js';

type Payload = Record<string, unknown>;

async function event(name: string): Promise<Payload> {
  return JSON.parse(await readFile(new URL(`../events/${name}.json`, import.meta.url), 'utf8')) as Payload;
}

function named(name: string, message: string): Error {
  const e = new Error(message);
  e.name = name;
  return e;
}

/** What Compare answers when the challenger passes every gate. */
function comparison(overrides: Payload = {}): Payload {
  return {
    comparable: true,
    champion: '1.0.0',
    evalSetId: 'es-1',
    metrics: { auc: { a: 0.91, b: 0.88, delta: 0.03 } },
    confidence: 0.97,
    gates: [{ gate: 'min_auc', passed: true, actual: 0.91, threshold: 0.85 }],
    gatesPassed: true,
    reason: null,
    requireApproval: false,
    approvalTimeoutSeconds: 3600,
    ...overrides,
  };
}

/** Stub steps that answer like the real handlers, with the calls recorded. */
function stubs(answers: Partial<Record<LambdaBindingName, (p: Payload) => unknown>> = {}) {
  const calls: { step: LambdaBindingName; payload: Payload }[] = [];
  const published: PublishedNotification[] = [];
  const waits: { payload: ApprovalWaitPayload; signal: AbortSignal }[] = [];
  const defaults: Record<LambdaBindingName, (p: Payload) => unknown> = {
    register: (p) => ({
      useCase: p.useCase,
      modelName: p.modelName,
      version: '1.1.0',
      stage: 'development',
      sha256: 'a'.repeat(64),
      alreadyRegistered: false,
    }),
    evaluate: () => ({
      evaluated: true,
      evalSetId: 'es-1',
      metrics: { auc: 0.91 },
      evaluator: 'builtin',
      reason: null,
    }),
    compare: () => comparison(),
    promote: (p) =>
      p.targetStage === 'staging'
        ? {
            promoted: true,
            version: p.version,
            stage: 'staging',
            archivedVersion: null,
            supersededVersion: null,
          }
        : {
            promoted: true,
            version: p.version,
            stage: 'production',
            archivedVersion: null,
            supersededVersion: '1.0.0',
          },
    requestApproval: () => ({
      approvalId: 'apr-1',
      expiresAt: '2030-01-01T00:00:00.000Z',
      status: 'pending',
    }),
    approvalDecision: (p) => ({
      approvalId: 'apr-1',
      status: 'expired',
      version: p.version,
      taskToken: 'local-x',
    }),
    rollback: () => ({ rolledBack: true, version: '1.0.0', stage: 'production', archivedVersion: '1.1.0' }),
    archive: (p) => ({ archived: true, version: p.version, stage: 'archived', archivedVersion: null }),
  };
  const lambdas = {} as Record<LambdaBindingName, LambdaBinding>;
  for (const step of Object.keys(defaults) as LambdaBindingName[]) {
    lambdas[step] = async (payload) => {
      calls.push({ step, payload: payload as Payload });
      return (answers[step] ?? defaults[step])(payload as Payload);
    };
  }
  const bindings = (waitForDecision?: (p: ApprovalWaitPayload) => Promise<unknown>): WorkflowBindings => ({
    lambdas,
    publish: async (n) => {
      published.push(n);
    },
    waitForDecision: (payload, { signal }) => {
      waits.push({ payload, signal });
      return waitForDecision ? waitForDecision(payload) : Promise.reject(new Error('no decision expected'));
    },
  });
  const callsOf = (step: LambdaBindingName) => calls.filter((c) => c.step === step).map((c) => c.payload);
  const eventTypes = () => published.map((n) => n.attributes.eventType);
  return { calls, callsOf, published, eventTypes, waits, bindings };
}

/** Runs the promotion workflow, recording the states entered. */
async function promote(input: Payload, bindings: WorkflowBindings, options: LocalRunOptions = {}) {
  const events: WorkflowStateEvent[] = [];
  const result = await runWorkflowLocally('promotion', input, bindings, {
    retryIntervalMs: 1,
    executionId: 'exec-1',
    ...options,
    onState: (e) => events.push(e),
  });
  const entered = events.filter((e) => e.type === 'entered').map((e) => e.state);
  return { result, events, entered };
}

describe('promotion workflow', () => {
  it('promotes through staging to production when the gates pass and no approval is required', async () => {
    // Prepare
    const s = stubs();
    const input = await event('training-completed');

    // Act
    const { result, entered } = await promote(input, s.bindings());

    // Assess
    expect(result).toMatchObject({
      status: 'SUCCEEDED',
      output: { promoted: true, version: '1.1.0', archivedVersion: null, supersededVersion: '1.0.0' },
    });
    expect(entered).toEqual([
      'Register',
      'Evaluate',
      'Compare',
      'GatesPassed?',
      'PromoteToStaging',
      'ApprovalRequired?',
      'PromoteToProduction',
      'Promoted?',
      'NotifyPromoted',
      'Succeeded',
      'Done',
    ]);
    expect(s.callsOf('register')).toEqual([input]);
    expect(s.callsOf('evaluate')).toEqual([
      { useCase: 'fraud', modelName: 'FraudRiskModel', version: '1.1.0', evaluatedBy: 'alice' },
    ]);
    expect(s.callsOf('promote')).toEqual([
      {
        useCase: 'fraud',
        modelName: 'FraudRiskModel',
        version: '1.1.0',
        targetStage: 'staging',
        promotedBy: 'alice',
      },
      {
        useCase: 'fraud',
        modelName: 'FraudRiskModel',
        version: '1.1.0',
        targetStage: 'production',
        confidence: 0.97,
        promotedBy: 'alice',
      },
    ]);
    expect(s.eventTypes()).toEqual(['workflow.promotion.succeeded']);
  });

  it('publishes the promotion as a registry-style event with attributes subscribers can filter on', async () => {
    // Prepare
    const s = stubs();

    // Act
    await promote(await event('training-completed'), s.bindings());

    // Assess
    const [n] = s.published;
    expect(n).toMatchObject({
      topicArn: 'arn:aws:sns:us-east-1:000000000000:modelreg-notifications',
      subject: '[modelreg] Promotion workflow: promoted',
      attributes: {
        eventType: 'workflow.promotion.succeeded',
        useCase: 'fraud',
        modelName: 'FraudRiskModel',
      },
    });
    expect(JSON.parse(n?.message ?? 'null')).toMatchObject({
      type: 'workflow.promotion.succeeded',
      useCase: 'fraud',
      modelName: 'FraudRiskModel',
      version: '1.1.0',
      actor: 'alice',
      at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      details: { executionId: 'exec-1', archivedVersion: null, supersededVersion: '1.0.0', confidence: 0.97 },
    });
  });

  it('refuses without promoting anything when the gates fail at Compare', async () => {
    // Prepare
    const reason = 'gate min_auc failed: 0.80 < 0.85';
    const s = stubs({ compare: () => comparison({ gatesPassed: false, reason }) });

    // Act
    const { result, entered } = await promote(await event('training-completed'), s.bindings());

    // Assess
    expect(result).toMatchObject({
      status: 'SUCCEEDED',
      output: { promoted: false, version: '1.1.0', archivedVersion: null, reason },
    });
    expect(entered).not.toContain('PromoteToStaging');
    expect(s.callsOf('promote')).toEqual([]);
    expect(s.eventTypes()).toEqual(['workflow.promotion.refused']);
    expect(JSON.parse(s.published[0]?.message ?? 'null')).toMatchObject({ details: { reason } });
  });

  it('promotes after an approver approves when the policy requires approval', async () => {
    // Prepare
    const s = stubs({ compare: () => comparison({ requireApproval: true, approvalTimeoutSeconds: 60 }) });
    const decision = { approved: true, approvalId: 'apr-1', by: 'bob' };

    // Act
    const { result, entered } = await promote(
      await event('training-completed'),
      s.bindings(async () => decision),
    );

    // Assess
    expect(result).toMatchObject({ status: 'SUCCEEDED', output: { promoted: true, version: '1.1.0' } });
    expect(entered).toContain('RequestApproval');
    expect(s.callsOf('requestApproval')).toEqual([
      {
        useCase: 'fraud',
        modelName: 'FraudRiskModel',
        version: '1.1.0',
        requestedBy: 'alice',
        evidence: comparison({ requireApproval: true, approvalTimeoutSeconds: 60 }),
        timeoutSeconds: 60,
        taskToken: 'local-exec-1',
      },
    ]);
    expect(s.waits.map((w) => w.payload.taskToken)).toEqual(['local-exec-1']);
    expect(s.callsOf('promote').map((p) => p.targetStage)).toEqual(['staging', 'production']);
  });

  it('does not promote to production when the approver rejects', async () => {
    // Prepare
    const s = stubs({ compare: () => comparison({ requireApproval: true }) });

    // Act
    const { result } = await promote(
      await event('training-completed'),
      s.bindings(async () => {
        throw named('ApprovalRejected', 'rejected by bob');
      }),
    );

    // Assess
    expect(result).toMatchObject({
      status: 'SUCCEEDED',
      output: {
        promoted: false,
        version: '1.1.0',
        archivedVersion: null,
        reason: 'approval rejected by bob',
      },
    });
    expect(s.callsOf('promote').map((p) => p.targetStage)).toEqual(['staging']);
    expect(s.eventTypes()).toEqual(['workflow.promotion.rejected']);
  });

  it('expires the approval request and does not promote when nobody decides in time', async () => {
    // Prepare
    const s = stubs({ compare: () => comparison({ requireApproval: true, approvalTimeoutSeconds: 1 }) });
    const never = () => new Promise<unknown>(() => {});

    // Act
    const { result, events } = await promote(await event('training-completed'), s.bindings(never));

    // Assess
    expect(result).toMatchObject({
      status: 'SUCCEEDED',
      output: { promoted: false, version: '1.1.0', archivedVersion: null, reason: 'approval timed out' },
    });
    expect(events).toContainEqual(
      expect.objectContaining({
        type: 'failed',
        state: 'RequestApproval',
        detail: expect.objectContaining({ error: 'States.Timeout' }),
      }),
    );
    expect(s.callsOf('approvalDecision')).toEqual([
      { useCase: 'fraud', modelName: 'FraudRiskModel', version: '1.1.0', decision: 'expire' },
    ]);
    expect(s.callsOf('promote').map((p) => p.targetStage)).toEqual(['staging']);
    expect(s.eventTypes()).toEqual(['workflow.promotion.expired']);
    expect(s.waits[0]?.signal.aborted).toBe(true);
  });

  it('fails with PromotionWorkflowFailed and notifies when a step fails for good', async () => {
    // Prepare
    const s = stubs({
      register: (p) => {
        throw named('ValidationError', `artifactUri is required (runId '${String(p.runId)}')`);
      },
    });

    // Act
    const { result, events } = await promote(await event('training-completed-invalid'), s.bindings());

    // Assess
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('PromotionWorkflowFailed');
    expect(JSON.parse(result.cause ?? 'null')).toEqual({
      errorType: 'ValidationError',
      errorMessage: "artifactUri is required (runId '')",
    });
    expect(s.calls.map((c) => c.step)).toEqual(['register']);
    expect(events.filter((e) => e.type === 'retried')).toEqual([]);
    expect(s.eventTypes()).toEqual(['workflow.promotion.failed']);
    expect(JSON.parse(s.published[0]?.message ?? 'null')).toMatchObject({
      type: 'workflow.promotion.failed',
      details: { error: 'ValidationError', executionId: 'exec-1' },
    });
  });

  it('retries a transient failure and then succeeds', async () => {
    // Prepare
    let failures = 0;
    const s = stubs({
      promote: (p) => {
        if (p.targetStage === 'production' && failures++ === 0) {
          throw named('ConcurrentModificationError', 'the model changed while promoting; retry');
        }
        return {
          promoted: true,
          version: p.version,
          stage: p.targetStage,
          archivedVersion: null,
          supersededVersion: '1.0.0',
        };
      },
    });

    // Act
    const { result, events } = await promote(await event('training-completed'), s.bindings());

    // Assess
    expect(result).toMatchObject({
      status: 'SUCCEEDED',
      output: { promoted: true, supersededVersion: '1.0.0' },
    });
    expect(events.filter((e) => e.type === 'retried').map((e) => e.state)).toEqual(['PromoteToProduction']);
    expect(s.callsOf('promote').map((p) => p.targetStage)).toEqual(['staging', 'production', 'production']);
  });

  it('does not retry an error that is not transient', async () => {
    // Prepare
    const s = stubs({
      evaluate: () => {
        throw named('VersionNotFoundError', 'version 1.1.0 of fraud/FraudRiskModel does not exist');
      },
    });

    // Act
    const { result } = await promote(await event('training-completed'), s.bindings());

    // Assess
    expect(result).toMatchObject({ status: 'FAILED', error: 'PromotionWorkflowFailed' });
    expect(s.callsOf('evaluate')).toHaveLength(1);
  });

  it('notifies a refusal when promote refuses at production', async () => {
    // Prepare
    const reason = 'gate max_latency_ms failed: 140 > 120';
    const s = stubs({
      promote: (p) =>
        p.targetStage === 'staging'
          ? {
              promoted: true,
              version: p.version,
              stage: 'staging',
              archivedVersion: null,
              supersededVersion: null,
            }
          : { promoted: false, version: p.version, stage: 'staging', archivedVersion: null, reason },
    });

    // Act
    const { result, entered } = await promote(await event('training-completed'), s.bindings());

    // Assess
    expect(result).toMatchObject({
      status: 'SUCCEEDED',
      output: { promoted: false, version: '1.1.0', archivedVersion: null, reason },
    });
    expect(entered.slice(-4)).toEqual(['Promoted?', 'NotifyRefused', 'Refused', 'Done']);
    expect(s.eventTypes()).toEqual(['workflow.promotion.refused']);
  });
});
