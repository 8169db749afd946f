import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/core/errors.js';
import {
  describeFailures,
  evaluateGates,
  type GateBaseline,
  type GateResult,
  type GateSubject,
  type Gates,
  parseGateArg,
  parseGateKey,
  roundDelta,
  validateGates,
} from '../../src/core/gates.js';

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
}

function subject(metrics: Record<string, number>, metadata: Record<string, unknown> = {}): GateSubject {
  return { metrics, metadata };
}

function only(results: GateResult[]): GateResult {
  expect(results).toHaveLength(1);
  return results[0]!;
}

const PROD: GateBaseline = { version: '1.0.0', metrics: { auc: 0.91, loss: 0.3 } };

describe('evaluateGates', () => {
  it.each([
    ['min passes above', { min_auc: 0.8 }, 0.85, true],
    ['min passes at equality', { min_auc: 0.8 }, 0.8, true],
    ['min fails below', { min_auc: 0.8 }, 0.79, false],
    ['max passes below', { max_auc: 0.8 }, 0.5, true],
    ['max passes at equality', { max_auc: 0.8 }, 0.8, true],
    ['max fails above', { max_auc: 0.8 }, 0.81, false],
    ['min with a negative threshold', { min_auc: -1 }, -1, true],
  ])('%s', (_label, gates: Gates, auc, passed) => {
    // Act
    const result = only(evaluateGates(gates, subject({ auc }), null, 'policy'));

    // Assess
    expect(result).toMatchObject({ metric: 'auc', actual: auc, passed, source: 'policy' });
    expect(result.threshold).toBe(Object.values(gates)[0]);
  });

  it.each([{ min_auc: 0.8 }, { max_auc: 0.8 }, { min_delta_auc: 0 }, { max_delta_auc: 0 }])(
    'fails %j when the candidate lacks the metric, with actual null',
    (gates) => {
      // Act
      const result = only(evaluateGates(gates, subject({ f1: 0.9 }), PROD, 'request'));

      // Assess
      expect(result).toMatchObject({ actual: null, passed: false, source: 'request' });
      expect(result.note).toBe('metric auc is missing');
    },
  );

  it.each<[string, Record<string, unknown>, boolean, boolean | null]>([
    ['passes when the drift check passed', { drift_check_passed: true }, true, true],
    ['fails when the drift check failed', { drift_check_passed: false }, false, false],
    ['fails when metadata lacks the drift check', {}, false, null],
    ['fails when the drift check is not a boolean', { drift_check_passed: 'yes' }, false, null],
  ])('require_drift_check=true %s', (_label, metadata, passed, actual) => {
    // Act
    const result = only(evaluateGates({ require_drift_check: true }, subject({}, metadata), null, 'policy'));

    // Assess
    expect(result).toMatchObject({
      gate: 'require_drift_check',
      metric: 'drift_check_passed',
      threshold: true,
      actual,
      passed,
    });
  });

  it('notes the missing drift check metadata', () => {
    // Act
    const result = only(evaluateGates({ require_drift_check: true }, subject({}), null, 'policy'));

    // Assess
    expect(result.note).toContain('drift_check_passed is missing');
  });

  it.each([{ drift_check_passed: false }, {}, { drift_check_passed: true }])(
    'require_drift_check=false passes with metadata %j',
    (metadata) => {
      // Act
      const result = only(
        evaluateGates({ require_drift_check: false }, subject({}, metadata), null, 'policy'),
      );

      // Assess
      expect(result.passed).toBe(true);
      expect(result.note).toBeUndefined();
    },
  );

  it.each([{ min_delta_auc: 0.5 }, { max_delta_auc: -0.5 }])(
    'passes %j when nothing is in production, and says so',
    (gates) => {
      // Act
      const result = only(evaluateGates(gates, subject({ auc: 0.1 }), null, 'policy'));

      // Assess
      expect(result.passed).toBe(true);
      expect(result.actual).toBeNull();
      expect(result.note).toBe('nothing in production to compare with');
    },
  );

  it.each([
    ['min_delta passes when the gain is large enough', { min_delta_auc: 0.01 }, 0.95, 0.04, true],
    ['min_delta fails when the gain is too small', { min_delta_auc: 0.05 }, 0.95, 0.04, false],
    ['min_delta fails on a regression', { min_delta_auc: 0 }, 0.9, -0.01, false],
    ['min_delta passes 0.93 − 0.91 ≥ 0.02 despite float rounding', { min_delta_auc: 0.02 }, 0.93, 0.02, true],
    ['max_delta passes a small change', { max_delta_auc: 0.05 }, 0.95, 0.04, true],
    ['max_delta passes at equality', { max_delta_auc: 0.02 }, 0.93, 0.02, true],
    ['max_delta fails a large change', { max_delta_auc: 0.01 }, 0.95, 0.04, false],
  ])('%s', (_label, gates: Gates, auc, delta, passed) => {
    // Act
    const result = only(evaluateGates(gates, subject({ auc }), PROD, 'policy'));

    // Assess
    expect(result.actual).toBe(delta);
    expect(result.passed).toBe(passed);
    expect(result.note).toBe('vs production 1.0.0 (0.91)');
  });

  it('computes deltas as candidate − production', () => {
    // Act
    const result = only(evaluateGates({ max_delta_loss: 0 }, subject({ loss: 0.1 }), PROD, 'policy'));

    // Assess
    expect(result.actual).toBe(-0.2);
    expect(result.passed).toBe(true);
  });

  it.each([{ min_delta_f1: 0 }, { max_delta_f1: 1 }])(
    'fails %j when the production version lacks the metric',
    (gates) => {
      // Act
      const result = only(evaluateGates(gates, subject({ f1: 0.9 }), PROD, 'policy'));

      // Assess
      expect(result).toMatchObject({ actual: null, passed: false });
      expect(result.note).toBe('production version 1.0.0 has no metric f1');
    },
  );

  it('evaluates every gate, in order, and tags each with its source', () => {
    // Prepare
    const gates: Gates = { min_auc: 0.9, max_loss: 0.5, require_drift_check: true };

    // Act
    const results = evaluateGates(gates, subject({ auc: 0.85, loss: 0.2 }), null, 'request');

    // Assess
    expect(results.map((r) => [r.gate, r.passed, r.source])).toEqual([
      ['min_auc', false, 'request'],
      ['max_loss', true, 'request'],
      ['require_drift_check', false, 'request'],
    ]);
  });

  it('returns no results for no gates', () => {
    // Act / Assess
    expect(evaluateGates({}, subject({ auc: 1 }), PROD, 'policy')).toEqual([]);
  });

  it('fails on a gate key that is not a gate', () => {
    // Act / Assess
    expect(() => evaluateGates({ auc: 0.8 }, subject({ auc: 1 }), null, 'policy')).toThrow(ValidationError);
  });
});

