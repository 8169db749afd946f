import { describe, expect, it } from 'vitest';
import {
  createRng,
  type Dataset,
  DEMO_TRAINING_RUNS,
  datasetDigest,
  datasetToCsv,
  driftCheck,
  evaluateClassifier,
  gaussian,
  logLoss,
  makeFraudDataset,
  populationStabilityIndex,
  predictProba,
  rocAuc,
  scoreBinary,
  splitDataset,
  trainLogisticRegression,
} from '../../src/demo/ml.js';

const demoData = makeFraudDataset({ seed: 7, rows: 4000 });
const demoSplit = splitDataset(demoData, 0.3, 7);

describe('createRng and gaussian', () => {
  it('produces the same sequence in [0, 1) for the same seed', () => {
    // Prepare
    const a = createRng(42);
    const b = createRng(42);

    // Act
    const seqA = Array.from({ length: 1000 }, () => a());
    const seqB = Array.from({ length: 1000 }, () => b());

    // Assess
    expect(seqA).toEqual(seqB);
    expect(seqA.every((v) => v >= 0 && v < 1)).toBe(true);
    expect(createRng(43)()).not.toBe(seqA[0]);
  });

  it('draws gaussian samples with mean near 0 and variance near 1', () => {
    // Prepare
    const rng = createRng(1);

    // Act
    const xs = Array.from({ length: 20000 }, () => gaussian(rng));
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    const variance = xs.reduce((s, x) => s + (x - mean) ** 2, 0) / xs.length;

    // Assess
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(variance - 1)).toBeLessThan(0.05);
  });
});

describe('rocAuc', () => {
  it('is 1 for a perfect ranking', () => {
    // Prepare
    const scores = [0.1, 0.2, 0.3, 0.7, 0.8, 0.9];
    const labels = [0, 0, 0, 1, 1, 1];

    // Act
    const auc = rocAuc(scores, labels);

    // Assess
    expect(auc).toBe(1);
  });

  it('is 0 for a reversed ranking', () => {
    // Prepare
    const scores = [0.9, 0.8, 0.7, 0.3, 0.2, 0.1];
    const labels = [0, 0, 0, 1, 1, 1];

    // Act
    const auc = rocAuc(scores, labels);

    // Assess
    expect(auc).toBe(0);
  });

  it('counts a tied positive/negative pair as one half (hand-worked: 3.5 of 4 pairs = 0.875)', () => {
    // Prepare: positives {0.4, 0.8}, negatives {0.1, 0.4}.
    // Pairs: (0.4,0.1)=1, (0.4,0.4)=0.5, (0.8,0.1)=1, (0.8,0.4)=1 -> 3.5 / 4.
    const scores = [0.1, 0.4, 0.4, 0.8];
    const labels = [0, 0, 1, 1];

    // Act
    const auc = rocAuc(scores, labels);

    // Assess
    expect(auc).toBe(0.875);
  });

  it('is 0.5 when every score is tied', () => {
    // Prepare
    const scores = [0.3, 0.3, 0.3, 0.3, 0.3];
    const labels = [1, 0, 0, 1, 0];

    // Act
    const auc = rocAuc(scores, labels);

    // Assess
    expect(auc).toBe(0.5);
  });

  it('refuses to compute AUC when only one class is present', () => {
    // Prepare
    const scores = [0.2, 0.4];
    const labels = [1, 1];

    // Act
    const act = () => rocAuc(scores, labels);

    // Assess
    expect(act).toThrow(/both classes/);
  });
});

