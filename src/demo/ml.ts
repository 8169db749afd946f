import { createHash } from 'node:crypto';

/**
 * A tabular binary-classification dataset: one row of numeric features per example and a 0/1 label.
 * Kept as plain arrays so it can be serialized, hashed and split without any ML library.
 */
export type Dataset = {
  featureNames: string[];
  X: number[][];
  y: number[];
};

/** Settings accepted by {@link trainLogisticRegression}; `features` selects a subset by name (default: all). */
export type TrainingOptions = {
  learningRate: number;
  epochs: number;
  l2: number;
  features?: string[];
};

/**
 * A trained logistic-regression model as plain JSON, so the demo can store it as a registry artifact
 * and anyone can re-score data from the artifact alone (standardization statistics included).
 */
export type LogisticModel = {
  kind: 'logistic-regression';
  featureNames: string[];
  means: number[];
  stds: number[];
  weights: number[];
  bias: number;
  options: { learningRate: number; epochs: number; l2: number; features: string[] };
};

/** The metrics the demo registers for each model version; every value is computed, never typed in. */
export type ClassifierMetrics = {
  auc: number;
  f1: number;
  accuracy: number;
  precision: number;
  recall: number;
  logloss: number;
};

/** Outcome of {@link driftCheck}: the worst feature's PSI and whether it stays below the threshold. */
export type DriftResult = { passed: boolean; maxPsi: number; feature: string };

/** One named training configuration used by the `npm start` demo. */
export type DemoTrainingRun = { name: string; description: string; options: TrainingOptions };

/**
 * Deterministic mulberry32 PRNG returning floats in [0, 1).
 * Exists so the demo's data, splits and therefore metrics are reproducible for a given seed.
 */
export function createRng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal sample via Box–Muller, driven by a seeded {@link createRng} so it stays deterministic. */
export function gaussian(rng: () => number): number {
  const u1 = 1 - rng(); // (0, 1], keeps log finite
  const u2 = rng();
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

/** Numerically stable logistic function. */
function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

function round(value: number, decimals: number): number {
  const f = 10 ** decimals;
  const r = Math.round(value * f) / f;
  return r === 0 ? 0 : r; // normalize -0 so CSV output is stable
}

/** Feature names of {@link makeFraudDataset}, in column order. */
export const FRAUD_FEATURE_NAMES: readonly string[] = [
  'amount_zscore',
  'merchant_risk',
  'hour_sin',
  'distance_from_home',
  'txn_velocity',
  'account_age',
];

/**
 * Generates a synthetic card-transaction fraud table for the demo. The label is drawn from a logistic
 * function of a deliberately non-linear score (an amount × merchant-risk interaction, a log-distance
 * effect, a saturating new-account effect) plus 2% label noise, so no linear model is perfect and
 * better training settings measurably help. Values are rounded to 4 decimals so the CSV form is exact.
 */
export function makeFraudDataset({ seed, rows }: { seed: number; rows: number }): Dataset {
  if (!Number.isInteger(rows) || rows <= 0) {
    throw new RangeError(`rows must be a positive integer, got ${rows}`);
  }
  const rng = createRng(seed);
  const X: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < rows; i++) {
    const amountZ = gaussian(rng); // amount vs the card's usual spend, in std devs
    const merchantRisk = rng() ** 2; // merchant risk score in [0, 1), mostly low
    const hour = Math.floor(rng() * 24);
    const hourSin = Math.sin((2 * Math.PI * hour) / 24); // cyclic hour-of-day encoding
    const distance = Math.exp(1.5 + 1.1 * gaussian(rng)); // km, log-normal (heavy tail)
    const velocity = Math.floor(-Math.log(1 - rng()) * 1.6); // card transactions in the last hour
    const accountAge = -Math.log(1 - rng()) * 4; // years, exponential

    const logit =
      -8 +
      1.4 * amountZ +
      4 * merchantRisk +
      2 * amountZ * merchantRisk +
      1 * hourSin +
      1.4 * Math.log1p(distance) +
      1.1 * velocity +
      4 * Math.exp(-accountAge / 1.2);
    let label = rng() < sigmoid(logit) ? 1 : 0;
    if (rng() < 0.02) label = 1 - label;

    X.push([
      round(amountZ, 4),
      round(merchantRisk, 4),
      round(hourSin, 4),
      round(distance, 4),
      velocity,
      round(accountAge, 4),
    ]);
    y.push(label);
  }
  return { featureNames: [...FRAUD_FEATURE_NAMES], X, y };
}

/**
 * Deterministic shuffled train/eval split, so every demo run evaluates on the same held-out rows.
 * `evalFraction` of the rows (rounded) go to `eval`, the rest to `train`.
 */
