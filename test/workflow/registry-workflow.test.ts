/**
 * The workflow's use cases on the embedded backend: evaluation sets, automated
 * evaluation on the standard set, comparison with production on the same set, the
 * require_approval gate, approval requests, registration from a training-completed
 * event, and the promote step. Models and evaluation sets are real: logistic
 * regressions trained by the demo's code, scored on held-out CSV rows.
 */
import { readFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Registry } from '../../src/app/registry.js';
import { PromoteOutputSchema, promoteStep } from '../../src/app/steps.js';
import type { PolicyInput } from '../../src/core/policy.js';
import { ApprovalExpiredError, ConflictError, NotFoundError, ValidationError } from '../../src/index.js';
import { rejection } from '../contract/registry-contract.js';
import { sha256 } from '../support/artifacts.js';
import {
  auditLength,
  demoFixtures,
  expectedMetrics,
  openWorkspace,
  type RunName,
  type Workspace,
} from '../support/workflow-fixtures.js';

const UC = 'fraud';
const ref = { useCase: UC, modelName: 'detector' };
const EVALUATION = { evalSet: 'holdout', evaluator: 'builtin:logistic-regression' } as const;

let ws: Workspace;
let reg: Registry;

beforeEach(async () => {
  ws = await openWorkspace();
  reg = ws.registry;
});

afterEach(async () => {
  await ws.cleanup();
});

async function setPolicy(policy: PolicyInput, model = ref): Promise<void> {
  await reg.setPolicy({ ...model, policy });
}

async function registerHoldout(which: 'holdout' | 'holdout2' = 'holdout') {
  return reg.registerEvalSet({ useCase: UC, name: 'holdout', file: await ws.csv(demoFixtures()[which]) });
}

async function registerModel(
  run: RunName,
  extra: { metrics?: Record<string, number>; model?: typeof ref } = {},
) {
  const v = await reg.register({
    ...(extra.model ?? ref),
    artifactPath: await ws.model(run),
    ...(extra.metrics ? { metrics: extra.metrics } : {}),
  });
  return v.version;
}

async function toStaging(version: string, model = ref): Promise<void> {
  const r = await reg.promote({ ...model, version, to: 'staging' });
  expect(r.promoted).toBe(true);
}

async function toProduction(version: string, model = ref): Promise<void> {
  await toStaging(version, model);
  const r = await reg.promote({ ...model, version, to: 'production' });
  expect(r.promoted, r.reason).toBe(true);
}

async function auditEvents(model = ref) {
  return (await reg.auditTrail({ ...model, limit: 1000 })).items;
}

describe('evaluation sets', () => {
  it('registers name@1, then name@2, each with the sha256 of its own bytes', async () => {
    // Prepare
    const first = await ws.csv(demoFixtures().holdout);
    const second = await ws.csv(demoFixtures().holdout2);

    // Act
    const one = await reg.registerEvalSet({
      useCase: UC,
      name: 'holdout',
      file: first,
      description: 'Q1 rows',
    });
    const two = await reg.registerEvalSet({ useCase: UC, name: 'holdout', file: second });

    // Assess
    expect(one).toMatchObject({
      id: 'holdout@1',
      version: 1,
      name: 'holdout',
      useCase: UC,
      description: 'Q1 rows',
    });
    expect(two).toMatchObject({ id: 'holdout@2', version: 2, description: null });
    expect(one.artifact.sha256).toBe(sha256(await readFile(first)));
    expect(two.artifact.sha256).toBe(sha256(await readFile(second)));
    expect(two.artifact.sha256).not.toBe(one.artifact.sha256);
  });

  it('lists the versions of a set oldest first', async () => {
    // Prepare
    await registerHoldout('holdout');
    await registerHoldout('holdout2');
    await registerHoldout('holdout');

    // Act
    const sets = await reg.listEvalSets({ useCase: UC, name: 'holdout' });

    // Assess
    expect(sets.map((s) => s.id)).toEqual(['holdout@1', 'holdout@2', 'holdout@3']);
  });

  it('resolves a bare name to the latest version and name@1 to the first', async () => {
    // Prepare
    const one = await registerHoldout('holdout');
    const two = await registerHoldout('holdout2');

    // Act
    const latest = await reg.getEvalSet(UC, 'holdout');
    const first = await reg.getEvalSet(UC, 'holdout@1');

    // Assess
    expect(latest).toEqual(two);
    expect(first).toEqual(one);
  });

  it('refuses an unknown set with a NotFoundError naming the register command', async () => {
    // Prepare
    await registerHoldout();

    // Act
    const unknown = await rejection(reg.getEvalSet(UC, 'validation'), NotFoundError);
    const noSuchVersion = await rejection(reg.getEvalSet(UC, 'holdout@7'), NotFoundError);

    // Assess
    expect(unknown.message).toContain('register an evaluation set named validation first');
    expect(unknown.message).not.toContain('modelreg');
    expect(noSuchVersion.message).toContain('holdout@7');
  });

  it('refuses a bad set name with a ValidationError', async () => {
    // Prepare
    const file = await ws.csv(demoFixtures().holdout);

    // Act
    const onRegister = await rejection(
      reg.registerEvalSet({ useCase: UC, name: 'hold out!', file }),
      ValidationError,
    );
    const onGet = await rejection(reg.getEvalSet(UC, 'hold out!'), ValidationError);

    // Assess
    expect(onRegister.message).toContain('name');
    expect(onGet.message).toContain('hold out!');
    expect(await reg.listEvalSets({ useCase: UC, name: 'holdout' })).toEqual([]);
  });
});

