/**
 * The webhook worker on AWS: run every minute by EventBridge Scheduler, it sends the
 * deliveries that commits wrote to the outbox (a thin adapter over Webhooks.drain). A run
 * that fails goes to the stack's dead-letter queue after the schedule's retries; deliveries
 * it did not finish stay pending (or their claim expires) and the next run sends them.
 */
import * as z from 'zod';
import { step } from '../shared/runtime.js';

const WebhooksRunSchema = z.object({ limit: z.number().int().min(1).max(1000).optional() }).passthrough();

export const handler = step('webhooks', WebhooksRunSchema, (registry, input) =>
  registry.webhooks().drain(input.limit !== undefined ? { limit: input.limit } : {}),
);
