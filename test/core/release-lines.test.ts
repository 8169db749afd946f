import { describe, expect, it } from 'vitest';
import { assertWeightsFit } from '../../src/core/alias-routing.js';
import { EMPTY_TIP } from '../../src/core/audit.js';
import {
  type Actor,
  decideArchival,
  decideArchive,
  decideDemote,
  decideDeprecate,
  decidePromote,
  decideRemoveAlias,
  decideRollback,
  decideSetAlias,
  rollbackTarget,
} from '../../src/core/decisions.js';
import {
  ConflictError,
  InvalidTransitionError,
  ValidationError,
  VersionNotFoundError,
} from '../../src/core/errors.js';
import { emptyHead, type ModelHead } from '../../src/core/head.js';
import type { ModelRef, Stage } from '../../src/core/model.js';
import { validatePolicy } from '../../src/core/policy.js';
import type { VersionRecord } from '../../src/core/ports.js';
import { lineSlot, productionByLine, selectedLine, validateLine } from '../../src/core/release-lines.js';

const REF: ModelRef = { useCase: 'robots', modelName: 'grasp' };
const T0 = '2025-01-01T00:00:00.000Z';
const NOW = '2025-03-01T00:00:00.000Z';
const WHO: Actor = { actor: 'alice', now: NOW };
const DAY_MS = 86_400_000;

function record(version: string, stage: Stage, line: string | null, auc = 0.9): VersionRecord {
  return {
    useCase: REF.useCase,
    modelName: REF.modelName,
    version,
    stage,
    artifact: { uri: `file:///registry/${version}/model.bin`, sha256: 'b'.repeat(64), sizeBytes: 10 },
    metrics: { auc },
    metadata: {},
    lineage: { runId: null, datasetVersion: null, codeVersion: null },
    tags: {},
    registeredAt: T0,
    registeredBy: 'bob',
    stageUpdatedAt: T0,
    ...(line === null ? {} : { line }),
  };
}

const prod = (version: string, auc = 0.9) => ({ version, metrics: { auc }, since: T0 });

/** Default line: 1.0.0 in production. Line orin: 2.0.0 in production, 1.5.0 before it. */
function twoLines(overrides: Partial<ModelHead> = {}): ModelHead {
  return {
    ...emptyHead(REF, T0),
    revision: 4,
    latestVersion: '2.1.0',
    versionCount: 4,
    auditTip: { ...EMPTY_TIP },
    production: prod('1.0.0', 0.8),
    previousProductionVersion: null,
    lines: { orin: { production: prod('2.0.0', 0.95), previousProductionVersion: '1.5.0' } },
    ...overrides,
  };
}

describe('release line names', () => {
  it('accepts a line name and refuses the reserved name of the default line', () => {
    // Act / Assess
    expect(validateLine('jetson-orin')).toBe('jetson-orin');
    expect(() => validateLine('default')).toThrow(ValidationError);
    expect(() => validateLine('a/b')).toThrow(ValidationError);
    expect(selectedLine('default')).toBeNull();
    expect(selectedLine(undefined)).toBeNull();
    expect(selectedLine('orin')).toBe('orin');
  });

  it('refuses the reserved name in any case (Default, DEFAULT), naming the lower-case selector', () => {
    // Act / Assess
    for (const name of ['Default', 'DEFAULT', 'dEfAuLt']) {
      expect(() => validateLine(name)).toThrow(ValidationError);
      expect(() => validateLine(name)).toThrow(/any case.*--line default/);
    }
    expect(validateLine('defaults')).toBe('defaults');
  });

  it('reads a head written before lines existed as having only the default line', () => {
    // Prepare
    const { lines: _, ...old } = twoLines();

    // Act
    const byLine = productionByLine(old as ModelHead);

    // Assess
    expect(byLine).toEqual([{ line: null, version: '1.0.0', since: T0 }]);
    expect(lineSlot(old as ModelHead, 'orin')).toEqual({ production: null, previousProductionVersion: null });
  });
});