describe('evaluate', () => {
  it('answers evaluated false with a reason when the policy names no evaluation', async () => {
    // Prepare
    await registerHoldout();
    const version = await registerModel('baseline');
    const before = await auditLength(reg, ref);

    // Act
    const result = await reg.evaluate({ ...ref, version });

    // Assess
    expect(result).toMatchObject({ evaluated: false, evalSetId: null, metrics: {}, evaluator: null });
    expect(result.reason).toContain('evaluation.evalSet and evaluation.evaluator');
    expect(await auditLength(reg, ref)).toBe(before);
  });

  it('measures the artifact on the CSV with the built-in evaluator', async () => {
    // Prepare
    await setPolicy({ evaluation: EVALUATION });
    await registerHoldout();
    const version = await registerModel('all-features');

    // Act
    const result = await reg.evaluate({ ...ref, version });

    // Assess
    const { models, holdout } = demoFixtures();
    expect(result).toEqual({
      evaluated: true,
      evalSetId: 'holdout@1',
      metrics: expectedMetrics(models['all-features'], holdout),
      evaluator: 'builtin:logistic-regression',
      reason: null,
    });
  });

  it('audits the evaluation with the evaluation set it measured on', async () => {
    // Prepare
    await setPolicy({ evaluation: EVALUATION });
    const set = await registerHoldout();
    const version = await registerModel('baseline');

    // Act
    const result = await reg.evaluate({ ...ref, version, evaluatedBy: 'ci' });

    // Assess
    const events = (await auditEvents()).filter((e) => e.action === 'evaluate');
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      actor: 'ci',
      version,
      details: { evalSetId: 'holdout@1', evalSetSha256: set.artifact.sha256, metrics: result.metrics },
    });
    const evidence = await reg.evidence({ ...ref, version });
    expect(evidence).toHaveLength(1);
    expect(evidence[0]).toMatchObject({ evalSetId: 'holdout@1', metrics: result.metrics, evaluatedBy: 'ci' });
  });

  it('writes one audit event when the same version is evaluated twice', async () => {
    // Prepare
    await setPolicy({ evaluation: EVALUATION });
    await registerHoldout();
    const version = await registerModel('baseline');
    const first = await reg.evaluate({ ...ref, version });
    const after = await auditLength(reg, ref);

    // Act
    const second = await reg.evaluate({ ...ref, version });

    // Assess
    expect(second).toEqual(first);
    expect(await auditLength(reg, ref)).toBe(after);
  });

  it('measures again on a new version of the evaluation set', async () => {
    // Prepare
    await setPolicy({ evaluation: EVALUATION });
    await registerHoldout('holdout');
    const version = await registerModel('more-features');
    await reg.evaluate({ ...ref, version });
    await registerHoldout('holdout2');

    // Act
    const result = await reg.evaluate({ ...ref, version });

    // Assess
    const { models, holdout2 } = demoFixtures();
    expect(result.evalSetId).toBe('holdout@2');
    expect(result.metrics).toEqual(expectedMetrics(models['more-features'], holdout2));
    const evidence = await reg.evidence({ ...ref, version });
    expect(evidence.map((e) => e.evalSetId).sort()).toEqual(['holdout@1', 'holdout@2']);
    expect((await auditEvents()).filter((e) => e.action === 'evaluate')).toHaveLength(2);
  });

  it('uses a module evaluator named by its path', async () => {
    // Prepare
    const evaluator = await ws.file(
      'evaluator.mjs',
      [
        "import { readFile, stat } from 'node:fs/promises';",
        'export async function evaluate({ artifactPath, evalSetPath }) {',
        "  const rows = (await readFile(evalSetPath, 'utf8')).trim().split('\\n').length - 1;",
        '  const info = await stat(artifactPath);',
        '  return { rows, artifact_is_file: info.isFile() ? 1 : 0, auc: 0.5 };',
        '}',
      ].join('\n'),
    );
    await setPolicy({ evaluation: { evalSet: 'holdout', evaluator } });
    await registerHoldout();
    const version = await registerModel('baseline');

    // Act
    const result = await reg.evaluate({ ...ref, version });

    // Assess
    expect(result).toMatchObject({ evaluated: true, evaluator, evalSetId: 'holdout@1' });
    expect(result.metrics).toEqual({ rows: demoFixtures().holdout.y.length, artifact_is_file: 1, auc: 0.5 });
  });

  it('refuses an evaluator that answers something other than metrics, recording nothing', async () => {
    // Prepare
    const evaluator = await ws.file(
      'bad-evaluator.mjs',
      "export async function evaluate() { return { auc: 'excellent' }; }\n",
    );
    await setPolicy({ evaluation: { evalSet: 'holdout', evaluator } });
    await registerHoldout();
    const version = await registerModel('baseline');
    const before = await auditLength(reg, ref);

    // Act
    const error = await rejection(reg.evaluate({ ...ref, version }), ValidationError);

    // Assess
    expect(error.message).toContain('did not answer a metrics object');
    expect(await reg.evidence({ ...ref, version })).toEqual([]);
    expect(await auditLength(reg, ref)).toBe(before);
  });
});

