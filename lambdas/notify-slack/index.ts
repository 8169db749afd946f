/**
 * SNS subscriber: turns each registry event into a Slack Block Kit message and posts it
 * to the webhook (URL from Secrets Manager, or MODELREG_SLACK_WEBHOOK_URL). Approval
 * requests get approve/reject buttons as signed links to the approval API. What still
 * fails after the notifier's retries throws, so Lambda retries and then the
 * subscription's dead-letter queue keeps it.
 */
import type { SNSEvent } from 'aws-lambda';
import * as z from 'zod';
import { SlackNotifier } from '../../src/adapters/slack/slack-notifier.js';
import { approvalSecret } from '../../src/app/approval-secret.js';
import { parseInput } from '../../src/app/inputs.js';
import { eventDecisionLinks } from '../../src/core/approval-links.js';
import { ValidationError } from '../../src/core/errors.js';
import { StageSchema } from '../../src/core/model.js';
import type { RegistryEvent } from '../../src/core/ports.js';
import { logger, metrics } from '../shared/telemetry.js';

let webhook: Promise<string> | undefined;

async function webhookUrl(): Promise<string> {
  if (process.env.MODELREG_SLACK_WEBHOOK_URL) return process.env.MODELREG_SLACK_WEBHOOK_URL;
  const arn = process.env.MODELREG_SLACK_WEBHOOK_SECRET_ARN;
  if (!arn) throw new Error('set MODELREG_SLACK_WEBHOOK_SECRET_ARN (or MODELREG_SLACK_WEBHOOK_URL)');
  webhook ??= (async () => {
    const { SecretsManagerClient, GetSecretValueCommand } = await import('@aws-sdk/client-secrets-manager');
    const out = await new SecretsManagerClient({}).send(new GetSecretValueCommand({ SecretId: arn }));
    return out.SecretString ?? '';
  })();
  return webhook;
}

/** What SNS delivers: each record's message is one registry event as JSON. */
const SnsEventSchema = z.object({
  Records: z.array(z.object({ Sns: z.object({ Message: z.string() }) }), {
    error: 'an SNS event has Records: [{ Sns: { Message } }]',
  }),
});
const RegistryEventSchema = z.object({
  type: z.string().min(1),
  useCase: z.string().min(1),
  modelName: z.string().min(1),
  seq: z.number().int().nonnegative(),
  at: z.string(),
  actor: z.string(),
  version: z.string().nullable(),
  fromStage: StageSchema.nullable(),
  toStage: StageSchema.nullable(),
  details: z.record(z.string(), z.unknown()),
});

/** Parses every message, naming the record that is not a registry event. */
function registryEvents(event: unknown): RegistryEvent[] {
  const { Records } = parseInput(SnsEventSchema, event);
  return Records.map((r, i) => {
    let message: unknown;
    try {
      message = JSON.parse(r.Sns.Message);
    } catch (e) {
      throw new ValidationError(`Records[${i}].Sns.Message is not JSON: ${(e as Error).message}`);
    }
    return parseInput(RegistryEventSchema, message) as RegistryEvent;
  });
}

export const handler = async (event: SNSEvent): Promise<{ posted: number }> => {
  const events = registryEvents(event);
  const secret = await approvalSecret();
  const base = process.env.MODELREG_APPROVAL_API_URL;
  const notifier = new SlackNotifier({
    webhookUrl: await webhookUrl(),
    environment: process.env.MODELREG_ENVIRONMENT ?? 'dev',
    linksFor: (e) => (base ? eventDecisionLinks(base, secret, e) : null),
  });
  try {
    await notifier.publish(events);
    metrics.addMetric('slackPosted', 'Count', events.length);
    return { posted: events.length };
  } catch (e) {
    metrics.addMetric('slackFailed', 'Count', events.length);
    logger.error('slack delivery failed', e as Error);
    throw e;
  } finally {
    metrics.publishStoredMetrics();
  }
};
