import { describe, expect, it } from 'vitest';
import { type AuditEvent, chainEvents, EMPTY_TIP, GENESIS_HASH, verifyChain } from '../../src/core/audit.js';
import {
  type Actor,
  assertVersionFree,
  chooseVersion,
  decideArchival,
  decideArchive,
  decideDemote,
  decidePromote,
  decideRegister,
  decideRemoveAlias,
  decideRollback,
  decideSetAlias,
  decideSetPolicy,
  rollbackTarget,
} from '../../src/core/decisions.js';
import {
  AliasNotFoundError,
  InvalidTransitionError,
  VersionExistsError,
  VersionNotFoundError,
} from '../../src/core/errors.js';
import { emptyHead, type ModelHead } from '../../src/core/head.js';
import type { Metrics, ModelRef, Stage } from '../../src/core/model.js';
import { DEFAULT_POLICY, type Policy, validatePolicy } from '../../src/core/policy.js';
import type { ChangeSet, VersionRecord } from '../../src/core/ports.js';

const REF: ModelRef = { useCase: 'fraud', modelName: 'detector' };
const T0 = '2025-01-01T00:00:00.000Z';
const NOW = '2025-03-01T00:00:00.000Z';
const WHO: Actor = { actor: 'alice', now: NOW };
const DAY_MS = 86_400_000;

/** An ISO time `days` before NOW. */
function daysAgo(days: number): string {
  return new Date(Date.parse(NOW) - days * DAY_MS).toISOString();
}

/** Three earlier events, so heads carry a real audit tip the change sets must continue. */
const PRIOR = chainEvents(
  REF,
  EMPTY_TIP,
  ['0.9.0', '1.0.0', '1.1.0'].map((version) => ({
    at: T0,
    actor: 'bob',
    action: 'register',
    version,
    fromStage: null,
    toStage: 'development' as const,
    details: {},
  })),
);

function record(version: string, stage: Stage, overrides: Partial<VersionRecord> = {}): VersionRecord {
  return {
    useCase: REF.useCase,
    modelName: REF.modelName,
    version,
    stage,
    artifact: { uri: `file:///registry/${version}/model.bin`, sha256: 'a'.repeat(64), sizeBytes: 1024 },
    metrics: { auc: 0.9, loss: 0.2 },
    metadata: {},
    lineage: { runId: `run-${version}`, datasetVersion: 'ds-1', codeVersion: 'abc123' },
    tags: {},
    registeredAt: T0,
    registeredBy: 'bob',
    stageUpdatedAt: T0,
    ...overrides,
  };
}

/** A model at revision 5 with three versions and the PRIOR audit events. */
function head(overrides: Partial<ModelHead> = {}): ModelHead {
  return {
    ...emptyHead(REF, T0),
    revision: 5,
    latestVersion: '1.1.0',
    versionCount: 3,
    auditTip: PRIOR.tip,
    ...overrides,
  };
}

function inProduction(
  version: string,
  metrics: Metrics = { auc: 0.91, loss: 0.25 },
): ModelHead['production'] {
  return { version, metrics, since: T0 };
}

function withPolicy(input: unknown): Policy {
  return validatePolicy(input);
}

/** Every change set: conditioned on the head it read, one revision up, events chained on from its tip. */
function expectWellFormed(
  change: ChangeSet | null,
  base: ModelHead,
  prior: AuditEvent[] = PRIOR.events,
): ChangeSet {
  expect(change).not.toBeNull();
  const c = change!;
  expect(c.ref).toEqual(REF);
  expect(c.expectedRevision).toBe(base.revision);
  expect(c.head.revision).toBe(base.revision + 1);
  expect(c.head.updatedAt).toBe(NOW);
  expect(c.events.length).toBeGreaterThan(0);
  expect(c.events[0]!.seq).toBe(base.auditTip.seq + 1);
  expect(c.events[0]!.prevHash).toBe(base.auditTip.hash);
  const last = c.events.at(-1)!;
  expect(c.head.auditTip).toEqual({ seq: last.seq, hash: last.hash });
  expect(verifyChain(REF, [...prior, ...c.events], c.head.auditTip)).toMatchObject({ valid: true });
  for (const e of c.events) expect(e).toMatchObject({ at: NOW, actor: 'alice' });
  for (const s of c.stageChanges) expect(s.at).toBe(NOW);
  return c;
}

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('chooseVersion', () => {
  it.each<[string, ModelHead | null, string | null, 'major' | 'minor' | 'patch' | undefined, string]>([
    ['takes a pinned version as given', head(), '3.0.0', undefined, '3.0.0'],
    ['starts a new model at 1.0.0', null, null, undefined, '1.0.0'],
    ['starts a model without versions at 1.0.0', emptyHead(REF, T0), null, 'major', '1.0.0'],
    ['bumps the patch of the latest by default', head({ latestVersion: '1.1.0' }), null, undefined, '1.1.1'],
    ['bumps the minor of the latest', head({ latestVersion: '1.1.3' }), null, 'minor', '1.2.0'],
    ['bumps the major of the latest', head({ latestVersion: '1.1.3' }), null, 'major', '2.0.0'],
  ])('%s', (_label, h, pinned, bump, expected) => {
    // Act
    const version = bump === undefined ? chooseVersion(h, pinned) : chooseVersion(h, pinned, bump);

    // Assess
    expect(version).toBe(expected);
  });
});