describe('scoreBinary and logLoss', () => {
  it('computes precision, recall, F1 and accuracy from a hand-worked confusion matrix', () => {
    // Prepare: TP=3, FN=2, FP=1, TN=4 at threshold 0.5.
    const labels = [1, 1, 1, 1, 1, 0, 0, 0, 0, 0];
    const probabilities = [0.9, 0.8, 0.6, 0.4, 0.1, 0.7, 0.3, 0.2, 0.2, 0.05];

    // Act
    const m = scoreBinary(probabilities, labels);

    // Assess: precision 3/4, recall 3/5, F1 = 2*0.75*0.6/1.35 = 2/3, accuracy 7/10.
    expect(m.precision).toBeCloseTo(0.75, 12);
    expect(m.recall).toBeCloseTo(0.6, 12);
    expect(m.f1).toBeCloseTo(2 / 3, 12);
    expect(m.accuracy).toBeCloseTo(0.7, 12);
  });

  it('treats a probability equal to the threshold as a positive prediction', () => {
    // Prepare
    const labels = [1, 0];
    const probabilities = [0.5, 0.49];

    // Act
    const m = scoreBinary(probabilities, labels, 0.5);

    // Assess
    expect(m.accuracy).toBe(1);
    expect(m.f1).toBe(1);
  });

  it('reports zero precision and F1 instead of NaN when nothing is predicted positive', () => {
    // Prepare
    const labels = [1, 0, 0];
    const probabilities = [0.2, 0.1, 0.3];

    // Act
    const m = scoreBinary(probabilities, labels);

    // Assess
    expect(m.precision).toBe(0);
    expect(m.recall).toBe(0);
    expect(m.f1).toBe(0);
  });

  it('clips probabilities so a confidently wrong prediction gives a finite logloss', () => {
    // Prepare
    const labels = [1, 0];
    const probabilities = [0, 1];

    // Act
    const loss = logLoss(probabilities, labels);

    // Assess
    expect(Number.isFinite(loss)).toBe(true);
    expect(loss).toBeCloseTo(-Math.log(1e-15), 6);
  });

  it('gives ln 2 logloss for a coin-flip prediction', () => {
    // Prepare
    const labels = [1, 0, 1, 0];
    const probabilities = [0.5, 0.5, 0.5, 0.5];

    // Act
    const loss = logLoss(probabilities, labels);

    // Assess
    expect(loss).toBeCloseTo(Math.LN2, 12);
  });
});

describe('makeFraudDataset, splitDataset and digests', () => {
  it('has six named features and a positive rate between 25% and 35%', () => {
    // Prepare
    const ds = demoData;

    // Act
    const positiveRate = ds.y.reduce((s, v) => s + v, 0) / ds.y.length;

    // Assess
    expect(ds.featureNames).toEqual([
      'amount_zscore',
      'merchant_risk',
      'hour_sin',
      'distance_from_home',
      'txn_velocity',
      'account_age',
    ]);
    expect(ds.X).toHaveLength(4000);
    expect(ds.X.every((row) => row.length === 6 && row.every(Number.isFinite))).toBe(true);
    expect(positiveRate).toBeGreaterThanOrEqual(0.25);
    expect(positiveRate).toBeLessThanOrEqual(0.35);
  });

  it('yields the same digest for the same seed and a different digest for a different seed', () => {
    // Prepare
    const again = makeFraudDataset({ seed: 7, rows: 4000 });
    const other = makeFraudDataset({ seed: 8, rows: 4000 });

    // Act
    const digest = datasetDigest(demoData);

    // Assess
    expect(digest).toMatch(/^[0-9a-f]{64}$/);
    expect(datasetDigest(again)).toBe(digest);
    expect(datasetDigest(other)).not.toBe(digest);
  });

  it('writes a CSV with a header of feature names plus label and one line per row', () => {
    // Prepare
    const ds: Dataset = {
      featureNames: ['a', 'b'],
      X: [
        [1, -0.5],
        [2.25, 3],
      ],
      y: [0, 1],
    };

    // Act
    const csv = datasetToCsv(ds);

    // Assess
    expect(csv).toBe('a,b,label\n1,-0.5,0\n2.25,3,1\n');
  });

  it('splits deterministically into disjoint parts of the requested size', () => {
    // Prepare
    const ds = makeFraudDataset({ seed: 3, rows: 200 });

    // Act
    const first = splitDataset(ds, 0.3, 11);
    const second = splitDataset(ds, 0.3, 11);
    const reseeded = splitDataset(ds, 0.3, 12);

    // Assess
    expect(first.eval.X).toHaveLength(60);
    expect(first.train.X).toHaveLength(140);
    expect(datasetDigest(first.eval)).toBe(datasetDigest(second.eval));
    expect(datasetDigest(first.eval)).not.toBe(datasetDigest(reseeded.eval));
    const rowKey = (row: number[], label: number) => `${row.join(',')}|${label}`;
    const all = ds.X.map((r, i) => rowKey(r, ds.y[i]!)).sort();
    const rejoined = [
      ...first.train.X.map((r, i) => rowKey(r, first.train.y[i]!)),
      ...first.eval.X.map((r, i) => rowKey(r, first.eval.y[i]!)),
    ].sort();
    expect(rejoined).toEqual(all);
  });
});

