import { describe, expect, it } from 'vitest';
import { type AuditDraft, chainEvents, EMPTY_TIP, verifyChain } from '../../src/core/audit.js';
import type { Actor } from '../../src/core/decisions.js';
import {
  type Deployment,
  decideEndDeployment,
  decideRecordDeployment,
  deploymentIds,
} from '../../src/core/deployment.js';
import { ConflictError, InvalidTransitionError } from '../../src/core/errors.js';
import type { VersionEvent } from '../../src/core/events.js';
import { explain } from '../../src/core/explain.js';
import { emptyHead, type ModelHead } from '../../src/core/head.js';
import type { ModelRef, Stage } from '../../src/core/model.js';
import type { VersionRecord } from '../../src/core/ports.js';
import { decideAddVariant, type Variant, VariantExistsError } from '../../src/core/variant.js';

const REF: ModelRef = { useCase: 'robotics', modelName: 'perception' };
const NOW = '2026-03-01T00:00:00.000Z';
const WHO: Actor = { actor: 'alice', now: NOW };

function version(v: string, stage: Stage): VersionRecord {
  return {
    ...REF,
    version: v,
    stage,
    artifact: { uri: 'store:x', sha256: 'a'.repeat(64), sizeBytes: 1 },
    metrics: {},
    metadata: {},
    lineage: { runId: 'r', datasetVersion: 'd', codeVersion: null },
    tags: {},
    registeredAt: NOW,
    registeredBy: 'bob',
    stageUpdatedAt: NOW,
  };
}

function head(): ModelHead {
  return { ...emptyHead(REF, NOW), revision: 3, versionCount: 1, latestVersion: '1.0.0' };
}

function deployment(overrides: Partial<Deployment> = {}): Deployment {
  return {
    id: 'd1',
    ...REF,
    version: '1.0.0',
    variant: null,
    env: 'prod',
    fleet: 'f',
    site: 's',
    customer: 'c',
    by: 'ci',
    recordedAt: NOW,
    recordedBy: 'alice',
    status: 'active',
    endedAt: null,
    endedBy: null,
    endReason: null,
    ...overrides,
  };
}

describe('deployment decisions', () => {
  it('writes the deployment, a pointer per fleet, site and customer, and one chained audit event', () => {
    const { change } = decideRecordDeployment(REF, head(), version('1.0.0', 'production'), deployment(), WHO);
    expect(change!.expectedRevision).toBe(3);
    expect(change!.records!.map((r) => [r.record.id, r.record.scope, r.record.status ?? null])).toEqual([
      ['d1', 'robotics/perception', 'active'],
      ['d1/fleet', 'fleet:f', null],
      ['d1/site', 'site:s', null],
      ['d1/customer', 'customer:c', null],
      [deploymentIds.running(deployment()), 'running:robotics/perception', 'running'],
    ]);
    expect(change!.records!.at(-1)!.expect).toBe('absent');
    expect(change!.events.map((e) => [e.action, e.version, e.details.fleet])).toEqual([
      ['deployment.record', '1.0.0', 'f'],
    ]);
    expect(verifyChain(REF, change!.events, change!.head.auditTip).valid).toBe(true);
  });

  it('answers the identical running deployment with alreadyRunning and writes nothing', () => {
    // Prepare
    const running = deployment({ id: 'd0' });
    const slot = { status: 'running' as const, deploymentId: 'd0' };

    // Act
    const { change, result } = decideRecordDeployment(
      REF,
      head(),
      version('1.0.0', 'production'),
      deployment(),
      WHO,
      {
        slot,
        running,
      },
    );

    // Assess
    expect(change).toBeNull();
    expect(result).toMatchObject({ id: 'd0', alreadyRunning: true });
  });

  it('reuses a freed running slot on its status, and ending frees the slot it holds', () => {
    // Prepare
    const free = { status: 'free' as const, deploymentId: 'd0' };

    // Act
    const recorded = decideRecordDeployment(REF, head(), version('1.0.0', 'production'), deployment(), WHO, {
      slot: free,
      running: null,
    });
    const ended = decideEndDeployment(REF, head(), deployment(), null, WHO, {
      status: 'running',
      deploymentId: 'd1',
    });
    const other = decideEndDeployment(REF, head(), deployment(), null, WHO, {
      status: 'running',
      deploymentId: 'dX',
    });

    // Assess
    expect(recorded.change!.records!.at(-1)!.expect).toEqual({ status: 'free' });
    expect(ended.change!.records!.map((r) => [r.record.status, r.expect])).toEqual([
      ['ended', { status: 'active' }],
      ['free', { status: 'running' }],
    ]);
    expect(other.change!.records).toHaveLength(1);
  });

  it('keys the running slot by version, variant, env, fleet, site and customer', () => {
    const base = deployment();
    const ids = new Set(
      [
        base,
        { ...base, id: 'other-id', by: 'someone' },
        { ...base, version: '1.0.1' },
        { ...base, variant: 'orin' },
        { ...base, env: 'staging' },
        { ...base, fleet: 'g' },
        { ...base, site: 't' },
        { ...base, customer: 'd' },
      ].map((d) => deploymentIds.running(d)),
    );
    expect(ids.size).toBe(7);
  });

  it('refuses an archived version', () => {
    expect(() =>
      decideRecordDeployment(REF, head(), version('1.0.0', 'archived'), deployment(), WHO),
    ).toThrow(InvalidTransitionError);
  });

  it('ends only a running deployment, conditioned on it still running', () => {
    const { change, result } = decideEndDeployment(REF, head(), deployment(), 'drained', WHO);
    expect(result).toMatchObject({ status: 'ended', endedAt: NOW, endedBy: 'alice', endReason: 'drained' });
    expect(change!.records![0]!.expect).toEqual({ status: 'active' });
    expect(() => decideEndDeployment(REF, head(), result, null, WHO)).toThrow(ConflictError);
  });

  it('refuses a second variant for a target', () => {
    const v = { ...REF, version: '1.0.0', target: 'orin' } as Variant;
    expect(() => decideAddVariant(REF, head(), { existing: true }, v, WHO)).toThrow(VariantExistsError);
  });
});

