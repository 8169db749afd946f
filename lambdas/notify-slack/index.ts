/**
 * SNS subscriber: turns each registry event into a Slack Block Kit message and posts it
 * to the webhook (URL from Secrets Manager, or MODELREG_SLACK_WEBHOOK_URL). Approval
 * requests get approve/reject buttons as signed links to the approval API. What still
 * fails after the notifier's retries throws, so Lambda retries and then the
 * subscription's dead-letter queue keeps it.
 */
import type { SNSEvent } from 'aws-lambda';
import { SlackNotifier } from '../../src/adapters/slack/slack-notifier.js';
import { approvalSecret } from '../../src/app/approval-secret.js';
import { eventDecisionLinks } from '../../src/core/approval-links.js';
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

export const handler = async (event: SNSEvent): Promise<{ posted: number }> => {
  const events = event.Records.map((r) => JSON.parse(r.Sns.Message) as RegistryEvent);
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