describe('roundDelta', () => {
  it.each([
    [0.93 - 0.91, 0.02],
    [0.3 - 0.1, 0.2],
    [0.1 + 0.2, 0.3],
    [-0.01, -0.01],
    [0, 0],
  ])('rounds %d to %d', (x, expected) => {
    // Act / Assess
    expect(roundDelta(x)).toBe(expected);
  });
});

describe('parseGateKey', () => {
  it.each<[string, number | boolean, string, string]>([
    ['min_auc', 0.8, 'min', 'auc'],
    ['max_loss', 0.2, 'max', 'loss'],
    ['min_delta_auc', 0.01, 'min_delta', 'auc'],
    ['max_delta_latency_ms', 5, 'max_delta', 'latency_ms'],
    ['min_f1.macro', 0.5, 'min', 'f1.macro'],
    ['require_drift_check', true, 'require_drift_check', 'drift_check_passed'],
  ])('parses %s', (key, threshold, kind, metric) => {
    // Act
    const parsed = parseGateKey(key, threshold);

    // Assess
    expect(parsed).toEqual({ kind, metric, threshold });
  });

  it.each([
    'auc',
    'min_',
    'max_',
    'minimum_auc',
    'min-auc',
    'MIN_auc',
    'min_1auc',
    'min_a/b',
    'delta_auc',
    '',
  ])('refuses the key %j, naming it and the gate forms', (key) => {
    // Act
    const error = thrown(() => parseGateKey(key, 0.8));

    // Assess
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toContain(`${JSON.stringify(key)} is not a gate`);
    expect((error as Error).message).toContain('min_<metric>=N');
    expect((error as ValidationError).details).toEqual({ gate: key });
  });

  it.each<[string, number | boolean]>([
    ['min_auc', true],
    ['max_auc', false],
    ['min_auc', Number.NaN],
    ['min_auc', Number.POSITIVE_INFINITY],
    ['min_delta_auc', Number.NEGATIVE_INFINITY],
  ])('refuses %s with the threshold %j, naming the gate', (key, threshold) => {
    // Act
    const error = thrown(() => parseGateKey(key, threshold));

    // Assess
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toContain(`gate ${key} needs a number threshold`);
  });

  it.each([0, 1, 0.5])('refuses require_drift_check with the number %d', (threshold) => {
    // Act
    const error = thrown(() => parseGateKey('require_drift_check', threshold));

    // Assess
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toContain('gate require_drift_check takes true or false');
  });
});

