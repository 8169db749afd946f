import { rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  DEMO_TRAINING_RUNS,
  evaluateClassifier,
  makeFraudDataset,
  splitDataset,
  trainLogisticRegression,
} from '../../src/demo/ml.js';
import { type DemoSummary, runDemo } from '../../src/demo/tour.js';

describe('the tour (npm start)', () => {
  it('takes the runs through gates, approval, the workflow and a rollback, with metrics it computed', async () => {
    // Prepare
    process.env.POWERTOOLS_METRICS_DISABLED = 'true';
    process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
    let printed = '';

    // Act
    const summary: DemoSummary = await runDemo({ out: (t) => (printed += t), json: true });

    // Assess
    try {
      const data = makeFraudDataset({ seed: 7, rows: 4000 });
      const { train, eval: evalSet } = splitDataset(data, 0.3, 7);
      for (const [i, run] of DEMO_TRAINING_RUNS.entries()) {
        const expected = evaluateClassifier(trainLogisticRegression(train, run.options), evalSet);
        expect(summary.runs[i]?.metrics.auc).toBeCloseTo(expected.auc, 4);
      }
      expect(summary.runs.map((r) => r.version)).toEqual(['1.0.0', '1.0.1', '1.0.2']);
      expect(summary.refused.version).toBe('1.0.0');
      expect(summary.refused.failedGates).toEqual(
        expect.arrayContaining(['min_auc', 'min_f1', 'require_approval']),
      );
      expect(summary.promotedToProduction).toEqual(['1.0.1', '1.0.2']);
      expect(summary.workflowConfidence).toBeGreaterThan(0.9);
      expect(summary.workflowConfidence).toBeLessThanOrEqual(1);
      expect(summary.rollback).toEqual({ from: '1.0.2', to: '1.0.1' });
      expect(summary.finalProduction).toBe('1.0.1');
      expect(summary.artifactCheck.rescoredAuc).toBe(summary.artifactCheck.registeredAuc);
      expect(summary.audit.valid).toBe(true);
      expect(summary.audit.events).toBeGreaterThan(15);
      expect(summary.signature).toMatchObject({ version: '1.0.1', status: 'trusted' });
      expect(summary.signature.keyId).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(JSON.parse(printed)).toEqual(summary);
    } finally {
      await rm(dirname(summary.store), { recursive: true, force: true });
    }
  });
});
