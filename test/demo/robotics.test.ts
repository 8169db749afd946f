import { rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { evaluateClassifier, splitDataset, trainLogisticRegression } from '../../src/demo/ml.js';
import { curate, makeDriveLog, type RoboticsDemoSummary, runRoboticsDemo } from '../../src/demo/robotics.js';

describe('the robotics tour (modelreg demo --robotics)', () => {
  it('shows a variant, a deployment, a regression, a rollback and explain, with numbers it computed', async () => {
    // Prepare
    process.env.POWERTOOLS_METRICS_DISABLED = 'true';
    process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
    let printed = '';

    // Act
    const s: RoboticsDemoSummary = await runRoboticsDemo({ out: (t) => (printed += t), json: true });

    // Assess
    try {
      // the metrics are the ones a fresh training on the same data gives
      const { kept, dropped } = curate(makeDriveLog(11, 3000));
      const { train, eval: holdout } = splitDataset(kept, 0.3, 11);
      const features = ['lidar_min_range_m', 'return_intensity'];
      const again = trainLogisticRegression(train, { learningRate: 0.3, epochs: 300, l2: 0.001, features });
      expect(s.versions[0]!.auc).toBeCloseTo(evaluateClassifier(again, holdout).auc, 4);
      expect(s.dataset.droppedRows).toBe(dropped);
      expect(dropped).toBeGreaterThan(0);
      expect(s.versions.map((v) => v.version)).toEqual(['1.0.0', '1.0.1']);
      // the int8 variant is close to, not equal to, the model it was built from
      expect(s.variant.maxWeightError).toBeGreaterThan(0);
      expect(Math.abs(s.variant.auc - s.versions[1]!.auc)).toBeLessThan(0.01);
      // the regression is real: the second model is worse at night than by day
      expect(s.regression.nightAuc).toBeLessThan(s.regression.dayAuc);
      // the rollback leaves fleet A on the version rolled back from
      expect(s.rollback).toMatchObject({ from: '1.0.1', to: '1.0.0' });
      const fleetA = s.deployments.find((d) => d.fleet === 'warehouse-robots-a')!;
      expect(fleetA.version).toBe('1.0.1');
      expect(s.rollback.stillRunning).toEqual([fleetA.id]);
      // explain answers from the records the tour wrote
      const e = s.explain;
      expect(e.data).toMatchObject({
        datasetVersion: s.dataset.version,
        curationRuleset: 'drop-range-dropouts-v1',
      });
      expect(e.data.configHash).toMatch(/^[0-9a-f]{16}$/);
      expect(e.promotion).toMatchObject({
        promoted: true,
        replaced: '1.0.0',
        approval: { decidedBy: 'carol' },
      });
      expect(e.promotion.confidence).toBeGreaterThan(0.5);
      expect(e.evaluation.evidence.map((x) => x.evalSetId)).toEqual(['day-and-night@1']);
      expect(e.evaluation.gates).toContainEqual({
        gate: 'min_auc',
        actual: s.versions[1]!.auc,
        threshold: 0.8,
      });
      expect(e.variants.map((v) => [v.target, v.sha256])).toEqual([['jetson-orin-int8', s.variant.sha256]]);
      expect(e.deployments.running.map((d) => d.id)).toEqual([fleetA.id]);
      expect(e.events.map((x) => x.kind)).toEqual(['regression', 'archive']);
      expect(e.events[0]!.details).toContain(s.regression.nightAuc.toFixed(4));
      expect(JSON.parse(printed).explain).toEqual(JSON.parse(JSON.stringify(e)));
    } finally {
      await rm(dirname(s.store), { recursive: true, force: true });
    }
  }, 120_000);
});