describe('parseGateArg', () => {
  it.each<[string, [string, number | boolean]]>([
    ['min_auc=0.85', ['min_auc', 0.85]],
    [' max_loss = 0.2 ', ['max_loss', 0.2]],
    ['min_delta_auc=-0.01', ['min_delta_auc', -0.01]],
    ['max_delta_auc=0', ['max_delta_auc', 0]],
    ['require_drift_check', ['require_drift_check', true]],
    ['require_drift_check=true', ['require_drift_check', true]],
    ['require_drift_check=false', ['require_drift_check', false]],
  ])('parses %j', (arg, expected) => {
    // Act / Assess
    expect(parseGateArg(arg)).toEqual(expected);
  });

  it.each(['min_auc=abc', 'min_auc=', 'min_auc=Infinity', 'min_auc=NaN'])(
    'refuses %j for its threshold, naming the gate',
    (arg) => {
      // Act
      const error = thrown(() => parseGateArg(arg));

      // Assess
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as Error).message).toContain(JSON.stringify(arg));
      expect((error as Error).message).toContain('min_auc=0.85');
    },
  );

  it.each([
    ['min_auc', 'gate min_auc needs a number threshold'],
    ['min_auc=true', 'gate min_auc needs a number threshold'],
    ['require_drift_check=1', 'gate require_drift_check takes true or false'],
    ['auc=0.8', '"auc" is not a gate'],
    ['min_=0.8', '"min_" is not a gate'],
    ['minimum_auc=0.8', '"minimum_auc" is not a gate'],
  ])('refuses %j', (arg, message) => {
    // Act
    const error = thrown(() => parseGateArg(arg));

    // Assess
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toContain(message);
  });
});

describe('validateGates', () => {
  it('returns a valid gate set unchanged', () => {
    // Prepare
    const gates = { min_auc: 0.8, max_delta_loss: 0.1, require_drift_check: true };

    // Act
    const result = validateGates(gates);

    // Assess
    expect(result).toEqual(gates);
  });

  it('accepts an empty gate set', () => {
    // Act / Assess
    expect(validateGates({})).toEqual({});
  });

  it.each([
    [{ auc: 0.8 }, '"auc" is not a gate'],
    [{ min_: 0.8 }, '"min_" is not a gate'],
    [{ minimum_auc: 0.8 }, '"minimum_auc" is not a gate'],
    [{ min_auc: 0.8, max_auc: true }, 'gate max_auc needs a number threshold'],
    [{ require_drift_check: 1 }, 'gate require_drift_check takes true or false'],
    [{ min_auc: '0.8' }, 'gate min_auc is "0.8"'],
    [{ min_auc: null }, 'gate min_auc is null'],
  ])('refuses %j, naming the gate', (input, message) => {
    // Act
    const error = thrown(() => validateGates(input));

    // Assess
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toContain(message);
  });

  it.each([null, [0.8], 'min_auc=0.8', 42])('refuses %j, which is not an object of gates', (input) => {
    // Act
    const error = thrown(() => validateGates(input));

    // Assess
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toContain('gates must be an object of gate → number|boolean');
  });
});

describe('describeFailures', () => {
  it('summarises each failing gate with its actual value, operator and threshold', () => {
    // Prepare
    const results = evaluateGates(
      { min_auc: 0.8, max_loss: 0.2, min_f1: 0.5, require_drift_check: true, min_delta_auc: 0.05 },
      subject({ auc: 0.74, loss: 0.35 }, { drift_check_passed: false }),
      PROD,
      'policy',
    );

    // Act
    const text = describeFailures(results);

    // Assess
    expect(text.split('; ')).toEqual([
      'min_auc: 0.74 < 0.8',
      'max_loss: 0.35 > 0.2',
      'min_f1: missing < 0.5 (metric f1 is missing)',
      'require_drift_check: false ≠ true',
      'min_delta_auc: -0.17 < 0.05 (vs production 1.0.0 (0.91))',
    ]);
  });

  it('leaves out passing gates', () => {
    // Prepare
    const results = evaluateGates(
      { min_auc: 0.8, max_loss: 0.2 },
      subject({ auc: 0.9, loss: 0.5 }),
      null,
      'policy',
    );

    // Act
    const text = describeFailures(results);

    // Assess
    expect(text).toBe('max_loss: 0.5 > 0.2');
  });

  it('is empty when every gate passes', () => {
    // Prepare
    const results = evaluateGates({ min_auc: 0.8 }, subject({ auc: 0.9 }), null, 'policy');

    // Act / Assess
    expect(describeFailures(results)).toBe('');
  });
});