describe('assertVersionFree', () => {
  it('passes a version that does not exist', () => {
    // Act / Assess
    expect(() => assertVersionFree(REF, '2.0.0', null)).not.toThrow();
  });

  it('refuses a version that exists, saying who registered it and when', () => {
    // Act
    const error = thrown(() => assertVersionFree(REF, '1.0.0', record('1.0.0', 'staging')));

    // Assess
    expect(error).toBeInstanceOf(VersionExistsError);
    expect((error as Error).message).toContain('fraud/detector version 1.0.0 already exists');
    expect((error as Error).message).toContain(`registered ${T0} by bob`);
  });
});

describe('decideRegister', () => {
  it('creates the model at revision 1 with a first register event', () => {
    // Prepare
    const v = record('1.0.0', 'development');

    // Act
    const { change, result } = decideRegister(REF, null, null, v, WHO);

    // Assess
    const c = expectWellFormed(change, emptyHead(REF, NOW), []);
    expect(c.expectedRevision).toBe(0);
    expect(c.head).toMatchObject({ revision: 1, latestVersion: '1.0.0', versionCount: 1, createdAt: NOW });
    expect(c.newVersions).toEqual([v]);
    expect(c.stageChanges).toEqual([]);
    expect(c.events).toHaveLength(1);
    expect(c.events[0]).toMatchObject({
      seq: 1,
      prevHash: GENESIS_HASH,
      action: 'register',
      version: '1.0.0',
      fromStage: null,
      toStage: 'development',
      details: {
        sha256: v.artifact.sha256,
        sizeBytes: 1024,
        runId: 'run-1.0.0',
        datasetVersion: 'ds-1',
        codeVersion: 'abc123',
        metrics: v.metrics,
      },
    });
    expect(result).toBe(v);
  });

  it('adds a version to an existing model, keeping the rest of its head', () => {
    // Prepare
    const base = head({ production: inProduction('1.0.0'), aliases: { champion: '1.0.0' } });

    // Act
    const { change } = decideRegister(REF, base, null, record('1.2.0', 'development'), WHO);

    // Assess
    const c = expectWellFormed(change, base);
    expect(c.head).toMatchObject({
      latestVersion: '1.2.0',
      versionCount: 4,
      createdAt: T0,
      production: base.production,
      aliases: { champion: '1.0.0' },
    });
  });

  it('refuses a version that already exists', () => {
    // Act
    const error = thrown(() =>
      decideRegister(REF, head(), record('1.0.0', 'staging'), record('1.0.0', 'development'), WHO),
    );

    // Assess
    expect(error).toBeInstanceOf(VersionExistsError);
    expect((error as VersionExistsError).details).toEqual({ version: '1.0.0' });
  });

  it.each<[string | null, string, string]>([
    [null, '0.1.0', '0.1.0'],
    ['1.0.0', '0.9.0', '1.0.0'],
    ['1.0.0', '1.0.1', '1.0.1'],
    ['1.9.0', '1.10.0', '1.10.0'],
    ['1.10.0', '1.9.0', '1.10.0'],
    ['1.0.0', '1.0.0-rc.1', '1.0.0'],
    ['1.0.0-rc.1', '1.0.0', '1.0.0'],
    ['2.0.0-beta.2', '2.0.0-beta.11', '2.0.0-beta.11'],
  ])(
    'with latest %j, registering %s leaves latest %s (highest precedence)',
    (latest, registered, expected) => {
      // Prepare
      const base = head({ latestVersion: latest });

      // Act
      const { change } = decideRegister(REF, base, null, record(registered, 'development'), WHO);

      // Assess
      expect(change?.head.latestVersion).toBe(expected);
    },
  );
});