export function splitDataset(
  ds: Dataset,
  evalFraction: number,
  seed: number,
): { train: Dataset; eval: Dataset } {
  if (!(evalFraction > 0 && evalFraction < 1)) {
    throw new RangeError(`evalFraction must be in (0, 1), got ${evalFraction}`);
  }
  const n = ds.X.length;
  const order = Array.from({ length: n }, (_, i) => i);
  const rng = createRng(seed);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const tmp = order[i]!;
    order[i] = order[j]!;
    order[j] = tmp;
  }
  const evalCount = Math.round(n * evalFraction);
  const pick = (idx: number[]): Dataset => ({
    featureNames: [...ds.featureNames],
    X: idx.map((i) => [...ds.X[i]!]),
    y: idx.map((i) => ds.y[i]!),
  });
  return { train: pick(order.slice(evalCount)), eval: pick(order.slice(0, evalCount)) };
}

/** Serializes a dataset as CSV (header: feature names then `label`), the form the demo stores and hashes. */
export function datasetToCsv(ds: Dataset): string {
  const lines = [[...ds.featureNames, 'label'].join(',')];
  ds.X.forEach((row, i) => {
    lines.push([...row.map((v) => String(v)), String(ds.y[i])].join(','));
  });
  return `${lines.join('\n')}\n`;
}

/**
 * Reads the CSV form back (header: features then `label`), so an evaluation set stored in
 * the registry can be scored by the built-in evaluator.
 */
export function datasetFromCsv(text: string): Dataset {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const header = (lines[0] ?? '').split(',').map((h) => h.trim());
  const labelAt = header.indexOf('label');
  if (lines.length < 2 || labelAt === -1) {
    throw new Error('an evaluation set CSV needs a header with a "label" column and at least one row');
  }
  const featureNames = header.filter((_, i) => i !== labelAt);
  const X: number[][] = [];
  const y: number[] = [];
  for (const [n, line] of lines.slice(1).entries()) {
    const cells = line.split(',').map(Number);
    if (cells.length !== header.length || cells.some((c) => !Number.isFinite(c))) {
      throw new Error(`row ${n + 2} of the evaluation set is not ${header.length} numbers`);
    }
    y.push(cells[labelAt]!);
    X.push(cells.filter((_, i) => i !== labelAt));
  }
  return { featureNames, X, y };
}

/** SHA-256 hex digest of {@link datasetToCsv}, used by the demo to name an immutable dataset version. */
export function datasetDigest(ds: Dataset): string {
  return createHash('sha256').update(datasetToCsv(ds)).digest('hex');
}

function columnIndices(ds: Dataset, names: readonly string[]): number[] {
  return names.map((name) => {
    const idx = ds.featureNames.indexOf(name);
    if (idx < 0) throw new Error(`unknown feature '${name}' (dataset has: ${ds.featureNames.join(', ')})`);
    return idx;
  });
}

function column(ds: Dataset, index: number): number[] {
  return ds.X.map((row) => row[index]!);
}

/**
 * Trains a logistic-regression classifier by full-batch gradient descent on standardized features
 * (L2 on weights, not bias). Small and dependency-free so the demo can produce real models in milliseconds.
 */
export function trainLogisticRegression(train: Dataset, options: TrainingOptions): LogisticModel {
  const { learningRate, epochs, l2 } = options;
  if (!(learningRate > 0)) throw new RangeError('learningRate must be > 0');
  if (!Number.isInteger(epochs) || epochs < 0) throw new RangeError('epochs must be a non-negative integer');
  if (!(l2 >= 0)) throw new RangeError('l2 must be >= 0');
  const n = train.X.length;
  if (n === 0) throw new Error('cannot train on an empty dataset');

  const featureNames = [...(options.features ?? train.featureNames)];
  const idx = columnIndices(train, featureNames);
  const d = idx.length;

  const means: number[] = [];
  const stds: number[] = [];
  for (const j of idx) {
    const col = column(train, j);
    const mean = col.reduce((a, b) => a + b, 0) / n;
    const variance = col.reduce((a, b) => a + (b - mean) ** 2, 0) / n;
    const std = Math.sqrt(variance);
    means.push(mean);
    stds.push(std > 1e-12 ? std : 1);
  }
  const Z = train.X.map((row) => idx.map((j, k) => (row[j]! - means[k]!) / stds[k]!));

  const weights = new Array<number>(d).fill(0);
  let bias = 0;
  const grad = new Array<number>(d).fill(0);
  for (let epoch = 0; epoch < epochs; epoch++) {
    grad.fill(0);
    let gradBias = 0;
    for (let i = 0; i < n; i++) {
      const z = Z[i]!;
      let s = bias;
      for (let k = 0; k < d; k++) s += weights[k]! * z[k]!;
      const err = sigmoid(s) - train.y[i]!;
      gradBias += err;
      for (let k = 0; k < d; k++) grad[k] = grad[k]! + err * z[k]!;
    }
    for (let k = 0; k < d; k++) {
      weights[k] = weights[k]! - learningRate * (grad[k]! / n + l2 * weights[k]!);
    }
    bias -= learningRate * (gradBias / n);
  }

  return {
    kind: 'logistic-regression',
    featureNames,
    means,
    stds,
    weights,
    bias,
    options: { learningRate, epochs, l2, features: [...featureNames] },
  };
}

