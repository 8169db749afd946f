/** Subjects and texts of notifications: a configurable subject prefix, and what a promotion without confidence says. */
import { describe, expect, it } from 'vitest';
import { awsConfigFromEnv } from '../../src/adapters/aws/config.js';
import { SnsNotifier } from '../../src/adapters/aws/sns-notifier.js';
import { ValidationError } from '../../src/core/errors.js';
import { eventSubject, eventText } from '../../src/core/messages.js';
import type { RegistryEvent } from '../../src/core/ports.js';

const promotion: RegistryEvent = {
  type: 'model.promote',
  useCase: 'trading',
  modelName: 'PascalStrategy',
  seq: 4,
  at: '2026-01-01T00:00:00.000Z',
  actor: 'ana',
  version: '3',
  fromStage: 'staging',
  toStage: 'production',
  details: { archivedVersion: '2' },
};

const env = {
  MODELREG_TABLE: 'registry',
  MODELREG_BUCKET: 'artifacts',
  MODELREG_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:t',
};

describe('eventSubject', () => {
  it('starts with [modelreg] by default', () => {
    expect(eventSubject(promotion)).toBe('[modelreg] Model Promoted: PascalStrategy');
  });

  it('takes the configured prefix, as the reference writes [TradAI]', () => {
    expect(eventSubject(promotion, '[TradAI]')).toBe('[TradAI] Model Promoted: PascalStrategy');
  });

  it('leaves the prefix out when it is empty', () => {
    expect(eventSubject(promotion, '')).toBe('Model Promoted: PascalStrategy');
  });
});

describe('the SNS subject prefix from the environment', () => {
  it('reaches the published subject through MODELREG_SNS_SUBJECT_PREFIX', () => {
    // Prepare
    const config = awsConfigFromEnv({ ...env, MODELREG_SNS_SUBJECT_PREFIX: '[TradAI]' });
    const notifier = new SnsNotifier({} as never, {
      topicArn: config.topicArn,
      ...(config.subjectPrefix !== undefined ? { subjectPrefix: config.subjectPrefix } : {}),
    });

    // Act
    const subject = notifier.message(promotion).Subject;

    // Assess
    expect(subject).toBe('[TradAI] Model Promoted: PascalStrategy');
  });

  it('refuses a prefix with a line break, saying which variable', () => {
    expect(() => awsConfigFromEnv({ ...env, MODELREG_SNS_SUBJECT_PREFIX: 'a\nb' })).toThrow(ValidationError);
    expect(() => awsConfigFromEnv({ ...env, MODELREG_SNS_SUBJECT_PREFIX: 'a\nb' })).toThrow(
      /MODELREG_SNS_SUBJECT_PREFIX/,
    );
  });
});

describe('the confidence of a promotion text', () => {
  it('says the confidence was not measured rather than 0.0% when no comparison gave one', () => {
    const line = eventText(promotion, 'prod')
      .split('\n')
      .find((l) => l.startsWith('Comparison Confidence'));
    expect(line).toBe('Comparison Confidence: not measured (no comparison with production)');
  });

  it('prints a given confidence as the reference does (85.0%)', () => {
    const line = eventText({ ...promotion, details: { archivedVersion: '2', confidence: 0.85 } }, 'prod')
      .split('\n')
      .find((l) => l.startsWith('Comparison Confidence'));
    expect(line).toBe('Comparison Confidence: 85.0%');
  });
});