describe('decidePromote', () => {
  it('promotes development to staging in one move', () => {
    // Prepare
    const base = head({ production: inProduction('1.0.0') });

    // Act
    const { change, result } = decidePromote(REF, base, record('1.1.0', 'development'), null, {}, WHO);

    // Assess
    const c = expectWellFormed(change, base);
    expect(c.stageChanges).toEqual([{ version: '1.1.0', from: 'development', to: 'staging', at: NOW }]);
    expect(c.events.map((e) => [e.action, e.version, e.fromStage, e.toStage])).toEqual([
      ['promote', '1.1.0', 'development', 'staging'],
    ]);
    expect(c.head.production).toEqual(base.production);
    expect(c.newVersions).toEqual([]);
    expect(result).toEqual({ promoted: true, version: '1.1.0', stage: 'staging', archivedVersion: null });
  });

  it('supersedes the current production version in the same change set when promoting to production', () => {
    // Prepare
    const base = head({ production: inProduction('1.0.0'), previousProductionVersion: '0.9.0' });
    const candidate = record('1.1.0', 'staging', { metrics: { auc: 0.93 } });

    // Act
    const { change, result } = decidePromote(REF, base, candidate, 'production', {}, WHO);

    // Assess
    const c = expectWellFormed(change, base);
    expect(c.stageChanges).toEqual([
      { version: '1.1.0', from: 'staging', to: 'production', at: NOW },
      { version: '1.0.0', from: 'production', to: 'superseded', at: NOW },
    ]);
    expect(c.events).toHaveLength(2);
    expect(c.events[0]).toMatchObject({
      action: 'promote',
      version: '1.1.0',
      fromStage: 'staging',
      toStage: 'production',
      details: { archivedVersion: null, supersededVersion: '1.0.0' },
    });
    expect(c.events[1]).toMatchObject({
      action: 'supersede',
      version: '1.0.0',
      fromStage: 'production',
      toStage: 'superseded',
      details: { supersededBy: '1.1.0' },
    });
    expect(c.head.production).toEqual({ version: '1.1.0', metrics: { auc: 0.93 }, since: NOW });
    expect(c.head.previousProductionVersion).toBe('1.0.0');
    expect(c.head.supersededAt).toEqual({ '1.0.0': NOW });
    expect(c.expectedRevision).toBe(5);
    expect(c.head.revision).toBe(6);
    expect(result).toEqual({
      promoted: true,
      version: '1.1.0',
      stage: 'production',
      archivedVersion: null,
      supersededVersion: '1.0.0',
      line: null,
    });
  });

  it('promotes staging to production by default', () => {
    // Prepare
    const base = head({ production: inProduction('1.0.0') });

    // Act
    const { result } = decidePromote(REF, base, record('1.1.0', 'staging'), null, {}, WHO);

    // Assess
    expect(result).toMatchObject({ promoted: true, stage: 'production', supersededVersion: '1.0.0' });
  });

  it('promotes to an empty production without archiving anything and keeps the previous production version', () => {
    // Prepare
    const base = head({ production: null, previousProductionVersion: '0.9.0' });

    // Act
    const { change, result } = decidePromote(REF, base, record('1.1.0', 'staging'), 'production', {}, WHO);

    // Assess
    const c = expectWellFormed(change, base);
    expect(c.stageChanges).toEqual([{ version: '1.1.0', from: 'staging', to: 'production', at: NOW }]);
    expect(c.events.map((e) => e.action)).toEqual(['promote']);
    expect(c.events[0]!.details).toEqual({ archivedVersion: null, supersededVersion: null });
    expect(c.head.production?.version).toBe('1.1.0');
    expect(c.head.previousProductionVersion).toBe('0.9.0');
    expect(result.archivedVersion).toBeNull();
  });

  it.each<[Stage, Stage | null]>([
    ['production', null],
    ['production', 'production'],
    ['staging', 'staging'],
  ])('writes nothing and says alreadyPromoted for a %s version promoted to %s', (stage, to) => {
    // Prepare
    const base = head({ production: stage === 'production' ? inProduction('1.1.0') : null });

    // Act
    const { change, result } = decidePromote(REF, base, record('1.1.0', stage), to, { min_auc: 0.99 }, WHO);

    // Assess
    expect(change).toBeNull();
    expect(result).toEqual({
      promoted: true,
      version: '1.1.0',
      stage,
      archivedVersion: null,
      alreadyPromoted: true,
    });
  });

  it.each<[string, Stage, Stage | null, string]>([
    ['an archived version', 'archived', null, 'archived version returns to production with rollback'],
    ['development straight to production', 'development', 'production', 'cannot promote from development'],
    ['production down to staging', 'production', 'staging', 'cannot promote from production to staging'],
    ['staging to archived', 'staging', 'archived', 'cannot promote from staging to archived'],
    [
      'development to development',
      'development',
      'development',
      'promote moves a version to staging or production',
    ],
    ['archived to archived', 'archived', 'archived', 'promote moves a version to staging or production'],
    ['archived to production', 'archived', 'production', 'cannot promote from archived to production'],
  ])('refuses to promote %s', (_label, stage, to, message) => {
    // Act
    const error = thrown(() => decidePromote(REF, head(), record('1.1.0', stage), to, {}, WHO));

    // Assess
    expect(error).toBeInstanceOf(InvalidTransitionError);
    expect((error as Error).message).toContain(message);
  });

  it('refuses a promotion that fails a policy gate, writing nothing and listing the gates', () => {
    // Prepare
    const base = head({
      production: inProduction('1.0.0'),
      policy: withPolicy({ gates: { production: { min_auc: 0.95 } } }),
    });

    // Act
    const { change, result } = decidePromote(REF, base, record('1.1.0', 'staging'), 'production', {}, WHO);

    // Assess
    expect(change).toBeNull();
    expect(result.promoted).toBe(false);
    expect(result.stage).toBe('staging');
    expect(result.archivedVersion).toBeNull();
    expect(result.gates).toEqual([
      { gate: 'min_auc', metric: 'auc', actual: 0.9, threshold: 0.95, passed: false, source: 'policy' },
    ]);
    expect(result.reason).toBe('1 of 1 gates failed: min_auc: 0.9 < 0.95');
  });

  it('evaluates request gates in addition to policy gates, listing both with their source', () => {
    // Prepare
    const base = head({ policy: withPolicy({ gates: { production: { min_auc: 0.8 } } }) });

    // Act
    const { change, result } = decidePromote(
      REF,
      base,
      record('1.1.0', 'staging'),
      'production',
      { max_loss: 0.1 },
      WHO,
    );

    // Assess
    expect(change).toBeNull();
    expect(result.promoted).toBe(false);
    expect(result.gates?.map((g) => [g.gate, g.source, g.passed])).toEqual([
      ['min_auc', 'policy', true],
      ['max_loss', 'request', false],
    ]);
    expect(result.reason).toBe('1 of 2 gates failed: max_loss: 0.2 > 0.1');
  });

  it('fails a request gate even when the policy has none', () => {
    // Act
    const { change, result } = decidePromote(
      REF,
      head(),
      record('1.1.0', 'development'),
      null,
      { min_auc: 0.95 },
      WHO,
    );

    // Assess
    expect(change).toBeNull();
    expect(result.gates?.map((g) => g.source)).toEqual(['request']);
  });

  it('records the passing gates in the promote event and the answer', () => {
    // Prepare
    const base = head({ policy: withPolicy({ gates: { production: { min_auc: 0.8 } } }) });

    // Act
    const { change, result } = decidePromote(
      REF,
      base,
      record('1.1.0', 'staging'),
      'production',
      { max_loss: 0.3 },
      WHO,
    );

    // Assess
    const c = expectWellFormed(change, base);
    expect(c.events[0]!.details).toEqual({
      archivedVersion: null,
      supersededVersion: null,
      gates: [
        { gate: 'min_auc', actual: 0.9, threshold: 0.8 },
        { gate: 'max_loss', actual: 0.2, threshold: 0.3 },
      ],
    });
    expect(result.promoted).toBe(true);
    expect(result.gates).toHaveLength(2);
  });

  it.each<[Stage, Stage, string]>([
    ['development', 'staging', 'staging'],
    ['staging', 'production', 'production'],
  ])('holds a %s→%s promotion to the %s gates of the policy only', (from, to, which) => {
    // Prepare
    const policy = withPolicy({ gates: { staging: { min_auc: 0.5 }, production: { min_f1: 0.5 } } });
    const base = head({ policy });

    // Act
    const { result } = decidePromote(REF, base, record('1.1.0', from), to, {}, WHO);

    // Assess
    expect(result.gates?.map((g) => g.gate)).toEqual([which === 'staging' ? 'min_auc' : 'min_f1']);
  });

  it.each([
    [0.93, true],
    [0.92, false],
  ])(
    'compares a candidate auc of %d with production 0.91 for min_delta_auc 0.02 (passes: %s)',
    (auc, passed) => {
      // Prepare
      const base = head({
        production: inProduction('1.0.0', { auc: 0.91 }),
        policy: withPolicy({ gates: { production: { min_delta_auc: 0.02 } } }),
      });

      // Act
      const { change, result } = decidePromote(
        REF,
        base,
        record('1.1.0', 'staging', { metrics: { auc } }),
        null,
        {},
        WHO,
      );

      // Assess
      expect(result.promoted).toBe(passed);
      expect(change === null).toBe(!passed);
      expect(result.gates?.[0]?.note).toBe('vs production 1.0.0 (0.91)');
    },
  );

  it('no longer counts a re-promoted version as superseded', () => {
    // Prepare
    const base = head({ supersededAt: { '1.0.0': T0, '0.9.0': T0 } });

    // Act
    const { change } = decidePromote(REF, base, record('1.0.0', 'staging'), null, {}, WHO);

    // Assess
    expect(change?.head.supersededAt).toEqual({ '0.9.0': T0 });
  });
});