describe('compareWithProduction', () => {
  it('compares the first version with nobody: comparable, no champion', async () => {
    // Prepare
    await setPolicy({ evaluation: EVALUATION });
    await registerHoldout();
    const version = await registerModel('all-features');
    const { metrics } = await reg.evaluate({ ...ref, version });

    // Act
    const cmp = await reg.compareWithProduction({ ...ref, version });

    // Assess
    expect(cmp).toMatchObject({
      comparable: true,
      champion: null,
      evalSetId: 'holdout@1',
      gatesPassed: true,
      reason: null,
    });
    expect(cmp.metrics.auc).toEqual({ a: null, b: metrics.auc, delta: null });
  });

  it('compares a candidate with production on the same set, delta = b − a', async () => {
    // Prepare
    await setPolicy({ evaluation: EVALUATION, gates: { production: { min_delta_auc: 0.01 } } });
    await registerHoldout();
    const champion = await registerModel('baseline');
    const a = (await reg.evaluate({ ...ref, version: champion })).metrics;
    await toProduction(champion);
    const candidate = await registerModel('all-features');
    const b = (await reg.evaluate({ ...ref, version: candidate })).metrics;

    // Act
    const cmp = await reg.compareWithProduction({ ...ref, version: candidate });

    // Assess
    expect(cmp).toMatchObject({ comparable: true, champion, evalSetId: 'holdout@1', reason: null });
    for (const name of ['auc', 'f1', 'logloss']) {
      expect(cmp.metrics[name]?.a).toBe(a[name]);
      expect(cmp.metrics[name]?.b).toBe(b[name]);
      expect(cmp.metrics[name]?.delta).toBeCloseTo(b[name]! - a[name]!, 10);
    }
    expect(b.auc! - a.auc!).toBeGreaterThan(0.01);
    expect(cmp.gates).toEqual([
      expect.objectContaining({ gate: 'min_delta_auc', passed: true }),
      expect.objectContaining({ gate: 'require_evaluation', passed: true, note: 'evaluated on holdout@1' }),
    ]);
    expect(cmp.gatesPassed).toBe(true);
  });

  it('refuses to compare with production measured on another version of the set, and the delta gate fails', async () => {
    // Prepare
    await setPolicy({ evaluation: EVALUATION, gates: { production: { min_delta_auc: 0 } } });
    await registerHoldout('holdout');
    const champion = await registerModel('baseline');
    await reg.evaluate({ ...ref, version: champion });
    await toProduction(champion);
    await registerHoldout('holdout2');
    const candidate = await registerModel('all-features');
    await reg.evaluate({ ...ref, version: candidate });

    // Act
    const cmp = await reg.compareWithProduction({ ...ref, version: candidate });

    // Assess
    expect(cmp.comparable).toBe(false);
    expect(cmp.champion).toBe(champion);
    expect(cmp.evalSetId).toBe('holdout@2');
    expect(cmp.reason).toContain('different evaluation sets');
    expect(cmp.reason).toContain('holdout@1');
    expect(cmp.reason).toContain('holdout@2');
    const gate = cmp.gates.find((g) => g.gate === 'min_delta_auc');
    expect(gate).toMatchObject({ passed: false, actual: null });
    expect(gate?.note).toContain('different evaluation sets');
    expect(cmp.gatesPassed).toBe(false);
  });

  it('refuses the production promotion on the same grounds as the comparison', async () => {
    // Prepare
    await setPolicy({ evaluation: EVALUATION, gates: { production: { min_delta_auc: 0 } } });
    await registerHoldout('holdout');
    const champion = await registerModel('baseline');
    await reg.evaluate({ ...ref, version: champion });
    await toProduction(champion);
    await registerHoldout('holdout2');
    const candidate = await registerModel('all-features');
    await reg.evaluate({ ...ref, version: candidate });
    await toStaging(candidate);

    // Act
    const result = await reg.promote({ ...ref, version: candidate, to: 'production' });

    // Assess
    expect(result).toMatchObject({ promoted: false, stage: 'staging' });
    expect(result.reason).toContain('different evaluation sets (holdout@2 vs holdout@1)');
    expect((await reg.info({ ...ref, stage: 'production' })).version).toBe(champion);
  });

  it('says production was never measured when it has no evidence at all', async () => {
    // Prepare
    await registerHoldout();
    const champion = await registerModel('baseline', { metrics: { auc: 0.7 } });
    await toProduction(champion);
    await setPolicy({ evaluation: EVALUATION, gates: { production: { min_delta_auc: 0 } } });
    const candidate = await registerModel('all-features');
    await reg.evaluate({ ...ref, version: candidate });

    // Act
    const cmp = await reg.compareWithProduction({ ...ref, version: candidate });

    // Assess
    expect(cmp).toMatchObject({ comparable: false, champion, gatesPassed: false });
    expect(cmp.reason).toContain(`production version ${champion} was never measured on holdout@1`);
  });

  it('says the candidate has no evidence when it was never evaluated', async () => {
    // Prepare
    await setPolicy({ evaluation: EVALUATION });
    await registerHoldout();
    const version = await registerModel('all-features');

    // Act
    const cmp = await reg.compareWithProduction({ ...ref, version });

    // Assess
    expect(cmp).toMatchObject({ comparable: false, evalSetId: null, gatesPassed: false });
    expect(cmp.reason).toContain('the candidate has no evaluation evidence');
    expect(cmp.gates).toEqual([
      expect.objectContaining({
        gate: 'require_evaluation',
        passed: false,
        note: expect.stringContaining('not evaluated on holdout@1'),
      }),
    ]);
  });

  it('compares again once production is measured on the new version of the set', async () => {
    // Prepare
    await setPolicy({ evaluation: EVALUATION, gates: { production: { min_delta_auc: 0 } } });
    await registerHoldout('holdout');
    const champion = await registerModel('baseline');
    await reg.evaluate({ ...ref, version: champion });
    await toProduction(champion);
    await registerHoldout('holdout2');
    const candidate = await registerModel('all-features');
    await reg.evaluate({ ...ref, version: candidate });

    // Act
    await reg.evaluate({ ...ref, version: champion });
    const cmp = await reg.compareWithProduction({ ...ref, version: candidate });

    // Assess
    expect(cmp).toMatchObject({
      comparable: true,
      champion,
      evalSetId: 'holdout@2',
      gatesPassed: true,
      reason: null,
    });
  });

  it('checks the production gates on evaluated metrics, not on the registered ones', async () => {
    // Prepare
    await setPolicy({ evaluation: EVALUATION, gates: { production: { min_auc: 0.8 } } });
    await registerHoldout();
    const version = await registerModel('baseline', { metrics: { auc: 0.99 } });
    const { metrics } = await reg.evaluate({ ...ref, version });
    await toStaging(version);

    // Act
    const cmp = await reg.compareWithProduction({ ...ref, version });
    const promotion = await reg.promote({ ...ref, version, to: 'production' });

    // Assess
    expect(metrics.auc).toBeLessThan(0.8);
    expect(cmp.gates).toEqual([
      expect.objectContaining({ gate: 'min_auc', actual: metrics.auc, passed: false }),
      expect.objectContaining({ gate: 'require_evaluation', passed: true }),
    ]);
    expect(cmp.gatesPassed).toBe(false);
    expect(cmp.reason).toContain('min_auc');
    expect(promotion).toMatchObject({ promoted: false, stage: 'staging' });
  });

  it('tells whether approval is required and how long it waits, from the policy', async () => {
    // Prepare
    await setPolicy({ evaluation: EVALUATION, requireApproval: true, approvalTimeoutHours: 1.5 });
    await registerHoldout();
    const version = await registerModel('all-features');
    await reg.evaluate({ ...ref, version });

    // Act
    const cmp = await reg.compareWithProduction({ ...ref, version });

    // Assess
    expect(cmp.requireApproval).toBe(true);
    expect(cmp.approvalTimeoutSeconds).toBe(5400);
  });

  it('says approval is not required under the default policy', async () => {
    // Prepare
    const version = await registerModel('all-features');

    // Act
    const cmp = await reg.compareWithProduction({ ...ref, version });

    // Assess
    expect(cmp).toMatchObject({ requireApproval: false, approvalTimeoutSeconds: 24 * 3600, evalSetId: null });
  });
});

