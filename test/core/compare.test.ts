import { describe, expect, it } from 'vitest';
import { compareMetrics, type MetricDelta } from '../../src/core/compare.js';
import type { Metrics } from '../../src/core/model.js';

describe('compareMetrics', () => {
  it.each<[string, Metrics, Metrics, Record<string, MetricDelta>]>([
    ['computes delta as b − a', { auc: 0.8 }, { auc: 0.9 }, { auc: { a: 0.8, b: 0.9, delta: 0.1 } }],
    [
      'gives a negative delta when b is lower',
      { loss: 0.5 },
      { loss: 0.2 },
      { loss: { a: 0.5, b: 0.2, delta: -0.3 } },
    ],
    ['gives zero for equal values', { f1: 0.7 }, { f1: 0.7 }, { f1: { a: 0.7, b: 0.7, delta: 0 } }],
    [
      'rounds float noise (0.93 − 0.91)',
      { auc: 0.91 },
      { auc: 0.93 },
      { auc: { a: 0.91, b: 0.93, delta: 0.02 } },
    ],
    [
      'keeps a zero value, which is not missing',
      { auc: 0 },
      { auc: 0.5 },
      { auc: { a: 0, b: 0.5, delta: 0.5 } },
    ],
    [
      'gives null b and delta when b lacks the metric',
      { auc: 0.8 },
      {},
      { auc: { a: 0.8, b: null, delta: null } },
    ],
    [
      'gives null a and delta when a lacks the metric',
      {},
      { auc: 0.8 },
      { auc: { a: null, b: 0.8, delta: null } },
    ],
    ['is empty for two empty metric sets', {}, {}, {}],
  ])('%s', (_label, a, b, expected) => {
    // Act
    const result = compareMetrics(a, b);

    // Assess
    expect(result).toEqual(expected);
  });

  it('covers the union of both versions’ metric names, in registration order (A, then what only B has)', () => {
    // Prepare
    const a = { loss: 0.3, auc: 0.8 };
    const b = { f1: 0.6, auc: 0.85 };

    // Act
    const result = compareMetrics(a, b);

    // Assess
    expect(Object.keys(result)).toEqual(['loss', 'auc', 'f1']);
    expect(result.auc?.delta).toBe(0.05);
    expect(result.f1).toEqual({ a: null, b: 0.6, delta: null });
    expect(result.loss).toEqual({ a: 0.3, b: null, delta: null });
  });

  it('is antisymmetric: swapping the sides negates the delta', () => {
    // Prepare
    const a = { auc: 0.81, loss: 0.4 };
    const b = { auc: 0.87, loss: 0.25 };

    // Act
    const ab = compareMetrics(a, b);
    const ba = compareMetrics(b, a);

    // Assess
    for (const name of ['auc', 'loss']) expect(ba[name]?.delta).toBe(-(ab[name]?.delta ?? Number.NaN));
  });
});