describe('decideDemote', () => {
  it.each<Stage>(['staging', 'development'])(
    'demotes the production version to %s, clearing production and recording when it was superseded',
    (to) => {
      // Prepare
      const base = head({ production: inProduction('1.0.0'), previousProductionVersion: '0.9.0' });

      // Act
      const { change, result } = decideDemote(REF, base, record('1.0.0', 'production'), to, WHO);

      // Assess
      const c = expectWellFormed(change, base);
      expect(c.head.production).toBeNull();
      expect(c.head.previousProductionVersion).toBe('1.0.0');
      expect(c.head.supersededAt).toEqual({ '1.0.0': NOW });
      expect(c.stageChanges).toEqual([{ version: '1.0.0', from: 'production', to, at: NOW }]);
      expect(c.events.map((e) => [e.action, e.version, e.fromStage, e.toStage])).toEqual([
        ['demote', '1.0.0', 'production', to],
      ]);
      expect(result).toEqual({ demoted: true, version: '1.0.0', stage: to, archivedVersion: null });
    },
  );

  it('demotes staging to development without touching production', () => {
    // Prepare
    const base = head({ production: inProduction('1.0.0'), supersededAt: { '0.9.0': T0 } });

    // Act
    const { change } = decideDemote(REF, base, record('1.1.0', 'staging'), 'development', WHO);

    // Assess
    const c = expectWellFormed(change, base);
    expect(c.head.production).toEqual(base.production);
    expect(c.head.supersededAt).toEqual({ '0.9.0': T0 });
    expect(c.stageChanges).toEqual([{ version: '1.1.0', from: 'staging', to: 'development', at: NOW }]);
  });

  it('writes nothing and says alreadyDemoted for a version already in the target stage', () => {
    // Act
    const { change, result } = decideDemote(REF, head(), record('1.1.0', 'development'), 'development', WHO);

    // Assess
    expect(change).toBeNull();
    expect(result).toMatchObject({ demoted: true, stage: 'development', alreadyDemoted: true });
  });

  it.each<[Stage, Stage]>([
    ['development', 'staging'],
    ['staging', 'production'],
    ['archived', 'development'],
    ['production', 'archived'],
    ['production', 'production'],
    ['archived', 'archived'],
  ])('refuses to demote from %s to %s', (from, to) => {
    // Act / Assess
    expect(() => decideDemote(REF, head(), record('1.1.0', from), to, WHO)).toThrow(InvalidTransitionError);
  });
});