describe('the require_approval gate', () => {
  async function stagedUnderApproval(): Promise<string> {
    await setPolicy({ requireApproval: true, approvers: ['bob'] });
    const version = await registerModel('all-features');
    await toStaging(version);
    return version;
  }

  it('refuses a production promotion without an approved request, changing nothing', async () => {
    // Prepare
    const version = await stagedUnderApproval();
    const before = await auditLength(reg, ref);

    // Act
    const result = await reg.promote({ ...ref, version, to: 'production' });

    // Assess
    expect(result).toMatchObject({ promoted: false, version, stage: 'staging' });
    expect(result.gates).toEqual([
      expect.objectContaining({
        gate: 'require_approval',
        passed: false,
        note: expect.stringContaining('request an approval'),
      }),
    ]);
    expect(await auditLength(reg, ref)).toBe(before);
    expect((await reg.info({ ...ref, version })).stage).toBe('staging');
  });

  it('refuses while the request is pending, and says it is pending', async () => {
    // Prepare
    const version = await stagedUnderApproval();
    const approval = await reg.requestApproval({
      ...ref,
      version,
      requestedBy: 'alice',
      taskToken: 'local-1',
    });

    // Act
    const result = await reg.promote({ ...ref, version, to: 'production' });

    // Assess
    expect(result.promoted).toBe(false);
    const gate = result.gates?.find((g) => g.gate === 'require_approval');
    expect(gate?.note).toContain('pending');
    expect(gate?.note).toContain(approval.approvalId);
  });

  it('refuses after a rejection', async () => {
    // Prepare
    const version = await stagedUnderApproval();
    const approval = await reg.requestApproval({
      ...ref,
      version,
      requestedBy: 'alice',
      taskToken: 'local-1',
    });
    await reg.decideApproval({ approvalId: approval.approvalId, decision: 'reject', by: 'bob' });

    // Act
    const result = await reg.promote({ ...ref, version, to: 'production' });

    // Assess
    expect(result.promoted).toBe(false);
  });

  it('promotes once the request is approved', async () => {
    // Prepare
    const version = await stagedUnderApproval();
    const approval = await reg.requestApproval({
      ...ref,
      version,
      requestedBy: 'alice',
      taskToken: 'local-1',
    });
    await reg.decideApproval({ approvalId: approval.approvalId, decision: 'approve', by: 'bob' });

    // Act
    const result = await reg.promote({ ...ref, version, to: 'production' });

    // Assess
    expect(result).toMatchObject({ promoted: true, version, stage: 'production' });
    expect(result.gates).toEqual([
      expect.objectContaining({
        gate: 'require_approval',
        passed: true,
        note: expect.stringContaining('approved by bob'),
      }),
    ]);
  });

  it('refuses to approve a request past its expiresAt, and the gate stays closed', async () => {
    // Prepare: a clock the test moves past the request's expiry
    let now = new Date('2026-01-01T00:00:00.000Z');
    await ws.cleanup();
    ws = await openWorkspace({ clock: { now: () => now } });
    reg = ws.registry;
    const version = await stagedUnderApproval();
    const approval = await reg.requestApproval({
      ...ref,
      version,
      requestedBy: 'alice',
      taskToken: 'local-1',
      timeoutSeconds: 60,
    });
    now = new Date(Date.parse(approval.expiresAt) + 1000);
    const before = await auditLength(reg, ref);

    // Act
    const error = await rejection(
      reg.decideApproval({ approvalId: approval.approvalId, decision: 'approve', by: 'bob' }),
      ApprovalExpiredError,
    );
    const result = await reg.promote({ ...ref, version, to: 'production' });

    // Assess
    expect(error.message).toContain(approval.expiresAt);
    expect(error.message).toContain('approvals request');
    expect((await reg.getApproval(approval.approvalId)).status).toBe('pending');
    expect(await auditLength(reg, ref)).toBe(before);
    expect(result.promoted).toBe(false);
    expect(result.gates?.find((g) => g.gate === 'require_approval')?.passed).toBe(false);
  });

  it('asks nothing of a promotion to staging', async () => {
    // Prepare
    await setPolicy({ requireApproval: true });
    const version = await registerModel('baseline');

    // Act
    const result = await reg.promote({ ...ref, version, to: 'staging' });

    // Assess
    expect(result).toMatchObject({ promoted: true, stage: 'staging' });
  });
});

