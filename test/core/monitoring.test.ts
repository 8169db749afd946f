import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/core/errors.js';
import {
  describeRule,
  evaluateRule,
  type MonitoringRule,
  type Observation,
  parseDuration,
  parseMonitorRule,
} from '../../src/core/monitoring.js';
import { validatePolicy } from '../../src/core/policy.js';

const T = Date.parse('2026-05-01T12:00:00.000Z');
const HOUR = 3_600_000;
const rule: MonitoringRule = { metric: 'auc', min: 0.8, sustainedFor: '6h', action: 'rollback' };

/** Hourly observations ending `hoursBefore` hours before T, with the given value. */
function obs(hoursBefore: number, value: number, windowHours = 1, metric = 'auc'): Observation {
  return {
    useCase: 'fraud',
    modelName: 'Risk',
    version: '1.0.0',
    metric,
    value,
    at: new Date(T - hoursBefore * HOUR).toISOString(),
    windowSeconds: windowHours * 3600,
    reportedBy: 'test',
    receivedAt: new Date(T).toISOString(),
  };
}
const hourly = (from: number, to: number, value: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => obs(from + i, value));

describe('evaluateRule', () => {
  it('finds a breach sustained when six hourly windows all breach and cover the 6h span', () => {
    // Prepare: windows ending at T-5h … T cover [T-6h, T]
    const observations = hourly(0, 5, 0.7);
    // Act
    const r = evaluateRule(rule, observations);
    // Assess
    expect(r.state).toBe('sustained');
    expect(r.span).toEqual({ from: new Date(T - 6 * HOUR).toISOString(), to: new Date(T).toISOString() });
    expect(r.breachStart).toBe(new Date(T - 6 * HOUR).toISOString());
    expect(r.latest).toEqual({ value: 0.7, at: new Date(T).toISOString() });
  });

  it('is not sustained when the breaching windows cover only 5 of the 6 hours', () => {
    const r = evaluateRule(rule, hourly(0, 4, 0.7));
    expect(r.state).toBe('breaching');
    expect(r.reason).toMatch(/covers/);
  });

  it('is not sustained when an hour inside the span has no observation (a gap)', () => {
    const observations = hourly(0, 6, 0.7).filter((o) => o.at !== new Date(T - 3 * HOUR).toISOString());
    const r = evaluateRule(rule, observations);
    expect(r.state).toBe('breaching');
    expect(r.reason).toContain(new Date(T - 4 * HOUR).toISOString());
  });

  it('is not sustained when one good point lies inside the window', () => {
    const observations = [...hourly(0, 6, 0.7).filter((o) => o.at !== obs(2, 0).at), obs(2, 0.85)];
    const r = evaluateRule(rule, observations);
    expect(r.state).toBe('breaching');
    expect(r.reason).toMatch(/0\.85/);
    // the run of breaching windows restarts after the good one
    expect(r.breachStart).toBe(new Date(T - 2 * HOUR).toISOString());
  });

  it('leaves a good observation exactly at the span boundary (T − 6h) out of the span', () => {
    const observations = [...hourly(0, 5, 0.7), obs(6, 0.9)];
    const r = evaluateRule(rule, observations);
    expect(r.state).toBe('sustained');
    // the good window ending at the boundary ends the run too
    expect(r.breachStart).toBe(new Date(T - 6 * HOUR).toISOString());
  });

  it('counts a bad observation just inside the boundary', () => {
    // windows of 1h ending at T-5h59m … : the one inside the span must breach too
    const inside = { ...obs(6, 0.9), at: new Date(T - 6 * HOUR + 60_000).toISOString() };
    const r = evaluateRule(rule, [...hourly(0, 5, 0.7), inside]);
    expect(r.state).toBe('breaching');
  });

  it('takes the span from the newest observation, not from the order of arrival', () => {
    const observations = [...hourly(0, 5, 0.7)].reverse();
    expect(evaluateRule(rule, observations).state).toBe('sustained');
  });

  it('judges the span ending at the given observation time, so a newer (future-dated) one cannot hide a breach', () => {
    // Prepare: a good observation far in the future, then six bad hourly windows up to T
    const future = { ...obs(0, 0.95), at: '2099-01-01T00:00:00.000Z' };
    const observations = [future, ...hourly(0, 5, 0.7)];
    // Act
    const atT = evaluateRule(rule, observations, new Date(T).toISOString());
    const atNewest = evaluateRule(rule, observations);
    // Assess
    expect(atT).toMatchObject({
      state: 'sustained',
      span: { from: new Date(T - 6 * HOUR).toISOString(), to: new Date(T).toISOString() },
      latest: { value: 0.7, at: new Date(T).toISOString() },
    });
    expect(atNewest.state).toBe('ok');
  });

  it('accepts one long window covering the whole span', () => {
    expect(evaluateRule(rule, [obs(0, 0.5, 6)]).state).toBe('sustained');
    expect(evaluateRule(rule, [obs(0, 0.5, 5)]).state).toBe('breaching');
  });

  it('is ok when the newest observation holds, and no-data without observations of the metric', () => {
    expect(evaluateRule(rule, [...hourly(1, 6, 0.7), obs(0, 0.81)]).state).toBe('ok');
    expect(evaluateRule(rule, [obs(0, 0.1, 1, 'f1')]).state).toBe('no-data');
  });

  it('treats max as an upper bound', () => {
    const latency: MonitoringRule = { metric: 'latency_ms', max: 250, sustainedFor: '2h', action: 'notify' };
    const o = [obs(0, 300, 1, 'latency_ms'), obs(1, 260, 1, 'latency_ms')];
    expect(evaluateRule(latency, o).state).toBe('sustained');
    expect(evaluateRule(latency, [obs(0, 300, 1, 'latency_ms'), obs(1, 250, 1, 'latency_ms')]).state).toBe(
      'breaching',
    );
  });
});