describe('trainLogisticRegression and predictProba', () => {
  it('lowers training logloss compared with an untrained zero-weight model', () => {
    // Prepare
    const { train } = demoSplit;
    const untrained = trainLogisticRegression(train, { learningRate: 0.5, epochs: 0, l2: 0 });

    // Act
    const trained = trainLogisticRegression(train, { learningRate: 0.5, epochs: 200, l2: 0 });

    // Assess
    const before = logLoss(predictProba(untrained, train), train.y);
    const after = logLoss(predictProba(trained, train), train.y);
    expect(untrained.weights.every((w) => w === 0)).toBe(true);
    expect(before).toBeCloseTo(Math.LN2, 12);
    expect(after).toBeLessThan(before - 0.1);
  });

  it('selects the model features by name regardless of column order in the scored dataset', () => {
    // Prepare
    const { train, eval: evalDs } = demoSplit;
    const model = trainLogisticRegression(train, {
      learningRate: 0.5,
      epochs: 50,
      l2: 0,
      features: ['merchant_risk', 'amount_zscore'],
    });
    const reordered: Dataset = {
      featureNames: [...evalDs.featureNames].reverse(),
      X: evalDs.X.map((row) => [...row].reverse()),
      y: evalDs.y,
    };

    // Act
    const original = predictProba(model, evalDs);
    const permuted = predictProba(model, reordered);

    // Assess
    expect(model.featureNames).toEqual(['merchant_risk', 'amount_zscore']);
    expect(model.weights).toHaveLength(2);
    expect(permuted).toEqual(original);
  });

  it('produces a plain JSON model that scores identically after a round trip', () => {
    // Prepare
    const { train, eval: evalDs } = demoSplit;
    const model = trainLogisticRegression(train, { learningRate: 0.5, epochs: 50, l2: 0.01 });

    // Act
    const restored = JSON.parse(JSON.stringify(model)) as typeof model;

    // Assess
    expect(restored).toEqual(model);
    expect(restored.kind).toBe('logistic-regression');
    expect(restored.options).toEqual({
      learningRate: 0.5,
      epochs: 50,
      l2: 0.01,
      features: train.featureNames,
    });
    expect(predictProba(restored, evalDs)).toEqual(predictProba(model, evalDs));
  });

  it('rejects an unknown feature name', () => {
    // Prepare
    const { train } = demoSplit;

    // Act
    const act = () =>
      trainLogisticRegression(train, { learningRate: 0.1, epochs: 1, l2: 0, features: ['no_such_feature'] });

    // Assess
    expect(act).toThrow(/unknown feature 'no_such_feature'/);
  });
});

