import { readFileSync } from 'node:fs';
import type { SNSClient } from '@aws-sdk/client-sns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SnsNotifier } from '../../src/adapters/aws/sns-notifier.js';
import { RegisterInputSchema } from '../../src/app/steps.js';
import type { RegistryEvent } from '../../src/core/ports.js';
import {
  applyInputTransformer,
  applyPipeTemplate,
  matchesPattern,
  passesFilterPolicy,
  valueAt,
} from './eventbridge.js';
import { logicalIdOf, resourcesOf, type SynthesizedApp, synthesizeApp } from './synth-app.js';

type Json = Record<string, unknown>;

const fixture = (name: string): Json =>
  JSON.parse(readFileSync(new URL(`../events/${name}.json`, import.meta.url), 'utf8')) as Json;

interface RuleTarget {
  Arn: unknown;
  InputPath?: string;
  InputTransformer?: { InputPathsMap: Record<string, string>; InputTemplate: string };
  DeadLetterConfig?: { Arn: unknown };
}

interface Rule {
  EventPattern: Json;
  Targets: RuleTarget[];
}

let synth: SynthesizedApp;

afterAll(() => synth?.dispose());

beforeAll(() => {
  synth = synthesizeApp();
});

describe('what starts the promotion workflow', () => {
  let rules: Record<'sagemaker' | 'modelreg', Rule>;
  let promotion: string;

  beforeAll(() => {
    const all = resourcesOf(synth.statelessJson, 'AWS::Events::Rule').map(
      ([, r]) => r.Properties as unknown as Rule,
    );
    const bySource = (source: string) => {
      const rule = all.find((r) => (r.EventPattern.source as string[]).includes(source));
      if (!rule) throw new Error(`no rule for ${source}`);
      return rule;
    };
    rules = { sagemaker: bySource('aws.sagemaker'), modelreg: bySource('modelreg') };
    promotion = logicalIdOf(synth.stacks.stateless.stateMachines.promotion);
  });

  describe('a SageMaker "Training Job State Change"', () => {
    it('matches when the job completed with the modelreg tags', () => {
      // Prepare
      const event = fixture('sagemaker-training-completed');

      // Assess
      expect(matchesPattern(rules.sagemaker.EventPattern, event)).toBe(true);
    });

    it('does not match a failed job, nor a job without the modelreg tags', () => {
      // Prepare
      const event = fixture('sagemaker-training-completed');
      const detail = event.detail as Json;
      const failed = { ...event, detail: { ...detail, TrainingJobStatus: 'Failed' } };
      const untagged = { ...event, detail: { ...detail, Tags: { team: 'risk' } } };
      const withoutCodeVersion = {
        ...event,
        detail: { ...detail, Tags: { ...(detail.Tags as Json), 'modelreg-codeVersion': undefined } },
      };

      // Assess
      expect(matchesPattern(rules.sagemaker.EventPattern, failed)).toBe(false);
      expect(matchesPattern(rules.sagemaker.EventPattern, untagged)).toBe(false);
      expect(matchesPattern(rules.sagemaker.EventPattern, withoutCodeVersion)).toBe(false);
    });

    it('starts the promotion workflow with its documented input (RegisterInputSchema)', () => {
      // Prepare
      const event = fixture('sagemaker-training-completed');
      const [target] = rules.sagemaker.Targets;

      // Act
      const input = RegisterInputSchema.parse(
        JSON.parse(
          applyInputTransformer(target?.InputTransformer ?? { InputPathsMap: {}, InputTemplate: '' }, event),
        ),
      );

      // Assess
      expect(target?.Arn).toEqual({ Ref: promotion });
      expect(input).toEqual({
        useCase: 'fraud',
        modelName: 'FraudRiskModel',
        artifactUri:
          's3://ml-training-output-123456789012/fraud/fraud-risk-2024-06-01-12-30-00/output/model.tar.gz',
        runId: 'fraud-risk-2024-06-01-12-30-00',
        datasetVersion: 'transactions-2024-06-01',
        codeVersion: 'git:3f9c2ab',
        requestedBy: 'sagemaker',
        metrics: {},
        metadata: {},
        tags: {},
      });
    });

    it('reads only paths an input transformer can read (letters, digits, -, _ and / in keys)', () => {
      // Prepare
      const paths = Object.values(rules.sagemaker.Targets[0]?.InputTransformer?.InputPathsMap ?? {});

      // Assess
      expect(paths.length).toBe(6);
      for (const path of paths) {
        expect(path).toMatch(/^\$(\.[A-Za-z0-9_\-/]+)+$/);
        expect(valueAt(fixture('sagemaker-training-completed'), path), path).toBeDefined();
      }
    });
  });

  describe('a modelreg TrainingCompleted event', () => {
    it('starts the promotion workflow with its detail, which is the documented input', () => {
      // Prepare
      const detail = fixture('training-completed');
      const event = {
        version: '0',
        id: '0d9b1c52-7f0a-4c3e-9a51-3b8f1f1b2a77',
        'detail-type': 'TrainingCompleted',
        source: 'modelreg',
        account: '123456789012',
        time: '2024-06-01T13:05:42Z',
        region: 'eu-west-1',
        resources: [],
        detail,
      };
      const [target] = rules.modelreg.Targets;

      // Act
      const input = RegisterInputSchema.parse(valueAt(event, target?.InputPath ?? '$'));

      // Assess
      expect(matchesPattern(rules.modelreg.EventPattern, event)).toBe(true);
      expect(
        matchesPattern(rules.modelreg.EventPattern, { ...event, 'detail-type': 'TrainingStarted' }),
      ).toBe(false);
      expect(target?.Arn).toEqual({ Ref: promotion });
      expect(input).toEqual(RegisterInputSchema.parse(detail));
      expect(input.metrics).toEqual({ auc: 0.91, f1: 0.84 });
    });
  });

  it('sends what the rules could not deliver to the dead-letter queue', () => {
    // Prepare
    const dlq = logicalIdOf(synth.stacks.stateless.deadLetterQueue);

    // Assess
    for (const rule of Object.values(rules)) {
      expect(rule.Targets[0]?.DeadLetterConfig).toEqual({ Arn: { 'Fn::GetAtt': [dlq, 'Arn'] } });
    }
  });
});