describe('decideArchive', () => {
  it.each([{}, { force: false }])('refuses to archive the production version with options %j', (options) => {
    // Prepare
    const base = head({ production: inProduction('1.0.0') });

    // Act
    const error = thrown(() => decideArchive(REF, base, record('1.0.0', 'production'), options, WHO));

    // Assess
    expect(error).toBeInstanceOf(InvalidTransitionError);
    expect((error as Error).message).toContain('--force');
  });

  it('archives the production version with force, leaving nothing in production', () => {
    // Prepare
    const base = head({ production: inProduction('1.0.0'), previousProductionVersion: '0.9.0' });

    // Act
    const { change, result } = decideArchive(
      REF,
      base,
      record('1.0.0', 'production'),
      { force: true, reason: 'bad data' },
      WHO,
    );

    // Assess
    const c = expectWellFormed(change, base);
    expect(c.head.production).toBeNull();
    expect(c.head.previousProductionVersion).toBe('1.0.0');
    expect(c.stageChanges).toEqual([{ version: '1.0.0', from: 'production', to: 'archived', at: NOW }]);
    expect(c.events[0]).toMatchObject({ action: 'archive', details: { reason: 'bad data' } });
    expect(result).toEqual({ archived: true, version: '1.0.0', stage: 'archived', archivedVersion: null });
  });

  it.each<Stage>(['development', 'staging'])('archives a %s version without force', (stage) => {
    // Prepare
    const base = head({ production: inProduction('1.0.0'), supersededAt: { '1.1.0': T0, '0.9.0': T0 } });

    // Act
    const { change } = decideArchive(REF, base, record('1.1.0', stage), {}, WHO);

    // Assess
    const c = expectWellFormed(change, base);
    expect(c.head.production).toEqual(base.production);
    expect(c.head.supersededAt).toEqual({ '0.9.0': T0 });
    expect(c.stageChanges).toEqual([{ version: '1.1.0', from: stage, to: 'archived', at: NOW }]);
    expect(c.events[0]).toMatchObject({
      action: 'archive',
      fromStage: stage,
      toStage: 'archived',
      details: {},
    });
  });

  it('writes nothing and says alreadyArchived for an archived version', () => {
    // Act
    const { change, result } = decideArchive(REF, head(), record('0.9.0', 'archived'), {}, WHO);

    // Assess
    expect(change).toBeNull();
    expect(result).toMatchObject({ archived: true, alreadyArchived: true });
  });
});

describe('rollbackTarget', () => {
  it.each<[string, Partial<ModelHead>, string]>([
    [
      'the previous production version',
      { production: inProduction('1.1.0'), previousProductionVersion: '1.0.0' },
      '1.0.0',
    ],
    [
      'the previous version when production is empty',
      { production: null, previousProductionVersion: '1.0.0' },
      '1.0.0',
    ],
  ])('returns %s', (_label, overrides, expected) => {
    // Act / Assess
    expect(rollbackTarget(REF, head(overrides))).toBe(expected);
  });

  it.each<[string, Partial<ModelHead>]>([
    [
      'there is no previous production version',
      { production: inProduction('1.0.0'), previousProductionVersion: null },
    ],
    ['nothing was ever in production', { production: null, previousProductionVersion: null }],
    [
      'the previous version is the current one',
      { production: inProduction('1.0.0'), previousProductionVersion: '1.0.0' },
    ],
  ])('fails when %s', (_label, overrides) => {
    // Act
    const error = thrown(() => rollbackTarget(REF, head(overrides)));

    // Assess
    expect(error).toBeInstanceOf(VersionNotFoundError);
    expect((error as Error).message).toContain('fraud/detector has no previous production version');
    expect((error as Error).message).toContain('name the version to return to');
  });
});

describe('decideRollback', () => {
  it('returns an archived version to production and archives the current one in the same change set', () => {
    // Prepare
    const base = head({ production: inProduction('1.1.0'), previousProductionVersion: '1.0.0' });
    const target = record('1.0.0', 'archived', { metrics: { auc: 0.88 } });

    // Act
    const { change, result } = decideRollback(REF, base, target, WHO, 'latency regression');

    // Assess
    const c = expectWellFormed(change, base);
    expect(c.stageChanges).toEqual([
      { version: '1.0.0', from: 'archived', to: 'production', at: NOW },
      { version: '1.1.0', from: 'production', to: 'archived', at: NOW },
    ]);
    expect(c.events.map((e) => [e.action, e.version, e.fromStage, e.toStage, e.details])).toEqual([
      [
        'rollback',
        '1.0.0',
        'archived',
        'production',
        { archivedVersion: '1.1.0', reason: 'latency regression' },
      ],
      ['archive', '1.1.0', 'production', 'archived', { reason: 'rolled back', replacedBy: '1.0.0' }],
    ]);
    expect(c.head.production).toEqual({ version: '1.0.0', metrics: { auc: 0.88 }, since: NOW });
    expect(c.head.previousProductionVersion).toBe('1.1.0');
    expect(result).toEqual({
      rolledBack: true,
      version: '1.0.0',
      stage: 'production',
      archivedVersion: '1.1.0',
    });
  });

  it('returns a staging version to an empty production, archiving nothing', () => {
    // Prepare
    const base = head({
      production: null,
      previousProductionVersion: '1.0.0',
      supersededAt: { '1.0.0': T0 },
    });

    // Act
    const { change, result } = decideRollback(REF, base, record('1.0.0', 'staging'), WHO);

    // Assess
    const c = expectWellFormed(change, base);
    expect(c.stageChanges).toEqual([{ version: '1.0.0', from: 'staging', to: 'production', at: NOW }]);
    expect(c.events).toHaveLength(1);
    expect(c.events[0]!.details).toEqual({ archivedVersion: null });
    expect(c.head.production?.version).toBe('1.0.0');
    expect(c.head.previousProductionVersion).toBe('1.0.0');
    expect(c.head.supersededAt).toEqual({});
    expect(result.archivedVersion).toBeNull();
  });

  it('writes nothing and says alreadyRolledBack for the production version', () => {
    // Prepare
    const base = head({ production: inProduction('1.0.0') });

    // Act
    const { change, result } = decideRollback(REF, base, record('1.0.0', 'production'), WHO);

    // Assess
    expect(change).toBeNull();
    expect(result).toMatchObject({ rolledBack: true, alreadyRolledBack: true, archivedVersion: null });
  });

  it('refuses to roll back to a development version', () => {
    // Act
    const error = thrown(() => decideRollback(REF, head(), record('1.1.0', 'development'), WHO));

    // Assess
    expect(error).toBeInstanceOf(InvalidTransitionError);
    expect((error as Error).message).toContain('cannot rollback from development to production');
  });
});