describe('approvals', () => {
  const other = { useCase: UC, modelName: 'scorer' };

  async function staged(model = ref): Promise<string> {
    await setPolicy({ requireApproval: true, approvers: ['alice', 'bob'], approvalTimeoutHours: 2 }, model);
    const version = await registerModel('more-features', { model });
    await toStaging(version, model);
    return version;
  }

  it('opens a request for a staging version, expiring after the policy timeout', async () => {
    // Prepare
    const version = await staged();

    // Act
    const approval = await reg.requestApproval({
      ...ref,
      version,
      requestedBy: 'alice',
      taskToken: 'local-1',
      evidence: { auc: 0.9 },
    });

    // Assess
    expect(approval).toMatchObject({
      ...ref,
      version,
      status: 'pending',
      requestedBy: 'alice',
      evidence: { auc: 0.9 },
    });
    expect(Date.parse(approval.expiresAt) - Date.parse(approval.requestedAt)).toBe(2 * 3600 * 1000);
    expect(await reg.getApproval(approval.approvalId)).toEqual(approval);
  });

  it('refuses a request for a version that is not in staging', async () => {
    // Prepare
    const version = await registerModel('baseline');

    // Act
    const error = await rejection(
      reg.requestApproval({ ...ref, version, requestedBy: 'alice', taskToken: 'local-1' }),
      ValidationError,
    );

    // Assess
    expect(error.message).toContain('development');
    expect(await reg.listApprovals()).toEqual([]);
  });

  it('answers the request already open for the same task token, audited once', async () => {
    // Prepare
    const version = await staged();
    const first = await reg.requestApproval({ ...ref, version, requestedBy: 'alice', taskToken: 'local-1' });
    const after = await auditLength(reg, ref);

    // Act
    const again = await reg.requestApproval({ ...ref, version, requestedBy: 'alice', taskToken: 'local-1' });

    // Assess
    expect(again).toEqual(first);
    expect(await auditLength(reg, ref)).toBe(after);
    expect((await auditEvents()).filter((e) => e.action === 'approval.request')).toHaveLength(1);
  });

  it('lists pending requests across models, oldest first', async () => {
    // Prepare
    const v1 = await staged(ref);
    const v2 = await staged(other);
    const a = await reg.requestApproval({ ...ref, version: v1, requestedBy: 'alice', taskToken: 'local-a' });
    const b = await reg.requestApproval({
      ...other,
      version: v2,
      requestedBy: 'alice',
      taskToken: 'local-b',
    });

    // Act
    const pending = await reg.listApprovals();
    const approvedBefore = await reg.listApprovals({ status: 'approved' });
    await reg.decideApproval({ approvalId: a.approvalId, decision: 'approve', by: 'bob' });
    const pendingAfter = await reg.listApprovals({ useCase: UC });

    // Assess
    expect(pending.map((p) => p.approvalId)).toEqual([a.approvalId, b.approvalId]);
    expect(approvedBefore).toEqual([]);
    expect(pendingAfter.map((p) => p.approvalId)).toEqual([b.approvalId]);
  });

  it('refuses a decision by the requester', async () => {
    // Prepare
    const version = await staged();
    const approval = await reg.requestApproval({
      ...ref,
      version,
      requestedBy: 'alice',
      taskToken: 'local-1',
    });

    // Act
    const error = await rejection(
      reg.decideApproval({ approvalId: approval.approvalId, decision: 'approve', by: 'alice' }),
      ConflictError,
    );

    // Assess
    expect(error.message).toContain('alice requested this promotion');
    expect((await reg.getApproval(approval.approvalId)).status).toBe('pending');
  });

  it('refuses a decision by someone the policy does not list as approver', async () => {
    // Prepare
    const version = await staged();
    const approval = await reg.requestApproval({
      ...ref,
      version,
      requestedBy: 'alice',
      taskToken: 'local-1',
    });

    // Act
    const error = await rejection(
      reg.decideApproval({ approvalId: approval.approvalId, decision: 'approve', by: 'mallory' }),
      ConflictError,
    );

    // Assess
    expect(error.message).toContain('mallory is not an approver');
    expect(error.message).toContain('alice, bob');
    expect((await reg.getApproval(approval.approvalId)).status).toBe('pending');
  });

  it('records an approval, audited as approval.approve', async () => {
    // Prepare
    const version = await staged();
    const approval = await reg.requestApproval({
      ...ref,
      version,
      requestedBy: 'alice',
      taskToken: 'local-1',
    });

    // Act
    const decided = await reg.decideApproval({
      approvalId: approval.approvalId,
      decision: 'approve',
      by: 'bob',
      reason: 'auc up',
    });

    // Assess
    expect(decided).toMatchObject({ status: 'approved', decidedBy: 'bob', reason: 'auc up' });
    expect(decided.decidedAt).not.toBeNull();
    expect(await reg.getApproval(approval.approvalId)).toEqual(decided);
    const event = (await auditEvents()).at(-1);
    expect(event).toMatchObject({
      action: 'approval.approve',
      actor: 'bob',
      version,
      details: { approvalId: approval.approvalId, reason: 'auc up' },
    });
  });

  it('refuses a second decision, naming the first', async () => {
    // Prepare
    const version = await staged();
    const approval = await reg.requestApproval({
      ...ref,
      version,
      requestedBy: 'alice',
      taskToken: 'local-1',
    });
    await reg.decideApproval({ approvalId: approval.approvalId, decision: 'approve', by: 'bob' });
    const after = await auditLength(reg, ref);

    // Act
    const error = await rejection(
      reg.decideApproval({ approvalId: approval.approvalId, decision: 'reject', by: 'bob' }),
      ConflictError,
    );

    // Assess
    expect(error.message).toContain('already approved by bob');
    expect((await reg.getApproval(approval.approvalId)).status).toBe('approved');
    expect(await auditLength(reg, ref)).toBe(after);
  });

  it('records a rejection, audited as approval.reject', async () => {
    // Prepare
    const version = await staged();
    const approval = await reg.requestApproval({
      ...ref,
      version,
      requestedBy: 'alice',
      taskToken: 'local-1',
    });

    // Act
    const decided = await reg.decideApproval({
      approvalId: approval.approvalId,
      decision: 'reject',
      by: 'bob',
      reason: 'drift',
    });

    // Assess
    expect(decided).toMatchObject({ status: 'rejected', decidedBy: 'bob', reason: 'drift' });
    expect((await auditEvents()).at(-1)).toMatchObject({ action: 'approval.reject', actor: 'bob' });
    expect(await reg.listApprovals({ status: 'rejected' })).toEqual([decided]);
  });

  it('expires the pending request of a version, and leaves it expired when asked again', async () => {
    // Prepare
    const version = await staged();
    const approval = await reg.requestApproval({
      ...ref,
      version,
      requestedBy: 'alice',
      taskToken: 'local-1',
    });

    // Act
    const expired = await reg.expireApproval({ ...ref, version });
    const after = await auditLength(reg, ref);
    const again = await reg.expireApproval({ approvalId: approval.approvalId });

    // Assess
    expect(expired).toMatchObject({
      approvalId: approval.approvalId,
      status: 'expired',
      reason: 'timed out',
    });
    expect((await auditEvents()).at(-1)).toMatchObject({ action: 'approval.expire', version });
    expect(again).toEqual(expired);
    expect(await auditLength(reg, ref)).toBe(after);
    expect(await reg.expireApproval({ ...ref, version })).toBeNull();
  });

  it('refuses to expire without naming the request or the version', async () => {
    // Act
    const error = await rejection(reg.expireApproval({ useCase: UC }), ValidationError);

    // Assess
    expect(error.message).toContain('approvalId');
  });

  it('answers NotFoundError for an unknown approval id', async () => {
    // Act
    const error = await rejection(reg.getApproval('nope'), NotFoundError);

    // Assess
    expect(error.message).not.toContain('modelreg');
  });

  it('keeps the audit chain verifiable through requests, decisions and expiry', async () => {
    // Prepare
    const version = await staged();
    const a = await reg.requestApproval({ ...ref, version, requestedBy: 'alice', taskToken: 'local-1' });
    await reg.decideApproval({ approvalId: a.approvalId, decision: 'reject', by: 'bob' });
    const b = await reg.requestApproval({ ...ref, version, requestedBy: 'alice', taskToken: 'local-2' });
    await reg.expireApproval({ approvalId: b.approvalId });
    const c = await reg.requestApproval({ ...ref, version, requestedBy: 'bob', taskToken: 'local-3' });
    await reg.decideApproval({ approvalId: c.approvalId, decision: 'approve', by: 'alice' });
    await reg.promote({ ...ref, version, to: 'production' });

    // Act
    const verification = await reg.verifyAudit(ref);

    // Assess
    expect(verification).toMatchObject({ valid: true, checked: await auditLength(reg, ref) });
    expect((await auditEvents()).map((e) => e.action)).toEqual([
      'policy.set',
      'register',
      'promote',
      'approval.request',
      'approval.reject',
      'approval.request',
      'approval.expire',
      'approval.request',
      'approval.approve',
      'promote',
    ]);
  });
});