describe('ModelVersionPromoted', () => {
  const notifier = new SnsNotifier({} as SNSClient, { topicArn: 'arn:aws:sns:eu-west-1:123456789012:t' });
  const promoted: RegistryEvent = {
    type: 'model.promote',
    useCase: 'fraud',
    modelName: 'FraudRiskModel',
    seq: 12,
    at: '2024-06-01T14:00:00.000Z',
    actor: 'alice',
    version: '1.4.0',
    fromStage: 'staging',
    toStage: 'production',
    details: { archivedVersion: '1.3.0', confidence: 0.97 },
  };

  it('carries the registry promotion event, as published, as its detail', () => {
    // Prepare
    const subscription = resourcesOf(synth.statelessJson, 'AWS::SNS::Subscription').find(
      ([, s]) => s.Properties.Protocol === 'sqs',
    )?.[1].Properties as { FilterPolicy: Record<string, unknown[]>; RawMessageDelivery: boolean };
    const pipe = resourcesOf(synth.statelessJson, 'AWS::Pipes::Pipe')[0]?.[1].Properties as {
      TargetParameters: { InputTemplate: string };
    };
    const message = notifier.message(promoted);
    // raw delivery of a MessageStructure=json message: the body is its default message
    const body = (JSON.parse(message.Message) as { default: string }).default;

    // Act
    const detail = applyPipeTemplate(pipe.TargetParameters.InputTemplate, { body });

    // Assess
    expect(subscription.RawMessageDelivery).toBe(true);
    expect(passesFilterPolicy(subscription.FilterPolicy, message.MessageAttributes)).toBe(true);
    expect(detail).toEqual(promoted);
  });

  it('is not sent for other registry events', () => {
    // Prepare
    const subscription = resourcesOf(synth.statelessJson, 'AWS::SNS::Subscription').find(
      ([, s]) => s.Properties.Protocol === 'sqs',
    )?.[1].Properties as { FilterPolicy: Record<string, unknown[]> };

    // Act
    const archived = notifier.message({ ...promoted, type: 'model.archive', toStage: 'archived' });

    // Assess
    expect(passesFilterPolicy(subscription.FilterPolicy, archived.MessageAttributes)).toBe(false);
  });
});