describe('decisions per release line', () => {
  it('promotes on its own line: supersedes that line’s production only, leaves the default line alone', () => {
    // Prepare
    const base = twoLines();

    // Act
    const { change, result } = decidePromote(
      REF,
      base,
      record('2.1.0', 'staging', 'orin', 0.96),
      null,
      {},
      WHO,
    );

    // Assess
    expect(result).toMatchObject({
      promoted: true,
      stage: 'production',
      supersededVersion: '2.0.0',
      line: 'orin',
    });
    expect(change!.stageChanges).toEqual([
      { version: '2.1.0', from: 'staging', to: 'production', at: NOW },
      { version: '2.0.0', from: 'production', to: 'superseded', at: NOW },
    ]);
    expect(change!.head.production).toEqual(base.production);
    expect(change!.head.previousProductionVersion).toBeNull();
    expect(change!.head.lines?.orin).toEqual({
      production: { version: '2.1.0', metrics: { auc: 0.96 }, since: NOW },
      previousProductionVersion: '2.0.0',
    });
    expect(change!.head.supersededAt).toEqual({ '2.0.0': NOW });
    expect(change!.events.map((e) => [e.action, e.details.line])).toEqual([
      ['promote', 'orin'],
      ['supersede', 'orin'],
    ]);
  });

  it('starts a new line with nothing superseded', () => {
    // Act
    const { change, result } = decidePromote(
      REF,
      twoLines(),
      record('3.0.0', 'staging', 'thor'),
      'production',
      {},
      WHO,
    );

    // Assess
    expect(result.supersededVersion).toBeNull();
    expect(change!.stageChanges).toHaveLength(1);
    expect(change!.head.lines?.thor?.production?.version).toBe('3.0.0');
    expect(change!.head.lines?.orin?.production?.version).toBe('2.0.0');
  });

  it('compares a candidate with its own line’s champion in delta gates', () => {
    // Prepare: default line champion auc 0.8, orin champion auc 0.95
    const base = twoLines({ policy: validatePolicy({ gates: { production: { min_delta_auc: 0.02 } } }) });

    // Act
    const onOrin = decidePromote(REF, base, record('2.1.0', 'staging', 'orin', 0.9), null, {}, WHO);
    const onDefault = decidePromote(REF, base, record('1.1.0', 'staging', null, 0.9), null, {}, WHO);

    // Assess
    expect(onOrin.result.promoted).toBe(false);
    expect(onOrin.result.gates?.[0]?.actual).toBeCloseTo(-0.05, 10);
    expect(onDefault.result.promoted).toBe(true);
    expect(onDefault.result.gates?.[0]?.actual).toBeCloseTo(0.1, 10);
  });

  it('rolls back on one line to that line’s previous production version, archiving its current one', () => {
    // Prepare
    const base = twoLines();

    // Act
    const target = rollbackTarget(REF, base, 'orin');
    const { change, result } = decideRollback(REF, base, record(target, 'superseded', 'orin'), WHO);

    // Assess
    expect(target).toBe('1.5.0');
    expect(result).toMatchObject({ rolledBack: true, version: '1.5.0', archivedVersion: '2.0.0' });
    expect(change!.head.lines?.orin).toMatchObject({
      production: { version: '1.5.0' },
      previousProductionVersion: '2.0.0',
    });
    expect(change!.head.production?.version).toBe('1.0.0');
    expect(() => rollbackTarget(REF, base, null)).toThrow(VersionNotFoundError);
  });

  it('demotes, archives and deprecates the production version of a line, clearing only that line', () => {
    // Prepare
    const base = twoLines();
    const v = record('2.0.0', 'production', 'orin');

    // Act
    const demoted = decideDemote(REF, base, v, 'staging', WHO).change!.head;
    const archived = decideArchive(REF, base, v, { force: true }, WHO).change!.head;
    const deprecated = decideDeprecate(REF, base, v, { force: true, reason: 'bad gripper calibration' }, WHO)
      .change!.head;

    // Assess
    for (const h of [demoted, archived, deprecated]) {
      expect(h.lines?.orin).toEqual({ production: null, previousProductionVersion: '2.0.0' });
      expect(h.production?.version).toBe('1.0.0');
    }
  });
});