describe('the reason of a sustained breach', () => {
  it('names one start, the start of the breach, when the windows reach back further than the span', () => {
    // Prepare: a 30m rule, one bad 1h window ending at T (so the span is T-30m..T, the breach T-1h..T)
    const short: MonitoringRule = { metric: 'auc', min: 0.8, sustainedFor: '30m', action: 'notify' };
    // Act
    const r = evaluateRule(short, [obs(0, 0.5)]);
    // Assess
    const from = new Date(T - HOUR).toISOString();
    expect(r).toMatchObject({ state: 'sustained', breachStart: from });
    expect(r.reason).toContain(`from ${from} to ${new Date(T).toISOString()}`);
    expect(r.reason).not.toContain(new Date(T - HOUR / 2).toISOString());
  });

  it('starts the breach no earlier than the end of the last good observation', () => {
    // Prepare: a good 1h window ending at T-1h, then a bad 2h window ending at T that overlaps it
    const observations = [obs(1, 0.9), obs(0, 0.5, 2)];
    // Act
    const r = evaluateRule({ ...rule, sustainedFor: '1h' }, observations);
    // Assess
    expect(r).toMatchObject({ state: 'sustained', breachStart: new Date(T - HOUR).toISOString() });
  });
});

describe('parseMonitorRule', () => {
  it('reads the command-line form with its action', () => {
    const r = parseMonitorRule('auc>=0.8 for 6h then rollback');
    expect(r).toEqual({ metric: 'auc', min: 0.8, sustainedFor: '6h', action: 'rollback' });
    expect(describeRule(r)).toBe('auc>=0.8 for 6h then rollback');
    expect(parseMonitorRule('latency_ms <= 250 for 30m')).toEqual({
      metric: 'latency_ms',
      max: 250,
      sustainedFor: '30m',
      action: 'notify',
    });
  });

  it('refuses a rule it cannot read, saying the form', () => {
    expect(() => parseMonitorRule('auc>0.8 for 6h')).toThrow(/metric> >=\|<= <threshold>/);
    expect(() => parseMonitorRule('auc>=0.8 for 6 hours')).toThrow(ValidationError);
    expect(() => parseMonitorRule('auc>=0.8 for 6h then page')).toThrow(/notify, rollback, archive/);
  });
});

describe('parseMonitorRule numbers', () => {
  it('refuses a threshold that is not a finite number with a ValidationError', () => {
    // Act
    const huge = () => parseMonitorRule('auc<=1e999 for 1h');
    const tiny = () => parseMonitorRule('auc>=-1e999 for 1h');
    const underflow = () => parseMonitorRule('auc>=1e-999 for 1h');
    // Assess
    expect(huge).toThrow(ValidationError);
    expect(huge).toThrow(/threshold 1e999, .*must be a finite number/);
    expect(tiny).toThrow(/threshold -1e999, .*must be a finite number/);
    expect(underflow).toThrow(ValidationError);
  });

  it('says a duration is too long and what the longest is', () => {
    expect(() => parseMonitorRule('auc>=0.8 for 99999999d')).toThrow(/too long.*999999d/);
    expect(() => parseDuration('1000000h', 'window')).toThrow(/window "1000000h" is too long/);
    expect(parseDuration('999999d')).toBe(999_999 * 24 * HOUR);
  });
});

describe('parseDuration', () => {
  it('reads minutes, hours and days and refuses anything else', () => {
    expect(parseDuration('30m')).toBe(30 * 60_000);
    expect(parseDuration('6h')).toBe(6 * HOUR);
    expect(parseDuration('2d')).toBe(48 * HOUR);
    expect(() => parseDuration('0h')).toThrow(/30m, 6h, 2d/);
    expect(() => parseDuration('1.5h')).toThrow(ValidationError);
  });
});

describe('policy monitoring rules', () => {
  it('validates rules: one bound, a duration, a known action', () => {
    const p = validatePolicy({
      monitoring: [{ metric: 'auc', min: 0.8, sustainedFor: '6h', action: 'archive' }],
    });
    expect(p.monitoring).toEqual([{ metric: 'auc', min: 0.8, sustainedFor: '6h', action: 'archive' }]);
    expect(validatePolicy({}).monitoring).toEqual([]);
    expect(() => validatePolicy({ monitoring: [{ metric: 'auc', sustainedFor: '6h' }] })).toThrow(
      /exactly one bound/,
    );
    expect(() => validatePolicy({ monitoring: [{ metric: 'auc', min: 1, sustainedFor: 'soon' }] })).toThrow(
      /monitoring\.0\.sustainedFor/,
    );
    expect(() =>
      validatePolicy({ monitoring: [{ metric: 'auc', min: 1, sustainedFor: '1h', action: 'page' }] }),
    ).toThrow(/monitoring\.0\.action/);
    expect(() =>
      validatePolicy({ monitoring: [{ metric: 'auc', min: 1, sustainedFor: '99999999d' }] }),
    ).toThrow(/too long/);
    expect(() =>
      validatePolicy({ monitoring: [{ metric: 'auc', max: Number.POSITIVE_INFINITY, sustainedFor: '1h' }] }),
    ).toThrow(/monitoring\.0\.max: the threshold must be a finite number/);
  });
});
