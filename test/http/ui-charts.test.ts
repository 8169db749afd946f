/**
 * The model page's plots and the compare page's evidence pairing, as pure functions: a plot
 * never mixes evaluation sets, x follows version order, the production version is marked.
 */
import { describe, expect, it } from 'vitest';
import type { ModelVersion } from '../../src/core/model.js';
import type { Evidence } from '../../src/core/workflow.js';
import { assetRoutes } from '../../src/http/assets/index.js';
import { pairEvidence } from '../../src/http/pages/compare-page.js';
import { modelCharts } from '../../src/http/pages/model-page.js';

function version(v: string, stage: ModelVersion['stage'], metrics: Record<string, number>): ModelVersion {
  return {
    useCase: 'uc',
    modelName: 'm',
    version: v,
    stage,
    aliases: [],
    artifact: { uri: 'file:///x', sha256: '0'.repeat(64), sizeBytes: 1 },
    metrics,
    metadata: {},
    lineage: { runId: null, datasetVersion: null, codeVersion: null },
    tags: {},
    registeredAt: '2026-01-01T00:00:00.000Z',
    registeredBy: 'me',
    stageUpdatedAt: '2026-01-01T00:00:00.000Z',
  };
}

function evidence(v: string, set: string, auc: number, at = '2026-01-02T00:00:00.000Z'): Evidence {
  return {
    useCase: 'uc',
    modelName: 'm',
    version: v,
    evalSetId: set,
    evalSetSha256: `sha-${set}`,
    metrics: { auc },
    evaluator: 'e',
    evaluatedAt: at,
    evaluatedBy: 'me',
  };
}

describe('modelCharts', () => {
  // listVersions answers newest first
  const versions = [
    version('1.0.2', 'staging', { auc: 0.9 }),
    version('1.0.1', 'production', { auc: 0.8 }),
    version('1.0.0', 'archived', { auc: 0.7 }),
  ];

  it('plots registered metrics oldest first and marks production', () => {
    const [auc] = modelCharts(versions, new Map());
    expect(auc).toMatchObject({
      metric: 'auc',
      evalSet: null,
      labels: ['1.0.0', '1.0.1', '1.0.2'],
      values: [0.7, 0.8, 0.9],
      stages: ['archived', 'production', 'staging'],
      production: 1,
    });
  });

  it('draws one plot per evaluation set, each with only that set’s values', () => {
    const ev = new Map([
      ['1.0.0', [evidence('1.0.0', 'holdout@1', 0.71)]],
      ['1.0.1', [evidence('1.0.1', 'holdout@1', 0.81), evidence('1.0.1', 'holdout@2', 0.79)]],
      ['1.0.2', [evidence('1.0.2', 'holdout@2', 0.88)]],
    ]);
    const plots = modelCharts(versions, ev).filter((p) => p.evalSet !== null);
    expect(plots.map((p) => p.evalSet)).toEqual(['holdout@1', 'holdout@2']);
    expect(plots[0]!.values).toEqual([0.71, 0.81, null]);
    expect(plots[1]!.values).toEqual([null, 0.79, 0.88]);
  });
});

describe('pairEvidence', () => {
  it('pairs the newest measurement on a set both versions share', () => {
    const [c, b] = pairEvidence(
      [evidence('2', 'holdout@2', 0.9, '2026-01-03T00:00:00.000Z'), evidence('2', 'holdout@1', 0.85)],
      [evidence('1', 'holdout@1', 0.8)],
    );
    expect([c?.evalSetId, b?.evalSetId]).toEqual(['holdout@1', 'holdout@1']);
  });

  it('answers the newest of each when they share no set, so the comparison refuses', () => {
    const [c, b] = pairEvidence([evidence('2', 'holdout@2', 0.9)], [evidence('1', 'holdout@1', 0.8)]);
    expect([c?.evalSetId, b?.evalSetId]).toEqual(['holdout@2', 'holdout@1']);
  });

  it('does not pair the same set name with different bytes', () => {
    const other = { ...evidence('1', 'holdout@1', 0.8), evalSetSha256: 'different' };
    const [c, b] = pairEvidence([evidence('2', 'holdout@1', 0.9)], [other]);
    expect(c?.evalSetSha256).not.toBe(b?.evalSetSha256);
  });
});

describe('assetRoutes', () => {
  it('answers 503 naming the package when uPlot was left out of a bundle, 404 for unknown files', async () => {
    const app = assetRoutes(new Map());
    const missing = await app.request('/uplot.min.js');
    expect(missing.status).toBe(503);
    expect(await missing.text()).toContain('uplot package is missing');
    expect((await app.request('/nope.js')).status).toBe(404);
  });

  it('serves the stylesheet and chart script with nosniff', async () => {
    const res = await assetRoutes().request('/charts.js');
    expect(res.status).toBe(200);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await res.text()).toContain('modelregCharts');
  });
});