describe('decideSetAlias', () => {
  it('creates an alias, with no previous version', () => {
    // Prepare
    const base = head({ aliases: { stable: '0.9.0' } });

    // Act
    const { change, result } = decideSetAlias(REF, base, 'champion', record('1.0.0', 'production'), WHO);

    // Assess
    const c = expectWellFormed(change, base);
    expect(c.head.aliases).toEqual({ stable: '0.9.0', champion: '1.0.0' });
    expect(c.stageChanges).toEqual([]);
    expect(c.events[0]).toMatchObject({
      action: 'alias.set',
      version: '1.0.0',
      fromStage: null,
      toStage: null,
      details: { alias: 'champion', previousVersion: null },
    });
    expect(result).toEqual({ alias: 'champion', version: '1.0.0', previousVersion: null, changed: true });
  });

  it('moves an alias and reports the version it pointed at', () => {
    // Prepare
    const base = head({ aliases: { champion: '1.0.0' } });

    // Act
    const { change, result } = decideSetAlias(REF, base, 'champion', record('1.1.0', 'staging'), WHO);

    // Assess
    const c = expectWellFormed(change, base);
    expect(c.head.aliases).toEqual({ champion: '1.1.0' });
    expect(c.events[0]!.details).toEqual({ alias: 'champion', previousVersion: '1.0.0' });
    expect(result).toEqual({ alias: 'champion', version: '1.1.0', previousVersion: '1.0.0', changed: true });
  });

  it('writes nothing when the alias already points at the version', () => {
    // Prepare
    const base = head({ aliases: { champion: '1.0.0' } });

    // Act
    const { change, result } = decideSetAlias(REF, base, 'champion', record('1.0.0', 'production'), WHO);

    // Assess
    expect(change).toBeNull();
    expect(result).toEqual({ alias: 'champion', version: '1.0.0', previousVersion: '1.0.0', changed: false });
  });
});

describe('decideRemoveAlias', () => {
  it('removes an alias and reports the version it pointed at', () => {
    // Prepare
    const base = head({ aliases: { champion: '1.0.0', stable: '0.9.0' } });

    // Act
    const { change, result } = decideRemoveAlias(REF, base, 'champion', WHO);

    // Assess
    const c = expectWellFormed(change, base);
    expect(c.head.aliases).toEqual({ stable: '0.9.0' });
    expect(c.events[0]).toMatchObject({
      action: 'alias.remove',
      version: '1.0.0',
      details: { alias: 'champion' },
    });
    expect(result).toEqual({ alias: 'champion', version: null, previousVersion: '1.0.0', changed: true });
  });

  it.each<[Record<string, string>, string]>([
    [{ stable: '0.9.0', canary: '1.1.0' }, 'aliases: stable, canary'],
    [{}, 'aliases: none'],
  ])('refuses to remove a missing alias when the aliases are %j', (aliases, listed) => {
    // Act
    const error = thrown(() => decideRemoveAlias(REF, head({ aliases }), 'champion', WHO));

    // Assess
    expect(error).toBeInstanceOf(AliasNotFoundError);
    expect((error as Error).message).toContain('fraud/detector has no alias "champion"');
    expect((error as Error).message).toContain(listed);
  });
});

describe('decideSetPolicy', () => {
  it('creates the head of a model without versions', () => {
    // Prepare
    const policy = withPolicy({ requireApproval: true });

    // Act
    const { change, result } = decideSetPolicy(REF, null, policy, WHO);

    // Assess
    const c = expectWellFormed(change, emptyHead(REF, NOW), []);
    expect(c.expectedRevision).toBe(0);
    expect(c.head.policy).toBe(policy);
    expect(c.head.versionCount).toBe(0);
    expect(c.events[0]).toMatchObject({
      action: 'policy.set',
      version: null,
      details: { policy, previous: DEFAULT_POLICY },
    });
    expect(result).toBe(policy);
  });

  it('replaces the policy of an existing model, recording the previous one', () => {
    // Prepare
    const previous = withPolicy({ gates: { production: { min_auc: 0.8 } } });
    const base = head({ policy: previous });
    const policy = withPolicy({ gates: { production: { min_auc: 0.9 } } });

    // Act
    const { change } = decideSetPolicy(REF, base, policy, WHO);

    // Assess
    const c = expectWellFormed(change, base);
    expect(c.head.policy).toEqual(policy);
    expect(c.events[0]!.details).toEqual({ policy, previous });
  });
});