describe('populationStabilityIndex and driftCheck', () => {
  it('is near 0 for identical distributions', () => {
    // Prepare
    const rng = createRng(5);
    const sample = Array.from({ length: 5000 }, () => gaussian(rng));

    // Act
    const psi = populationStabilityIndex(sample, [...sample]);

    // Assess
    expect(psi).toBeLessThan(1e-9);
  });

  it('is small for two samples of the same distribution and large for a shifted one', () => {
    // Prepare
    const rng = createRng(6);
    const expected = Array.from({ length: 5000 }, () => gaussian(rng));
    const sameDistribution = Array.from({ length: 5000 }, () => gaussian(rng));
    const shifted = Array.from({ length: 5000 }, () => gaussian(rng) + 1);

    // Act
    const psiSame = populationStabilityIndex(expected, sameDistribution);
    const psiShifted = populationStabilityIndex(expected, shifted);

    // Assess
    expect(psiSame).toBeLessThan(0.02);
    expect(psiShifted).toBeGreaterThan(0.5);
  });

  it('passes on the demo split and flags the drifted feature when one column shifts', () => {
    // Prepare
    const { train, eval: evalDs } = demoSplit;
    const shiftedIdx = evalDs.featureNames.indexOf('txn_velocity');
    const drifted: Dataset = {
      ...evalDs,
      X: evalDs.X.map((row) => row.map((v, j) => (j === shiftedIdx ? v + 3 : v))),
    };

    // Act
    const clean = driftCheck(train, evalDs);
    const dirty = driftCheck(train, drifted);

    // Assess
    expect(clean.passed).toBe(true);
    expect(clean.maxPsi).toBeLessThan(0.1);
    expect(dirty.passed).toBe(false);
    expect(dirty.feature).toBe('txn_velocity');
    expect(dirty.maxPsi).toBeGreaterThan(0.2);
  });
});

describe('DEMO_TRAINING_RUNS', () => {
  it('gives clearly increasing eval AUCs with the baseline below the 0.80 production gate', () => {
    // Prepare
    const { train, eval: evalDs } = demoSplit;

    // Act
    const metrics = DEMO_TRAINING_RUNS.map((run) =>
      evaluateClassifier(trainLogisticRegression(train, run.options), evalDs),
    );

    // Assess
    expect(DEMO_TRAINING_RUNS).toHaveLength(3);
    expect(DEMO_TRAINING_RUNS[0]!.name).toBe('baseline');
    const [first, second, third] = metrics.map((m) => m.auc);
    expect(first).toBeGreaterThanOrEqual(0.7);
    expect(first).toBeLessThanOrEqual(0.79);
    expect(second).toBeGreaterThanOrEqual(0.82);
    expect(second).toBeLessThanOrEqual(0.88);
    expect(third! - second!).toBeGreaterThanOrEqual(0.01);
    for (const m of metrics) {
      expect(m.logloss).toBeGreaterThan(0);
      expect(m.f1).toBeGreaterThan(0);
      expect(m.accuracy).toBeGreaterThan(0.5);
    }
  });
});

describe('pairedBootstrapConfidence', () => {
  it('is 0.5 when both models score every row the same', async () => {
    // Prepare
    const { pairedBootstrapConfidence } = await import('../../src/demo/ml.js');
    const labels = [0, 1, 0, 1, 1, 0, 0, 1];
    const scores = [0.2, 0.7, 0.4, 0.6, 0.9, 0.1, 0.3, 0.8];

    // Act
    const c = pairedBootstrapConfidence(scores, scores, labels, { rounds: 50 });

    // Assess
    expect(c).toBe(0.5);
  });

  it('is near 1 when B ranks perfectly and A reverses the order, and near 0 the other way round', async () => {
    // Prepare
    const { pairedBootstrapConfidence } = await import('../../src/demo/ml.js');
    const labels = Array.from({ length: 40 }, (_, i) => i % 2);
    const good = labels.map((y, i) => y + i / 1000);
    const bad = labels.map((y, i) => 1 - y + i / 1000);

    // Act
    const up = pairedBootstrapConfidence(bad, good, labels, { rounds: 100 });
    const down = pairedBootstrapConfidence(good, bad, labels, { rounds: 100 });

    // Assess
    expect(up).toBeGreaterThan(0.99);
    expect(down).toBeLessThan(0.01);
  });
});