describe('explain', () => {
  const audit = (drafts: AuditDraft[]) => chainEvents(REF, EMPTY_TIP, drafts).events;
  const at = (s: number) => `2026-03-01T00:00:0${s}.000Z`;
  const base = { actor: 'x', fromStage: null, toStage: null } as const;

  it('takes the last move to production, not an earlier staging promotion, as the promotion', () => {
    const events = audit([
      { ...base, at: at(1), action: 'promote', version: '1.0.0', toStage: 'staging', details: { gates: [] } },
      {
        ...base,
        at: at(2),
        action: 'promote',
        version: '1.0.0',
        toStage: 'production',
        details: {
          confidence: 0.93,
          archivedVersion: '0.9.0',
          gates: [{ gate: 'min_auc', actual: 0.91, threshold: 0.9 }],
        },
      },
    ]);
    const e = explain({
      version: version('1.0.0', 'production'),
      audit: events,
      evidence: [],
      approvals: [],
      variants: [],
      deployments: [],
      events: [],
    });
    expect(e.promotion).toMatchObject({
      promoted: true,
      confidence: 0.93,
      replaced: '0.9.0',
      event: { seq: 2 },
    });
    expect(e.evaluation.gates).toEqual([{ gate: 'min_auc', actual: 0.91, threshold: 0.9 }]);
  });

  it('orders events of the same millisecond by their audit sequence, and ignores other versions', () => {
    const events = audit([
      { ...base, at: at(3), action: 'event.record', version: '1.0.0', details: { eventId: 'e1' } },
      {
        ...base,
        at: at(3),
        action: 'archive',
        version: '1.0.0',
        fromStage: 'production',
        toStage: 'archived',
        details: { reason: 'rolled back' },
      },
      { ...base, at: at(3), action: 'archive', version: '2.0.0', details: {} },
    ]);
    const versionEvent: VersionEvent = {
      id: 'e1',
      ...REF,
      version: '1.0.0',
      kind: 'regression',
      details: 'night',
      at: at(3),
      actor: 'monitor',
      source: 'monitor',
    };
    const other = { ...versionEvent, id: 'e2', version: '2.0.0' };
    const e = explain({
      version: version('1.0.0', 'archived'),
      audit: events,
      evidence: [],
      approvals: [],
      variants: [],
      deployments: [],
      events: [other, versionEvent],
    });
    expect(e.events.map((x) => [x.kind, x.source])).toEqual([
      ['regression', 'event'],
      ['archive', 'audit'],
    ]);
  });
});