describe('superseded and deprecated stages', () => {
  it('archives a superseded version N days after it left production, and not before', () => {
    // Prepare
    const base = twoLines({
      policy: validatePolicy({ archival: { supersededAfterDays: 30 } }),
      supersededAt: {
        '0.9.0': new Date(Date.parse(NOW) - 31 * DAY_MS).toISOString(),
        '0.9.5': new Date(Date.parse(NOW) - 29 * DAY_MS).toISOString(),
      },
    });
    const candidates = [record('0.9.5', 'superseded', null), record('0.9.0', 'superseded', null)];

    // Act
    const { change, result } = decideArchival(REF, base, candidates, WHO);

    // Assess
    expect(result.archived).toEqual([
      { version: '0.9.0', fromStage: 'superseded', reason: 'superseded in production more than 30 days ago' },
    ]);
    expect(change!.stageChanges).toEqual([{ version: '0.9.0', from: 'superseded', to: 'archived', at: NOW }]);
    expect(Object.keys(change!.head.supersededAt)).toEqual(['0.9.5']);
  });

  it('keeps superseded versions while the policy sets no supersededAfterDays, even past maxAgeDays', () => {
    // Prepare
    const base = twoLines({
      policy: validatePolicy({ archival: { maxAgeDays: 1 } }),
      supersededAt: { '0.9.0': T0 },
    });

    // Act
    const { change } = decideArchival(REF, base, [record('0.9.0', 'superseded', null)], WHO);

    // Assess
    expect(change).toBeNull();
  });

  it('refuses to promote a deprecated version, and it cannot be rolled back to', () => {
    // Prepare
    const v = record('1.2.0', 'deprecated', null);

    // Act
    const promote = () => decidePromote(REF, twoLines(), v, 'production', {}, WHO);
    const rollback = () => decideRollback(REF, twoLines(), v, WHO);

    // Assess
    expect(promote).toThrow(InvalidTransitionError);
    expect(promote).toThrow(/deprecated and not eligible for promotion/);
    expect(rollback).toThrow(InvalidTransitionError);
  });

  it('deprecates with a reason, refuses without one, and refuses production without force', () => {
    // Prepare
    const base = twoLines();

    // Act
    const ok = decideDeprecate(REF, base, record('1.1.0', 'staging', null), { reason: 'leaked split' }, WHO);
    const again = decideDeprecate(REF, base, record('1.1.0', 'deprecated', null), { reason: 'x' }, WHO);

    // Assess
    expect(ok.change!.events[0]).toMatchObject({
      action: 'deprecate',
      fromStage: 'staging',
      toStage: 'deprecated',
      details: { reason: 'leaked split' },
    });
    expect(again).toMatchObject({ change: null, result: { alreadyDeprecated: true } });
    expect(() => decideDeprecate(REF, base, record('1.1.0', 'staging', null), { reason: '  ' }, WHO)).toThrow(
      ValidationError,
    );
    expect(() =>
      decideDeprecate(REF, base, record('1.0.0', 'production', null), { reason: 'old' }, WHO),
    ).toThrow(/without --force/);
  });
});

