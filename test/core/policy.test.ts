import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/core/errors.js';
import { DEFAULT_POLICY, validatePolicy } from '../../src/core/policy.js';

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('DEFAULT_POLICY', () => {
  it('has no gates, no approval and no archival', () => {
    // Act / Assess
    expect(DEFAULT_POLICY).toEqual({
      gates: { staging: {}, production: {} },
      requireApproval: false,
      approvers: [],
      approvalTimeoutHours: 24,
      evaluation: { evalSet: null, evaluator: null },
      archival: { maxAgeDays: null, supersededAfterDays: null },
      requireModelCard: { staging: [], production: [] },
      monitoring: [],
    });
  });
});

describe('validatePolicy', () => {
  it('fills every default into an empty policy', () => {
    // Act
    const policy = validatePolicy({});

    // Assess
    expect(policy).toEqual(DEFAULT_POLICY);
  });

  it.each([
    [{ gates: { production: { min_auc: 0.8 } } }, { gates: { staging: {}, production: { min_auc: 0.8 } } }],
    [{ gates: {} }, { gates: { staging: {}, production: {} } }],
    [{ archival: { maxAgeDays: 30 } }, { archival: { maxAgeDays: 30, supersededAfterDays: null } }],
    [{ archival: { supersededAfterDays: 7 } }, { archival: { maxAgeDays: null, supersededAfterDays: 7 } }],
    [
      { requireApproval: true, approvers: ['alice'] },
      { requireApproval: true, approvers: ['alice'] },
    ],
  ])('fills defaults around %j', (input, expected) => {
    // Act
    const policy = validatePolicy(input);

    // Assess
    expect(policy).toMatchObject(expected);
  });

  it('keeps a full policy as given', () => {
    // Prepare
    const input = {
      gates: {
        staging: { min_auc: 0.7 },
        production: { min_auc: 0.85, min_delta_auc: 0, require_drift_check: true },
      },
      requireApproval: true,
      approvers: ['alice', 'bob'],
      approvalTimeoutHours: 4,
      evaluation: { evalSet: 'holdout', evaluator: 'builtin:logistic-regression' },
      archival: { maxAgeDays: 90, supersededAfterDays: 30 },
      requireModelCard: { staging: ['intended_use'], production: ['intended_use', 'limitations'] },
      monitoring: [{ metric: 'auc', min: 0.8, sustainedFor: '6h', action: 'rollback' as const }],
    };

    // Act
    const policy = validatePolicy(input);

    // Assess
    expect(policy).toEqual(input);
  });

  it.each([
    ['an unknown top-level key', { gate: {} }, '(root)', '"gate"'],
    ['an unknown gates stage', { gates: { prod: {} } }, 'gates', '"prod"'],
    ['an unknown archival key', { archival: { maxAge: 3 } }, 'archival', '"maxAge"'],
    ['a negative maxAgeDays', { archival: { maxAgeDays: -1 } }, 'archival.maxAgeDays', ''],
    ['a zero maxAgeDays', { archival: { maxAgeDays: 0 } }, 'archival.maxAgeDays', ''],
    ['a fractional maxAgeDays', { archival: { maxAgeDays: 1.5 } }, 'archival.maxAgeDays', ''],
    [
      'a negative supersededAfterDays',
      { archival: { supersededAfterDays: -7 } },
      'archival.supersededAfterDays',
      '',
    ],
    ['a string threshold', { gates: { production: { min_auc: '0.8' } } }, 'gates.production.min_auc', ''],
    ['a non-boolean requireApproval', { requireApproval: 'yes' }, 'requireApproval', ''],
    ['an empty approver', { approvers: [''] }, 'approvers.0', ''],
    ['a non-object', 'strict', '(root)', ''],
    ['null', null, '(root)', ''],
  ])('refuses %s, naming the field', (_label, input, where, named) => {
    // Act
    const error = thrown(() => validatePolicy(input));

    // Assess
    expect(error).toBeInstanceOf(ValidationError);
    const message = (error as Error).message;
    expect(message).toContain(`policy is invalid at ${where}:`);
    expect(message).toContain(named);
    expect(message).toContain('Expected {gates:');
  });

  it.each([
    ['staging', { gates: { staging: { auc: 0.8 } } }, '"auc" is not a gate'],
    ['production', { gates: { production: { minimum_auc: 0.8 } } }, '"minimum_auc" is not a gate'],
    ['production', { gates: { production: { min_auc: true } } }, 'gate min_auc needs a number threshold'],
    [
      'production',
      { gates: { production: { require_drift_check: 1 } } },
      'require_drift_check takes true or false',
    ],
  ])('refuses a bad %s gate, naming it', (_stage, input, message) => {
    // Act
    const error = thrown(() => validatePolicy(input));

    // Assess
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toContain(message);
  });
});