/** Positive-class probabilities for every row of `ds`, selecting the model's features by name. */
export function predictProba(model: LogisticModel, ds: Dataset): number[] {
  const idx = columnIndices(ds, model.featureNames);
  return ds.X.map((row) => {
    let s = model.bias;
    idx.forEach((j, k) => {
      s += (model.weights[k]! * (row[j]! - model.means[k]!)) / model.stds[k]!;
    });
    return sigmoid(s);
  });
}

function assertBinaryLabels(scores: readonly number[], labels: readonly number[]): void {
  if (scores.length !== labels.length) {
    throw new Error(`length mismatch: ${scores.length} scores vs ${labels.length} labels`);
  }
  for (const label of labels) {
    if (label !== 0 && label !== 1) throw new Error(`labels must be 0 or 1, got ${label}`);
  }
}

/**
 * Exact ROC AUC via the Mann–Whitney U statistic with average ranks for ties (a tied positive/negative
 * pair counts 1/2). Throws if either class is absent, since AUC is then undefined.
 */
export function rocAuc(scores: readonly number[], labels: readonly number[]): number {
  assertBinaryLabels(scores, labels);
  const n = scores.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  let rankSumPos = 0;
  let nPos = 0;
  let i = 0;
  while (i < n) {
    let j = i;
    while (j + 1 < n && scores[order[j + 1]!] === scores[order[i]!]) j++;
    const avgRank = (i + j) / 2 + 1; // ranks are 1-based
    for (let k = i; k <= j; k++) {
      if (labels[order[k]!] === 1) {
        rankSumPos += avgRank;
        nPos++;
      }
    }
    i = j + 1;
  }
  const nNeg = n - nPos;
  if (nPos === 0 || nNeg === 0) throw new Error('AUC is undefined unless both classes are present');
  return (rankSumPos - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}

/**
 * How sure we can be that B ranks better than A on this evaluation set: the share of
 * paired bootstrap resamples of the rows in which B's AUC beats A's. Deterministic for a
 * seed; 0.5 means no evidence either way.
 */
export function pairedBootstrapConfidence(
  scoresA: readonly number[],
  scoresB: readonly number[],
  labels: readonly number[],
  options: { rounds?: number; seed?: number } = {},
): number {
  const rounds = options.rounds ?? 200;
  const rng = createRng(options.seed ?? 1);
  const n = labels.length;
  let wins = 0;
  let counted = 0;
  for (let r = 0; r < rounds; r++) {
    const a: number[] = [];
    const b: number[] = [];
    const y: number[] = [];
    for (let i = 0; i < n; i++) {
      const k = Math.floor(rng() * n);
      a.push(scoresA[k]!);
      b.push(scoresB[k]!);
      y.push(labels[k]!);
    }
    if (!y.includes(0) || !y.includes(1)) continue;
    const diff = rocAuc(b, y) - rocAuc(a, y);
    wins += diff > 0 ? 1 : diff === 0 ? 0.5 : 0;
    counted++;
  }
  return counted === 0 ? 0.5 : wins / counted;
}

/** Mean binary cross-entropy with probabilities clipped to [eps, 1 - eps] so it stays finite. */
export function logLoss(probabilities: readonly number[], labels: readonly number[], eps = 1e-15): number {
  assertBinaryLabels(probabilities, labels);
  if (labels.length === 0) throw new Error('logloss of an empty set is undefined');
  let total = 0;
  probabilities.forEach((p, i) => {
    // Clip the probability of the true class (equivalent to clipping p to [eps, 1 - eps], without the
    // rounding error of computing 1 - (1 - eps)).
    const pTrue = labels[i] === 1 ? p : 1 - p;
    total -= Math.log(Math.min(1, Math.max(eps, pTrue)));
  });
  return total / labels.length;
}

/**
 * All demo metrics from probabilities and labels; a probability >= `threshold` predicts positive.
 * Precision/recall/F1 are 0 when their denominator is 0. Separate from the model so it can be checked
 * against hand-worked confusion matrices.
 */
export function scoreBinary(
  probabilities: readonly number[],
  labels: readonly number[],
  threshold = 0.5,
): ClassifierMetrics {
  assertBinaryLabels(probabilities, labels);
  let tp = 0;
  let fp = 0;
  let tn = 0;
  let fn = 0;
  probabilities.forEach((p, i) => {
    const predicted = p >= threshold;
    if (labels[i] === 1) {
      if (predicted) tp++;
      else fn++;
    } else if (predicted) fp++;
    else tn++;
  });
  const precision = tp + fp > 0 ? tp / (tp + fp) : 0;
  const recall = tp + fn > 0 ? tp / (tp + fn) : 0;
  const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
  return {
    auc: rocAuc(probabilities, labels),
    f1,
    accuracy: (tp + tn) / labels.length,
    precision,
    recall,
    logloss: logLoss(probabilities, labels),
  };
}

/** Evaluates a model on a held-out dataset: the metrics the demo attaches to each registered version. */
export function evaluateClassifier(model: LogisticModel, ds: Dataset, threshold = 0.5): ClassifierMetrics {
  return scoreBinary(predictProba(model, ds), ds.y, threshold);
}

/**
 * Population Stability Index of `actual` against `expected`, with bin edges at the quantiles of
 * `expected` (duplicate edges merged) and proportions floored at a small epsilon. Rule of thumb:
 * < 0.1 stable, 0.1–0.2 moderate shift, > 0.2 significant drift.
 */
export function populationStabilityIndex(
  expected: readonly number[],
  actual: readonly number[],
  bins = 10,
): number {
  if (expected.length === 0 || actual.length === 0) throw new Error('PSI needs non-empty samples');
  if (!Number.isInteger(bins) || bins < 2) throw new RangeError('bins must be an integer >= 2');
  const sorted = [...expected].sort((a, b) => a - b);
  const edges: number[] = [];
  for (let b = 1; b < bins; b++) {
    const edge = sorted[Math.min(sorted.length - 1, Math.floor((b * sorted.length) / bins))]!;
    if (edges.length === 0 || edge > edges[edges.length - 1]!) edges.push(edge);
  }
  // Bin k holds values v with edges[k-1] <= v < edges[k]; the last bin is open-ended.
  const binOf = (v: number): number => {
    let lo = 0;
    let hi = edges.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (v >= edges[mid]!) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const histogram = (values: readonly number[]): number[] => {
    const counts = new Array<number>(edges.length + 1).fill(0);
    for (const v of values) {
      const k = binOf(v);
      counts[k] = counts[k]! + 1;
    }
    return counts.map((c) => c / values.length);
  };
  const eps = 1e-4;
  const e = histogram(expected);
  const a = histogram(actual);
  let psi = 0;
  for (let k = 0; k < e.length; k++) {
    const ek = Math.max(e[k]!, eps);
    const ak = Math.max(a[k]!, eps);
    psi += (ak - ek) * Math.log(ak / ek);
  }
  return psi;
}

/**
 * Compares every feature of `evalDs` against `train` by PSI and reports the worst one; the demo uses it
 * as a data-quality gate (`passed` when the maximum PSI is below `threshold`).
 */
export function driftCheck(train: Dataset, evalDs: Dataset, threshold = 0.2): DriftResult {
  if (train.featureNames.length === 0) throw new Error('drift check needs at least one feature');
  const evalIdx = columnIndices(evalDs, train.featureNames);
  let maxPsi = Number.NEGATIVE_INFINITY;
  let feature = '';
  train.featureNames.forEach((name, j) => {
    const psi = populationStabilityIndex(column(train, j), column(evalDs, evalIdx[j]!));
    if (psi > maxPsi) {
      maxPsi = psi;
      feature = name;
    }
  });
  return { passed: maxPsi < threshold, maxPsi, feature };
}

/**
 * The three training settings the demo registers, from weakest to strongest. On
 * `makeFraudDataset({ seed: 7, rows: 4000 })` split 70/30 with seed 7 their eval AUCs increase clearly,
 * and the baseline falls below the demo's `min_auc=0.80` production gate (asserted by tests).
 */
export const DEMO_TRAINING_RUNS: readonly DemoTrainingRun[] = [
  {
    name: 'baseline',
    description: 'Two features (amount, hour), briefly trained',
    options: { learningRate: 0.1, epochs: 30, l2: 0, features: ['amount_zscore', 'hour_sin'] },
  },
  {
    name: 'more-features',
    description: 'Four features, trained to convergence',
    options: {
      learningRate: 0.5,
      epochs: 300,
      l2: 0.001,
      features: ['amount_zscore', 'merchant_risk', 'hour_sin', 'txn_velocity'],
    },
  },
  {
    name: 'all-features',
    description: 'All six features, trained to convergence with light L2',
    options: { learningRate: 0.5, epochs: 400, l2: 0.001 },
  },
];
