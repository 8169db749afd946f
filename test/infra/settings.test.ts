import { App } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { settingsFromContext } from '../../infra/modelreg-app.js';

const settings = (context: Record<string, unknown>) => settingsFromContext(new App({ context }).node);

describe('settingsFromContext', () => {
  it('defaults to the dev environment with no subscribers, schedule, evaluators or own Slack secret', () => {
    // Act
    const s = settings({});

    // Assess
    expect(s).toEqual({
      environment: 'dev',
      notificationEmails: [],
      operationsEmails: [],
      archivalUseCases: [],
      evaluatorArns: [],
      trainingOutputBuckets: [],
      jwtAudience: [],
    });
  });

  it('takes an identity provider as jwtIssuer with its jwtAudience, never one without the other', () => {
    // Act
    const s = settings({ jwtIssuer: 'https://login.example.com/', jwtAudience: 'modelreg-app' });

    // Assess
    expect(s).toMatchObject({ jwtIssuer: 'https://login.example.com/', jwtAudience: ['modelreg-app'] });
    expect(() => settings({ jwtIssuer: 'https://login.example.com/' })).toThrow(/go together/);
    expect(() => settings({ jwtAudience: 'x' })).toThrow(/go together/);
    expect(() => settings({ jwtIssuer: 'http://insecure', jwtAudience: 'x' })).toThrow(/https:\/\/ issuer/);
  });

  it('reads lists given with -c (comma-separated) and in cdk.json (JSON arrays)', () => {
    // Act
    const fromCli = settings({
      notificationEmails: 'a@example.com, b@example.com',
      archivalUseCases: 'fraud',
    });
    const fromJson = settings({
      notificationEmails: ['a@example.com'],
      archivalUseCases: '["fraud","churn"]',
    });

    // Assess
    expect(fromCli.notificationEmails).toEqual(['a@example.com', 'b@example.com']);
    expect(fromCli.operationsEmails).toEqual(['a@example.com', 'b@example.com']);
    expect(fromJson.notificationEmails).toEqual(['a@example.com']);
    expect(fromJson.archivalUseCases).toEqual(['fraud', 'churn']);
  });

  it('refuses values that would deploy something else than meant, naming the key and the value', () => {
    // Assess
    expect(() => settings({ environment: 'Prod' })).toThrow(/context environment "Prod"/);
    expect(() => settings({ notificationEmails: 'ml-team' })).toThrow(
      /notificationEmails: "ml-team" is not an email/,
    );
    expect(() => settings({ evaluatorArns: 'fraud-evaluator' })).toThrow(
      /evaluatorArns: "fraud-evaluator" is not a Lambda/,
    );
    expect(() =>
      settings({ slackWebhookSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:slack' }),
    ).toThrow(/complete ARN/);
  });
});