describe('registerFromEvent', () => {
  async function event(overrides: Record<string, unknown> = {}) {
    return {
      ...ref,
      artifactUri: await ws.model('all-features'),
      runId: 'run-42',
      datasetVersion: 'fraud-2024-06',
      codeVersion: 'git:abc123',
      requestedBy: 'trainer',
      metrics: { auc: 0.91 },
      tags: { team: 'risk' },
      ...overrides,
    };
  }

  it('registers the version with the lineage the event gives', async () => {
    // Prepare
    const input = await event();

    // Act
    const result = await reg.registerFromEvent(input);

    // Assess
    expect(result).toEqual({
      ...ref,
      version: '1.0.0',
      stage: 'development',
      sha256: sha256(await readFile(input.artifactUri)),
      alreadyRegistered: false,
    });
    const info = await reg.info({ ...ref, version: '1.0.0' });
    expect(info).toMatchObject({
      lineage: { runId: 'run-42', datasetVersion: 'fraud-2024-06', codeVersion: 'git:abc123' },
      metrics: { auc: 0.91 },
      tags: { team: 'risk' },
      registeredBy: 'trainer',
    });
  });

  it('accepts a file:// artifact URI', async () => {
    // Prepare
    const input = await event();

    // Act
    const result = await reg.registerFromEvent({
      ...input,
      artifactUri: pathToFileURL(input.artifactUri).href,
    });

    // Assess
    expect(result).toMatchObject({ version: '1.0.0', alreadyRegistered: false });
  });

  it('answers alreadyRegistered for the same event, writing nothing', async () => {
    // Prepare
    const input = await event();
    const first = await reg.registerFromEvent(input);
    const after = await auditLength(reg, ref);

    // Act
    const again = await reg.registerFromEvent(input);

    // Assess
    expect(again).toEqual({ ...first, alreadyRegistered: true });
    expect(await auditLength(reg, ref)).toBe(after);
    expect((await reg.listVersions({ ...ref })).items).toHaveLength(1);
  });

  it('registers a new version for the same run with another artifact', async () => {
    // Prepare
    await reg.registerFromEvent(await event());

    // Act
    const second = await reg.registerFromEvent(await event({ artifactUri: await ws.model('baseline') }));

    // Assess
    expect(second).toMatchObject({ version: '1.0.1', alreadyRegistered: false });
    expect((await reg.lineage({ runId: 'run-42' })).items.map((v) => v.version).sort()).toEqual([
      '1.0.0',
      '1.0.1',
    ]);
  });

  it('registers again when the same artifact comes from another run', async () => {
    // Prepare
    const input = await event();
    await reg.registerFromEvent(input);

    // Act
    const other = await reg.registerFromEvent({ ...input, runId: 'run-43' });

    // Assess
    expect(other).toMatchObject({ version: '1.0.1', alreadyRegistered: false });
  });

  it.each(['artifactUri', 'runId', 'requestedBy'])(
    'refuses an event without %s, naming the field',
    async (field) => {
      // Prepare
      const input: Record<string, unknown> = await event();
      delete input[field];

      // Act
      const error = await rejection(reg.registerFromEvent(input as never), ValidationError);

      // Assess
      expect(error.message).toContain(field);
      expect(await reg.listModels({ useCase: UC })).toMatchObject({ items: [] });
    },
  );

  it('refuses an empty artifactUri with the hint of what it should be', async () => {
    // Act
    const error = await rejection(reg.registerFromEvent(await event({ artifactUri: '' })), ValidationError);

    // Assess
    expect(error.message).toContain('artifactUri is required');
  });
});