describe('decideArchival', () => {
  const archival = (maxAgeDays: number | null, supersededAfterDays: number | null): Policy =>
    withPolicy({ archival: { maxAgeDays, supersededAfterDays } });

  it.each<[string, Stage, number, boolean]>([
    ['a development version 59 days in its stage', 'development', 59, true],
    ['a staging version 31 days in its stage', 'staging', 31, true],
    ['a development version exactly 30 days in its stage', 'development', 30, true],
    ['a development version 29.9 days in its stage', 'development', 29.9, false],
    ['a staging version 1 day in its stage', 'staging', 1, false],
    ['a production version 300 days in its stage', 'production', 300, false],
    ['an archived version 300 days in its stage', 'archived', 300, false],
  ])('with maxAgeDays 30, archives %s: %s', (_label, stage, age, archived) => {
    // Prepare
    const base = head({ policy: archival(30, null) });
    const v = record('1.0.0', stage, { stageUpdatedAt: daysAgo(age) });

    // Act
    const { change, result } = decideArchival(REF, base, [v], WHO);

    // Assess
    expect(result.archived.map((i) => i.version)).toEqual(archived ? ['1.0.0'] : []);
    expect(change === null).toBe(!archived);
    if (archived) expect(result.archived[0]!.reason).toBe(`${stage} for more than 30 days`);
  });

  it('archives every qualifying version in one change set', () => {
    // Prepare
    const base = head({ policy: archival(30, null), production: inProduction('1.0.0') });
    const candidates = [
      record('0.9.0', 'development', { stageUpdatedAt: daysAgo(40) }),
      record('1.1.0', 'staging', { stageUpdatedAt: daysAgo(35) }),
      record('1.2.0', 'development', { stageUpdatedAt: daysAgo(2) }),
    ];

    // Act
    const { change, result } = decideArchival(REF, base, candidates, WHO);

    // Assess
    const c = expectWellFormed(change, base);
    expect(c.stageChanges).toEqual([
      { version: '0.9.0', from: 'development', to: 'archived', at: NOW },
      { version: '1.1.0', from: 'staging', to: 'archived', at: NOW },
    ]);
    expect(c.events.map((e) => [e.action, e.version, e.fromStage, e.toStage, e.details])).toEqual([
      [
        'archive',
        '0.9.0',
        'development',
        'archived',
        { reason: 'archival policy: development for more than 30 days' },
      ],
      [
        'archive',
        '1.1.0',
        'staging',
        'archived',
        { reason: 'archival policy: staging for more than 30 days' },
      ],
    ]);
    expect(c.head.production).toEqual(base.production);
    expect(result).toEqual({
      useCase: 'fraud',
      modelName: 'detector',
      archived: [
        { version: '0.9.0', fromStage: 'development', reason: 'development for more than 30 days' },
        { version: '1.1.0', fromStage: 'staging', reason: 'staging for more than 30 days' },
      ],
      keptForAlias: [],
    });
  });

  it('keeps aliased versions that would qualify, and lists them', () => {
    // Prepare
    const base = head({ policy: archival(30, null), aliases: { champion: '0.9.0' } });
    const candidates = [
      record('0.9.0', 'development', { stageUpdatedAt: daysAgo(40) }),
      record('1.1.0', 'staging', { stageUpdatedAt: daysAgo(40) }),
    ];

    // Act
    const { change, result } = decideArchival(REF, base, candidates, WHO);

    // Assess
    expect(result.archived.map((i) => i.version)).toEqual(['1.1.0']);
    expect(result.keptForAlias).toEqual(['0.9.0']);
    expect(change?.stageChanges.map((s) => s.version)).toEqual(['1.1.0']);
  });

  it('writes nothing when the only qualifying versions are aliased', () => {
    // Prepare
    const base = head({ policy: archival(30, null), aliases: { champion: '0.9.0' } });

    // Act
    const { change, result } = decideArchival(
      REF,
      base,
      [record('0.9.0', 'development', { stageUpdatedAt: daysAgo(40) })],
      WHO,
    );

    // Assess
    expect(change).toBeNull();
    expect(result.keptForAlias).toEqual(['0.9.0']);
  });

  it.each<[string, number, ModelHead['production'], boolean]>([
    ['8 days after it was superseded, with a replacement in production', 8, inProduction('1.1.0'), true],
    ['exactly 7 days after it was superseded', 7, inProduction('1.1.0'), true],
    ['6 days after it was superseded', 6, inProduction('1.1.0'), false],
    ['8 days after it left production, with nothing in production', 8, null, false],
  ])(
    'with supersededAfterDays 7, archives an ex-production version %s: %s',
    (_label, days, production, archived) => {
      // Prepare
      const base = head({ policy: archival(null, 7), production, supersededAt: { '1.0.0': daysAgo(days) } });
      const v = record('1.0.0', 'staging', { stageUpdatedAt: daysAgo(days) });

      // Act
      const { change, result } = decideArchival(REF, base, [v], WHO);

      // Assess
      expect(result.archived.map((i) => i.reason)).toEqual(
        archived ? ['superseded in production more than 7 days ago'] : [],
      );
      expect(change === null).toBe(!archived);
    },
  );

  it('forgets when an archived ex-production version was superseded', () => {
    // Prepare
    const base = head({
      policy: archival(null, 7),
      production: inProduction('1.1.0'),
      supersededAt: { '1.0.0': daysAgo(10), '0.9.0': daysAgo(1) },
    });
    const candidates = [record('1.0.0', 'staging'), record('0.9.0', 'development')];

    // Act
    const { change } = decideArchival(REF, base, candidates, WHO);

    // Assess
    const c = expectWellFormed(change, base);
    expect(c.stageChanges.map((s) => s.version)).toEqual(['1.0.0']);
    expect(c.head.supersededAt).toEqual({ '0.9.0': daysAgo(1) });
  });

  it('prefers the superseded reason when both rules apply', () => {
    // Prepare
    const base = head({
      policy: archival(30, 7),
      production: inProduction('1.1.0'),
      supersededAt: { '1.0.0': daysAgo(40) },
    });

    // Act
    const { result } = decideArchival(
      REF,
      base,
      [record('1.0.0', 'staging', { stageUpdatedAt: daysAgo(40) })],
      WHO,
    );

    // Assess
    expect(result.archived[0]?.reason).toBe('superseded in production more than 7 days ago');
  });

  it.each<[string, Policy]>([
    ['the default policy', DEFAULT_POLICY],
    ['a policy whose thresholds nothing reaches', archival(365, 365)],
  ])('writes nothing under %s', (_label, policy) => {
    // Prepare
    const base = head({ policy, production: inProduction('1.1.0'), supersededAt: { '1.0.0': daysAgo(100) } });
    const candidates = [
      record('1.0.0', 'staging', { stageUpdatedAt: daysAgo(100) }),
      record('0.9.0', 'development', { stageUpdatedAt: daysAgo(100) }),
    ];

    // Act
    const { change, result } = decideArchival(REF, base, candidates, WHO);

    // Assess
    expect(change).toBeNull();
    expect(result).toEqual({ useCase: 'fraud', modelName: 'detector', archived: [], keptForAlias: [] });
  });

  it('writes nothing when there are no candidates', () => {
    // Act
    const { change, result } = decideArchival(REF, head({ policy: archival(1, 1) }), [], WHO);

    // Assess
    expect(change).toBeNull();
    expect(result.archived).toEqual([]);
  });
});

