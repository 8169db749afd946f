/**
 * `explain` checked against a store built step by step: each of the six answers is
 * compared with the record that step wrote, read back through its own use case.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Explanation } from '../../src/core/explain.js';
import type { AuditEvent } from '../../src/index.js';
import { demoFixtures, openWorkspace, type Workspace } from '../support/workflow-fixtures.js';

const M = { useCase: 'robotics', modelName: 'perception' };

describe('models explain on a store built step by step', () => {
  let ws: Workspace;
  let explained: Explanation;
  let before: Explanation;
  const steps: {
    approvalId?: string;
    confidence?: number | null;
    evidenceAuc?: number | undefined;
    variantSha?: string;
    running?: string;
    ended?: string;
    eventId?: string;
  } = {};

  async function trail(): Promise<AuditEvent[]> {
    return (await ws.registry.auditTrail({ ...M, limit: 1000 })).items;
  }

  beforeAll(async () => {
    ws = await openWorkspace();
    const reg = ws.registry;
    // an evaluation set and a policy with gates, a standard evaluation and an approver
    await reg.registerEvalSet({
      useCase: M.useCase,
      name: 'holdout',
      file: await ws.csv(demoFixtures().holdout),
    });
    await reg.setPolicy({
      ...M,
      policy: {
        gates: { production: { min_auc: 0.6 } },
        requireApproval: true,
        approvers: ['carol'],
        evaluation: { evalSet: 'holdout', evaluator: 'builtin:logistic-regression' },
      },
    });
    // the first version goes to production, approved
    const promoteApproved = async (version: string, confidence: number | null) => {
      await reg.promote({ ...M, version, to: 'staging' });
      const a = await reg.requestApproval({ ...M, version, requestedBy: 'ben', taskToken: `t-${version}` });
      await reg.decideApproval({
        approvalId: a.approvalId,
        decision: 'approve',
        by: 'carol',
        reason: 'looks good',
      });
      const r = await reg.promote({ ...M, version, to: 'production', confidence, promotedBy: 'ben' });
      if (!r.promoted) throw new Error(`expected ${version} promoted: ${r.reason}`);
      return a.approvalId;
    };
    await reg.register({ ...M, artifactPath: await ws.model('baseline'), version: '1.0.0' });
    await reg.evaluate({ ...M, version: '1.0.0' });
    await promoteApproved('1.0.0', null);
    // the second, with full lineage, is evaluated, compared with production and approved
    await reg.register({
      ...M,
      artifactPath: await ws.model('all-features'),
      version: '1.1.0',
      lineage: {
        runId: 'run-77',
        datasetVersion: 'drives-2026-11',
        codeVersion: 'git:abc',
        curationRuleset: 'night-rain-v3',
        configHash: 'cfg-9f2',
        featureSet: { name: 'lidar', version: '4' },
      },
    });
    steps.evidenceAuc = (await reg.evaluate({ ...M, version: '1.1.0' })).metrics.auc;
    await reg.promote({ ...M, version: '1.1.0', to: 'staging' });
    steps.confidence = (await reg.compareWithProduction({ ...M, version: '1.1.0' })).confidence;
    const a = await reg.requestApproval({ ...M, version: '1.1.0', requestedBy: 'ben', taskToken: 't-1.1.0' });
    await reg.decideApproval({ approvalId: a.approvalId, decision: 'approve', by: 'carol' });
    steps.approvalId = a.approvalId;
    await reg.promote({
      ...M,
      version: '1.1.0',
      to: 'production',
      confidence: steps.confidence,
      promotedBy: 'ben',
    });
    // a variant, two deployments (one ended), a regression, then a rollback
    const engine = await ws.file('model.engine', 'trt engine bytes');
    steps.variantSha = (
      await reg.addVariant({
        ...M,
        version: '1.1.0',
        target: 'jetson-orin-int8',
        artifactPath: engine,
        format: 'tensorrt',
      })
    ).artifact.sha256;
    const where = { env: 'prod', site: 'lyon', customer: 'acme' };
    steps.running = (
      await reg.recordDeployment({
        ...M,
        version: '1.1.0',
        variant: 'jetson-orin-int8',
        fleet: 'wh-a',
        ...where,
      })
    ).id;
    steps.ended = (await reg.recordDeployment({ ...M, version: '1.1.0', fleet: 'wh-b', ...where })).id;
    await reg.endDeployment({ id: steps.ended, reason: 'fleet drained' });
    before = await reg.explain({ ...M, version: '1.1.0' });
    steps.eventId = (
      await reg.recordEvent({
        ...M,
        version: '1.1.0',
        kind: 'regression',
        details: 'missed pallets at night',
      })
    ).id;
    await reg.rollback({ ...M, reason: 'night regression', skipGates: true, rolledBackBy: 'oncall' });
    explained = await reg.explain({ ...M, version: '1.1.0' });
  }, 120_000);

  afterAll(() => ws?.cleanup());

  it('1. answers the data question from the lineage the version was registered with', async () => {
    const v = await ws.registry.info({ ...M, version: '1.1.0' });
    expect(explained.data).toEqual({
      datasetVersion: v.lineage.datasetVersion,
      curationRuleset: v.lineage.curationRuleset,
      configHash: v.lineage.configHash,
      featureSet: v.lineage.featureSet,
      codeVersion: v.lineage.codeVersion,
      parent: null,
    });
    expect(explained.data.curationRuleset).toBe('night-rain-v3');
  });

  it('2. names the run, the promotion event, the approver and the confidence the promotion recorded', async () => {
    const promote = (await trail()).find(
      (e) => e.action === 'promote' && e.version === '1.1.0' && e.toStage === 'production',
    )!;
    expect(explained.promotion).toMatchObject({
      runId: 'run-77',
      promoted: true,
      event: { seq: promote.seq, action: 'promote', actor: 'ben', toStage: 'production' },
      replaced: '1.0.0',
      confidence: steps.confidence,
      approval: { approvalId: steps.approvalId, decidedBy: 'carol' },
    });
    expect(typeof steps.confidence).toBe('number');
  });

  it('3. gives the evaluation set and every gate of the promotion with its actual value and threshold', async () => {
    const evidence = await ws.registry.evidence({ ...M, version: '1.1.0' });
    const promote = (await trail()).find(
      (e) => e.action === 'promote' && e.version === '1.1.0' && e.toStage === 'production',
    )!;
    expect(explained.evaluation.evidence.map((e) => [e.evalSetId, e.metrics.auc])).toEqual(
      evidence.map((e) => [e.evalSetId, e.metrics.auc]),
    );
    expect(explained.evaluation.evidence[0]!.metrics.auc).toBe(steps.evidenceAuc);
    expect(explained.evaluation.gates).toEqual(promote.details.gates);
    expect(explained.evaluation.gates).toContainEqual({
      gate: 'min_auc',
      actual: steps.evidenceAuc,
      threshold: 0.6,
    });
    expect(explained.evaluation.gates.map((g) => g.gate)).toContain('require_approval');
  });

  it('4. lists the variant with the digest it was stored with', () => {
    expect(explained.variants.map((v) => [v.target, v.format, v.sha256])).toEqual([
      ['jetson-orin-int8', 'tensorrt', steps.variantSha],
    ]);
  });

  it('5. shows only the deployment still running as running, the ended one apart', () => {
    expect(explained.deployments.running.map((d) => [d.id, d.fleet, d.variant])).toEqual([
      [steps.running, 'wh-a', 'jetson-orin-int8'],
    ]);
    expect(explained.deployments.ended.map((d) => d.id)).toEqual([steps.ended]);
  });

  it('6. lists the regression, the archival by the rollback and the ended deployment, in time order', () => {
    expect(before.events.map((e) => e.kind)).toEqual(['deployment.end']);
    expect(explained.events.map((e) => [e.kind, e.source])).toEqual([
      ['deployment.end', 'audit'],
      ['regression', 'event'],
      ['archive', 'audit'],
    ]);
    expect(explained.events[1]!.details).toBe('missed pallets at night');
    expect(explained.events[2]!.details).toContain('replaced by 1.0.0');
    expect(explained.stage).toBe('archived');
  });

  it('says a version back in production by a rollback got there with the gates skipped', async () => {
    // Act
    const back = await ws.registry.explain({ ...M, version: '1.0.0' });
    const { explainView } = await import('../../src/cli/explain-view.js');

    // Assess
    expect(back.promotion.event).toMatchObject({ action: 'rollback', actor: 'oncall', gatesSkipped: true });
    expect(explained.promotion.event).toMatchObject({ action: 'promote', gatesSkipped: false });
    const text = explainView(back);
    expect(text).toMatch(/rollback to production by oncall at \S+ \(audit seq \d+\), gates skipped/);
    expect(back.promotion.approval).not.toBeNull(); // 1.0.0 went to production approved, first
    expect(text).toMatch(/, for an earlier promotion/);
  });

  it('explains a version never promoted with empty answers, not invented ones', async () => {
    await ws.registry.register({ ...M, artifactPath: await ws.model('more-features'), version: '2.0.0' });
    const e = await ws.registry.explain({ ...M, version: '2.0.0' });
    expect(e.promotion).toMatchObject({ promoted: false, event: null, confidence: null, approval: null });
    expect(e.evaluation).toEqual({ evidence: [], gates: [] });
    expect([e.variants, e.deployments.running, e.events]).toEqual([[], [], []]);
  });
});