describe('promoteStep', () => {
  it('promotes the latest staging version when no version is named', async () => {
    // Prepare
    const older = await registerModel('baseline');
    const newer = await registerModel('all-features');
    await toStaging(older);
    await toStaging(newer);

    // Act
    const result = await promoteStep(reg, { ...ref, targetStage: 'production' });

    // Assess
    expect(PromoteOutputSchema.parse(result)).toMatchObject({
      promoted: true,
      version: newer,
      stage: 'production',
    });
    expect((await reg.info({ ...ref, stage: 'production' })).version).toBe(newer);
  });

  it('answers promoted false when there is no staging version', async () => {
    // Prepare
    await registerModel('baseline');
    const before = await auditLength(reg, ref);

    // Act
    const result = await promoteStep(reg, { ...ref, targetStage: 'production' });

    // Assess
    expect(result).toEqual({
      promoted: false,
      version: null,
      stage: null,
      archivedVersion: null,
      supersededVersion: null,
      reason: 'No Staging version found',
    });
    expect(await auditLength(reg, ref)).toBe(before);
  });

  it('answers alreadyPromoted for the production version and writes nothing', async () => {
    // Prepare
    const version = await registerModel('baseline');
    await toProduction(version);
    const before = await auditLength(reg, ref);

    // Act
    const result = await promoteStep(reg, { ...ref, version, targetStage: 'production' });

    // Assess
    expect(result).toMatchObject({ promoted: true, version, stage: 'production', alreadyPromoted: true });
    expect(await auditLength(reg, ref)).toBe(before);
  });

  it('keeps the confidence in the promote audit event', async () => {
    // Prepare
    const version = await registerModel('all-features');
    await toStaging(version);

    // Act
    await promoteStep(reg, { ...ref, targetStage: 'production', confidence: 0.97, promotedBy: 'workflow' });

    // Assess
    const event = (await auditEvents()).at(-1);
    expect(event).toMatchObject({
      action: 'promote',
      actor: 'workflow',
      version,
      toStage: 'production',
      details: { confidence: 0.97 },
    });
  });

  it('supersedes the previous production version in the same promotion', async () => {
    // Prepare
    const first = await registerModel('baseline');
    await toProduction(first);
    const second = await registerModel('all-features');
    await toStaging(second);

    // Act
    const result = await promoteStep(reg, { ...ref, targetStage: 'production' });

    // Assess
    expect(result).toMatchObject({ promoted: true, version: second, supersededVersion: first });
    expect((await reg.info({ ...ref, version: first })).stage).toBe('superseded');
  });
});