/**
 * Applies change sets the way a store does: each stage change only if the version is
 * still in its `from` stage, the head only if the revision still matches.
 */
class FakeStore {
  head: ModelHead | null = null;
  readonly versions = new Map<string, VersionRecord>();
  readonly events: AuditEvent[] = [];

  commit(change: ChangeSet | null): void {
    if (change === null) return;
    expect(change.expectedRevision).toBe(this.head?.revision ?? 0);
    for (const v of change.newVersions) {
      expect(this.versions.has(v.version)).toBe(false);
      this.versions.set(v.version, v);
    }
    for (const s of change.stageChanges) {
      const v = this.versions.get(s.version);
      expect(v?.stage).toBe(s.from);
      this.versions.set(s.version, { ...v!, stage: s.to, stageUpdatedAt: s.at });
    }
    this.head = change.head;
    this.events.push(...change.events);
  }

  get(version: string): VersionRecord {
    const v = this.versions.get(version);
    expect(v).toBeDefined();
    return v!;
  }

  /** The invariants every committed state must keep. */
  expectConsistent(): void {
    const inProd = [...this.versions.values()].filter((v) => v.stage === 'production').map((v) => v.version);
    expect(inProd.length).toBeLessThanOrEqual(1);
    expect(this.head?.production?.version ?? null).toBe(inProd[0] ?? null);
    expect(verifyChain(REF, this.events, this.head!.auditTip)).toMatchObject({ valid: true });
  }
}

describe('a lifecycle of decisions', () => {
  it('never leaves two production versions and keeps one verifiable audit chain', () => {
    // Prepare
    const store = new FakeStore();
    const who = (n: number): Actor => ({
      actor: 'alice',
      now: new Date(Date.parse(T0) + n * DAY_MS).toISOString(),
    });
    const register = (version: string, auc: number, n: number) =>
      store.commit(
        decideRegister(REF, store.head, null, record(version, 'development', { metrics: { auc } }), who(n))
          .change,
      );
    const promote = (version: string, n: number) =>
      decidePromote(REF, store.head!, store.get(version), null, {}, who(n));

    // Act
    register('1.0.0', 0.8, 0);
    register('1.1.0', 0.85, 1);
    store.commit(promote('1.0.0', 2).change);
    store.commit(promote('1.0.0', 3).change);
    store.expectConsistent();
    store.commit(promote('1.1.0', 4).change);
    store.commit(promote('1.1.0', 5).change);
    store.expectConsistent();
    store.commit(
      decideRollback(REF, store.head!, store.get(rollbackTarget(REF, store.head!)), who(6)).change,
    );
    store.expectConsistent();
    store.commit(decideDemote(REF, store.head!, store.get('1.0.0'), 'staging', who(7)).change);
    store.expectConsistent();
    store.commit(decideRollback(REF, store.head!, store.get('1.1.0'), who(8)).change);
    store.expectConsistent();
    const idle = decidePromote(REF, store.head!, store.get('1.1.0'), null, {}, who(9));

    // Assess
    expect(idle.change).toBeNull();
    expect([...store.versions.values()].map((v) => [v.version, v.stage])).toEqual([
      ['1.0.0', 'staging'],
      ['1.1.0', 'production'],
    ]);
    expect(store.head).toMatchObject({
      revision: 9,
      latestVersion: '1.1.0',
      versionCount: 2,
      production: { version: '1.1.0', metrics: { auc: 0.85 } },
      previousProductionVersion: '1.0.0',
      supersededAt: { '1.0.0': who(7).now },
    });
    expect(store.events.map((e) => `${e.action} ${e.version}`)).toEqual([
      'register 1.0.0',
      'register 1.1.0',
      'promote 1.0.0',
      'promote 1.0.0',
      'promote 1.1.0',
      'promote 1.1.0',
      'supersede 1.0.0',
      'rollback 1.0.0',
      'archive 1.1.0',
      'demote 1.0.0',
      'rollback 1.1.0',
    ]);
  });
});