describe('alias weights and shadows', () => {
  const lines: Record<string, string | null> = { '1.1.0': null, '1.2.0': null, '2.1.0': 'orin' };
  const lineOfVersion = (v: string) => lines[v] ?? null;

  it('records a weight and a shadow, and drops the routing when the alias is moved plainly or removed', () => {
    // Prepare
    const base = twoLines();

    // Act
    const canary = decideSetAlias(REF, base, 'canary', record('1.1.0', 'staging', null), WHO, {
      weight: 0.05,
    });
    const shadow = decideSetAlias(REF, canary.change!.head, 'mirror', record('1.2.0', 'staging', null), WHO, {
      shadow: true,
    });
    const plain = decideSetAlias(REF, shadow.change!.head, 'canary', record('1.2.0', 'staging', null), WHO);
    const removed = decideRemoveAlias(REF, shadow.change!.head, 'mirror', WHO);

    // Assess
    expect(canary.result).toMatchObject({ alias: 'canary', version: '1.1.0', weight: 0.05, changed: true });
    expect(shadow.change!.head.aliasRouting).toEqual({ canary: { weight: 0.05 }, mirror: { shadow: true } });
    expect(shadow.change!.events[0]!.details).toMatchObject({ alias: 'mirror', shadow: true });
    expect(plain.change!.head.aliasRouting).toEqual({ mirror: { shadow: true } });
    expect(removed.change!.head.aliasRouting).toEqual({ canary: { weight: 0.05 } });
  });

  it('changes nothing when the same alias is set to the same version and weight, and records a new weight', () => {
    // Prepare
    const base = decideSetAlias(REF, twoLines(), 'canary', record('1.1.0', 'staging', null), WHO, {
      weight: 0.05,
    }).change!.head;

    // Act
    const same = decideSetAlias(REF, base, 'canary', record('1.1.0', 'staging', null), WHO, { weight: 0.05 });
    const more = decideSetAlias(REF, base, 'canary', record('1.1.0', 'staging', null), WHO, { weight: 0.1 });

    // Assess
    expect(same.change).toBeNull();
    expect(more.change!.head.aliasRouting).toEqual({ canary: { weight: 0.1 } });
    expect(more.change!.events[0]!.details).toMatchObject({ previousRouting: { weight: 0.05 } });
  });

  it('refuses weights that sum past 1 on one line, and counts each line apart', () => {
    // Prepare
    const base = decideSetAlias(REF, twoLines(), 'a', record('1.1.0', 'staging', null), WHO, { weight: 0.7 })
      .change!.head;

    // Act
    const over = () =>
      decideSetAlias(REF, base, 'b', record('1.2.0', 'staging', null), WHO, { weight: 0.31 }, lineOfVersion);
    const exact = decideSetAlias(
      REF,
      base,
      'b',
      record('1.2.0', 'staging', null),
      WHO,
      { weight: 0.3 },
      lineOfVersion,
    );
    const otherLine = decideSetAlias(
      REF,
      base,
      'b',
      record('2.1.0', 'staging', 'orin'),
      WHO,
      { weight: 0.9 },
      lineOfVersion,
    );

    // Assess
    expect(over).toThrow(ValidationError);
    expect(over).toThrow(/sum to 1\.01/);
    expect(exact.result.changed).toBe(true);
    expect(otherLine.result.changed).toBe(true);
  });

  it('refuses a weighted alias on a deprecated or archived version, and deprecating a version with traffic', () => {
    // Prepare
    const base = decideSetAlias(REF, twoLines(), 'canary', record('1.1.0', 'staging', null), WHO, {
      weight: 0.05,
    }).change!.head;

    // Act / Assess
    for (const stage of ['deprecated', 'archived'] as const) {
      expect(() =>
        decideSetAlias(REF, base, 'x', record('0.5.0', stage, null), WHO, { weight: 0.1 }),
      ).toThrow(InvalidTransitionError);
    }
    expect(() =>
      decideDeprecate(REF, base, record('1.1.0', 'staging', null), { reason: 'bad' }, WHO),
    ).toThrow(ConflictError);
  });

  it('checks the sum with a tolerance for decimal weights', () => {
    // Act / Assess
    expect(() =>
      assertWeightsFit(null, 'c', 0.1, [
        { alias: 'a', weight: 0.7 },
        { alias: 'b', weight: 0.2 },
      ]),
    ).not.toThrow();
    expect(() => assertWeightsFit('orin', 'c', 0.2, [{ alias: 'a', weight: 0.9 }])).toThrow(/orin line/);
  });
});
