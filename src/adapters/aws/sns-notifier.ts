import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { DeliveryError } from '../../core/errors.js';
import { eventSubject, eventText } from '../../core/messages.js';
import type { Notifier, RegistryEvent } from '../../core/ports.js';

/** Options of the SNS notifier. */
export interface SnsNotifierOptions {
  topicArn: string;
  /** Shown in messages (`Environment: prod`). @default 'dev' */
  environment?: string;
  /** Starts every subject (`[TradAI]` in the reference). @default '[modelreg]' */
  subjectPrefix?: string;
  /** Approve/reject links for approval requests (signed, expiring), when an approval API exists. */
  linksFor?: (event: RegistryEvent) => Promise<{ approve: string; reject: string } | null>;
}

/**
 * Publishes each registry event to an SNS topic with `MessageStructure: json`: the
 * `default` message is the event as JSON (for Lambda, SQS and HTTP subscribers), the
 * `email` message is readable text. Message attributes `eventType`, `useCase`,
 * `modelName` and `stage` let subscribers filter with SNS filter policies. Transient
 * failures are retried by the SDK's retry strategy; what still fails is thrown, and the
 * registry records it as undelivered.
 */
export class SnsNotifier implements Notifier {
  constructor(
    private readonly sns: SNSClient,
    private readonly options: SnsNotifierOptions,
  ) {}

  /** The PublishCommand input of one event (exposed for tests and for re-sending). */
  message(e: RegistryEvent, links: { approve: string; reject: string } | null = null) {
    const text = eventText(e, this.options.environment ?? 'dev', links);
    const attr = (value: string) => ({ DataType: 'String', StringValue: value });
    return {
      TopicArn: this.options.topicArn,
      Subject: eventSubject(e, this.options.subjectPrefix),
      MessageStructure: 'json',
      Message: JSON.stringify({ default: JSON.stringify(e), email: text }),
      MessageAttributes: {
        eventType: attr(e.type),
        useCase: attr(e.useCase),
        modelName: attr(e.modelName),
        ...(e.toStage ? { stage: attr(e.toStage) } : {}),
      },
    };
  }

  async publish(events: readonly RegistryEvent[]): Promise<void> {
    const failed: RegistryEvent[] = [];
    let lastError: unknown;
    for (const e of events) {
      try {
        const links = this.options.linksFor ? await this.options.linksFor(e) : null;
        await this.sns.send(new PublishCommand(this.message(e, links)));
      } catch (error) {
        failed.push(e);
        lastError = error;
      }
    }
    if (failed.length > 0) {
      throw new DeliveryError(
        `SNS publish failed for ${failed.length} of ${events.length} events: ${(lastError as Error)?.message ?? lastError}`,
        failed,
      );
    }
  }
}
