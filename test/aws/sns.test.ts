/**
 * Notifications as SNS subscribers get them (moto's SNS delivering to SQS): the raw
 * `default` JSON, the SNS envelope with its subject and message attributes, a filter
 * policy on those attributes, and the `email` text of the SnsNotifier's messages.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SnsNotifier } from '../../src/adapters/aws/sns-notifier.js';
import type { Registry } from '../../src/app/registry.js';
import type { ModelRef } from '../../src/core/model.js';
import type { RegistryEvent } from '../../src/core/ports.js';
import { type AwsBackend, makeAwsBackend } from '../support/aws-backend.js';

/** The SNS envelope an SQS subscriber without raw delivery receives. */
interface Envelope {
  Type: string;
  TopicArn: string;
  Subject?: string;
  Message: string;
  MessageAttributes?: Record<string, { Type: string; Value: string }>;
}

const PRODUCTION_ONLY = { eventType: ['model.promote'], stage: ['production'] };

describe('SnsNotifier on moto, delivering to SQS', () => {
  let backend: AwsBackend;
  let registry: Registry;
  let work: string;
  let ref: ModelRef;
  let queues: { envelope: string; filtered: string };
  /** What each queue received during the scenario, in order. */
  let received: { raw: string[]; envelope: string[]; filtered: string[] };
  let rawEvents: RegistryEvent[];

  /** Every message body in a queue, deleting them as they are read. */
  async function drain(queueUrl: string): Promise<string[]> {
    const bodies: string[] = [];
    for (;;) {
      const out = await backend.sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
      );
      const messages = out.Messages ?? [];
      if (messages.length === 0) return bodies;
      bodies.push(...messages.map((m) => m.Body!));
      await backend.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
        }),
      );
    }
  }

  /** A new queue subscribed to the topic with the given subscription attributes. */
  async function subscribedQueue(label: string, attributes: Record<string, string>): Promise<string> {
    const queue = await backend.sqs.send(
      new CreateQueueCommand({ QueueName: `${label}-${randomUUID().slice(0, 8)}` }),
    );
    const arn = await backend.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queue.QueueUrl!, AttributeNames: ['QueueArn'] }),
    );
    await backend.clients.sns.send(
      new SubscribeCommand({
        TopicArn: backend.config.topicArn,
        Protocol: 'sqs',
        Endpoint: arn.Attributes!.QueueArn!,
        Attributes: attributes,
      }),
    );
    return queue.QueueUrl!;
  }

  async function artifact(): Promise<string> {
    const path = join(work, `${randomUUID()}.bin`);
    await writeFile(path, `weights ${randomUUID()}\n`);
    return path;
  }

  async function toProduction(version: string): Promise<void> {
    await registry.promote({ ...ref, version, to: 'staging' });
    await registry.promote({ ...ref, version, to: 'production' });
  }

  beforeAll(async () => {
    // Prepare: a raw queue (from the backend), an envelope queue and a filtered queue, then a
    // lifecycle: 1.0.0 and 1.0.1 each to production (the second archives the first), and a rollback
    backend = await makeAwsBackend();
    queues = {
      envelope: await subscribedQueue('envelope', {}),
      filtered: await subscribedQueue('filtered', {
        RawMessageDelivery: 'true',
        FilterPolicy: JSON.stringify(PRODUCTION_ONLY),
      }),
    };
    registry = backend.registry({ actor: 'sns-tester' });
    work = await mkdtemp(join(tmpdir(), 'modelreg-sns-'));
    ref = { useCase: 'notify', modelName: 'churn' };
    await registry.register({ ...ref, artifactPath: await artifact(), metrics: { auc: 0.81 } });
    await toProduction('1.0.0');
    await registry.register({ ...ref, artifactPath: await artifact(), metrics: { auc: 0.86 } });
    await toProduction('1.0.1');
    await registry.rollback({ ...ref, reason: 'latency regression' });
    received = {
      raw: await drain(backend.queueUrl),
      envelope: await drain(queues.envelope),
      filtered: await drain(queues.filtered),
    };
    rawEvents = received.raw.map((b) => JSON.parse(b) as RegistryEvent);
  });

  afterAll(async () => {
    await registry?.close();
    await backend?.cleanup();
    if (work) await rm(work, { recursive: true, force: true });
  });

  describe('raw delivery', () => {
    it('delivers every committed change as the default JSON of its event, in audit order', async () => {
      // Act
      const trail = await registry.auditTrail({ ...ref, limit: 1000 });

      // Assess
      expect(rawEvents.map((e) => [e.type, e.version, e.toStage])).toEqual([
        ['model.register', '1.0.0', 'development'],
        ['model.promote', '1.0.0', 'staging'],
        ['model.promote', '1.0.0', 'production'],
        ['model.register', '1.0.1', 'development'],
        ['model.promote', '1.0.1', 'staging'],
        ['model.promote', '1.0.1', 'production'],
        ['model.supersede', '1.0.0', 'superseded'],
        ['model.rollback', '1.0.0', 'production'],
        ['model.archive', '1.0.1', 'archived'],
      ]);
      expect(rawEvents.map((e) => [e.type, e.seq, e.at, e.actor])).toEqual(
        trail.items.map((a) => [`model.${a.action}`, a.seq, a.at, a.actor]),
      );
      for (const e of rawEvents) expect(e).toMatchObject({ ...ref, actor: 'sns-tester' });
    });

    it('sends the event JSON itself, not the SNS envelope nor the email text', () => {
      // Assess
      for (const [i, body] of received.raw.entries()) {
        expect(body).toBe(JSON.stringify(rawEvents[i]));
        expect(Object.keys(JSON.parse(body))).not.toContain('Type');
        expect(body).not.toContain('Model Promotion Completed');
      }
    });
  });

  describe('envelope delivery (no raw delivery)', () => {
    it('wraps each event in an SNS Notification whose Message is the default JSON', () => {
      // Act
      const envelopes = received.envelope.map((b) => JSON.parse(b) as Envelope);

      // Assess
      expect(envelopes).toHaveLength(rawEvents.length);
      for (const [i, e] of envelopes.entries()) {
        expect(e.Type).toBe('Notification');
        expect(e.TopicArn).toBe(backend.config.topicArn);
        expect(JSON.parse(e.Message)).toEqual(rawEvents[i]);
      }
    });

    it('carries the subject "[modelreg] <Title>: <model>" of each event type', () => {
      // Act
      const subjects = received.envelope.map((b) => (JSON.parse(b) as Envelope).Subject);

      // Assess
      expect(subjects).toEqual([
        '[modelreg] Model Registered: churn',
        '[modelreg] Model Promoted: churn',
        '[modelreg] Model Promoted: churn',
        '[modelreg] Model Registered: churn',
        '[modelreg] Model Promoted: churn',
        '[modelreg] Model Promoted: churn',
        '[modelreg] Model Superseded: churn',
        '[modelreg] Model Rolled Back: churn',
        '[modelreg] Model Archived: churn',
      ]);
    });

    it('carries the message attributes eventType, useCase, modelName and stage', () => {
      // Act
      const attributes = received.envelope.map((b) => (JSON.parse(b) as Envelope).MessageAttributes);

      // Assess
      const promotion = attributes[5];
      expect(promotion).toEqual({
        eventType: { Type: 'String', Value: 'model.promote' },
        useCase: { Type: 'String', Value: 'notify' },
        modelName: { Type: 'String', Value: 'churn' },
        stage: { Type: 'String', Value: 'production' },
      });
      expect(attributes.map((a) => [a?.eventType?.Value, a?.stage?.Value])).toEqual(
        rawEvents.map((e) => [e.type, e.toStage]),
      );
    });
  });

  describe('filter policy on message attributes', () => {
    it('gives a queue filtering on eventType model.promote and stage production only the production promotions', () => {
      // Act
      const events = received.filtered.map((b) => JSON.parse(b) as RegistryEvent);

      // Assess: not the staging promotions, not the archives, not the rollback to production
      expect(events.map((e) => [e.type, e.version, e.fromStage, e.toStage])).toEqual([
        ['model.promote', '1.0.0', 'staging', 'production'],
        ['model.promote', '1.0.1', 'staging', 'production'],
      ]);
    });
  });

  describe('subjects on the wire', () => {
    it('delivers a model with a 128-character name with its subject capped at 100 characters', async () => {
      // Prepare
      const long = { useCase: 'notify', modelName: `m${'x'.repeat(127)}` };

      // Act
      await registry.register({ ...long, artifactPath: await artifact() });
      const bodies = await drain(queues.envelope);

      // Assess
      const subject = (JSON.parse(bodies.at(-1)!) as Envelope).Subject!;
      expect(bodies).toHaveLength(1);
      expect(subject).toHaveLength(100);
      expect(`[modelreg] Model Registered: ${long.modelName}`.startsWith(subject)).toBe(true);
      await drain(backend.queueUrl);
    });
  });

  describe('message()', () => {
    const notifier = new SnsNotifier({} as never, {
      topicArn: 'arn:aws:sns:us-east-1:123456789012:t',
      environment: 'test',
    });
    const email = (e: RegistryEvent) => JSON.parse(notifier.message(e).Message).email as string;
    const productionPromotion = (version: string) =>
      rawEvents.find(
        (e) => e.type === 'model.promote' && e.toStage === 'production' && e.version === version,
      )!;

    it('writes the reference promotion text for a production promotion that replaced a version', () => {
      // Prepare
      const event = productionPromotion('1.0.1');

      // Act
      const lines = email(event).split('\n');

      // Assess
      expect(lines).toEqual([
        'Model Promotion Completed',
        '',
        'Model: churn',
        'New Production Version: 1.0.1',
        'Previous Version: 1.0.0',
        'Comparison Confidence: not measured (no comparison with production)',
        'Environment: test',
        '',
        'Use case: notify',
        `Promoted by: sns-tester at ${event.at}`,
      ]);
    });

    it('says "Previous Version: none" for the first production version', () => {
      // Act
      const lines = email(productionPromotion('1.0.0')).split('\n');

      // Assess
      expect(lines.slice(0, 7)).toEqual([
        'Model Promotion Completed',
        '',
        'Model: churn',
        'New Production Version: 1.0.0',
        'Previous Version: none',
        'Comparison Confidence: not measured (no comparison with production)',
        'Environment: test',
      ]);
    });

    it('shows a comparison confidence given in the event details as a percentage', () => {
      // Prepare
      const event = {
        ...productionPromotion('1.0.1'),
        details: { archivedVersion: '1.0.0', confidence: 0.9534 },
      };

      // Act
      const lines = email(event).split('\n');

      // Assess
      expect(lines[5]).toBe('Comparison Confidence: 95.3%');
    });

    it('publishes the event as default JSON and the text as email, with MessageStructure json', () => {
      // Prepare
      const event = rawEvents[0]!;

      // Act
      const input = notifier.message(event);

      // Assess
      expect(input.MessageStructure).toBe('json');
      expect(input.TopicArn).toBe('arn:aws:sns:us-east-1:123456789012:t');
      expect(Object.keys(JSON.parse(input.Message)).sort()).toEqual(['default', 'email']);
      expect(JSON.parse(JSON.parse(input.Message).default)).toEqual(event);
    });

    it('titles every event type in the subject and the first line of its text', () => {
      // Prepare
      const base = rawEvents[0]!;
      const titles: Record<string, string> = {
        'model.register': 'Model Registered',
        'model.promote': 'Model Promoted',
        'model.demote': 'Model Demoted',
        'model.archive': 'Model Archived',
        'model.supersede': 'Model Superseded',
        'model.rollback': 'Model Rolled Back',
        'model.alias.set': 'Model Alias Moved',
        'model.alias.remove': 'Model Alias Removed',
        'model.policy.set': 'Model Policy Changed',
      };

      // Act
      const out = Object.keys(titles).map((type) => {
        const m = notifier.message({ ...base, type, toStage: type === 'model.promote' ? 'staging' : null });
        return [type, m.Subject, email({ ...base, type, toStage: null }).split('\n')[0]];
      });

      // Assess
      expect(out).toEqual(
        Object.entries(titles).map(([type, title]) => [type, `[modelreg] ${title}: churn`, title]),
      );
    });

    it('writes the archived version of a rollback and the reason into its text', () => {
      // Prepare
      const rollback = rawEvents.find((e) => e.type === 'model.rollback')!;

      // Act
      const lines = email(rollback).split('\n');

      // Assess
      expect(lines).toEqual([
        'Model Rolled Back',
        '',
        'Model: churn',
        'Use case: notify',
        'Version: 1.0.0',
        'Stage: superseded → production',
        'Archived Version: 1.0.1',
        'Reason: latency regression',
        'Environment: test',
        `By: sns-tester at ${rollback.at}`,
      ]);
    });

    it('leaves out the stage attribute of an event without a target stage (SNS refuses empty attributes)', () => {
      // Prepare
      const aliasSet = { ...rawEvents[0]!, type: 'model.alias.set', toStage: null, fromStage: null };

      // Act
      const attributes = notifier.message(aliasSet).MessageAttributes;

      // Assess
      expect(Object.keys(attributes).sort()).toEqual(['eventType', 'modelName', 'useCase']);
    });
  });
});
