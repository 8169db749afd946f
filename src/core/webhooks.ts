import { BlockList, isIP } from 'node:net';
import * as z from 'zod';
import { ValidationError } from './errors.js';
import { StageSchema } from './model.js';
import type { RegistryEvent } from './ports.js';

/**
 * Webhook subscriptions and their deliveries: a subscription says which registry events
 * (`model.promote`, `model.rollback` …, optionally of one use case, model or target stage)
 * go to which URL; a delivery is one event on its way to one subscription, written in the
 * same commit as the change it tells of (the outbox), so no event is lost between the
 * commit and the call.
 */

/** A subscription as stored (with the signing secret) and, without it, as listed. */
export const WebhookSchema = z.object({
  id: z.string(),
  url: z.string(),
  /** Event types (`model.promote`), or `*` for every event. */
  events: z.array(z.string()).min(1),
  useCase: z.string().nullable(),
  modelName: z.string().nullable(),
  stage: StageSchema.nullable(),
  allowPrivate: z.boolean(),
  status: z.enum(['active', 'deleted']),
  createdAt: z.string(),
  createdBy: z.string(),
  deletedAt: z.string().nullable(),
  deletedBy: z.string().nullable(),
});
export type Webhook = z.infer<typeof WebhookSchema>;

/** One try of a delivery: when, how it ended, and how long it took. */
export const DeliveryAttemptSchema = z.object({
  at: z.string(),
  status: z.number().int().nullable(),
  error: z.string().nullable(),
  durationMs: z.number().nonnegative(),
});
export type DeliveryAttempt = z.infer<typeof DeliveryAttemptSchema>;

/** The states of a delivery; `sending` is a claim that expires, so a crashed worker's delivery is retried. */
export const DELIVERY_STATUSES = ['pending', 'sending', 'delivered', 'failed'] as const;

/** A registry event on its way to one subscription, with its attempt log. */
export const WebhookDeliverySchema = z.object({
  id: z.string(),
  webhookId: z.string(),
  status: z.enum(DELIVERY_STATUSES),
  event: z.record(z.string(), z.unknown()),
  createdAt: z.string(),
  /** When the next attempt is due (pending), or until when a worker holds it (sending). */
  dueAt: z.string(),
  attempts: z.array(DeliveryAttemptSchema),
});
export type WebhookDelivery = z.infer<typeof WebhookDeliverySchema>;

/** How many attempts a delivery gets before it is kept as failed (re-sendable). */
export const MAX_ATTEMPTS = 8;
/** Most subscriptions a registry keeps active: each commit writes at most this many deliveries per event. */
export const MAX_ACTIVE_WEBHOOKS = 20;

/** Whether a subscription wants an event. */
export function wants(hook: Webhook, event: RegistryEvent): boolean {
  if (hook.status !== 'active') return false;
  if (!hook.events.includes('*') && !hook.events.includes(event.type)) return false;
  if (hook.useCase !== null && hook.useCase !== event.useCase) return false;
  if (hook.modelName !== null && hook.modelName !== event.modelName) return false;
  if (hook.stage !== null && hook.stage !== event.toStage) return false;
  return true;
}

/**
 * The body a subscriber receives, in the Standard Webhooks shape: `type`, `timestamp`
 * and the event as `data`.
 */
export function webhookPayload(event: RegistryEvent): {
  type: string;
  timestamp: string;
  data: RegistryEvent;
} {
  return { type: event.type, timestamp: event.at, data: event };
}

/**
 * The wait before attempt `attempt + 1`: exponential backoff with full jitter (AWS's
 * advice), at least what `Retry-After` asked for, never more than an hour.
 */
export function retryDelayMs(attempt: number, retryAfterMs: number | null, random: number): number {
  const cap = 60 * 60 * 1000;
  const backoff = Math.min(cap, 1000 * 2 ** Math.max(0, attempt - 1)) * random;
  return Math.min(cap, Math.max(backoff, retryAfterMs ?? 0));
}

/** Reads `Retry-After` as seconds or an HTTP date; null when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, now: Date): number | null {
  if (!value) return null;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? null : Math.max(0, at - now.getTime());
}

const PRIVATE = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], // "this network", 0.0.0.0
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, cloud metadata endpoints
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15], // benchmarking
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const) {
  PRIVATE.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 128], // unspecified
  ['::1', 128],
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['ff00::', 8], // multicast
  ['64:ff9b::', 96], // NAT64 of any IPv4 address
] as const) {
  PRIVATE.addSubnet(net, prefix, 'ipv6');
}

/**
 * Whether an address is on loopback, link-local, a private or reserved range (IPv4, IPv6,
 * and IPv4 inside IPv6), where a webhook could reach the registry's own network (SSRF).
 */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return PRIVATE.check(address, 'ipv4');
  if (family !== 6) return true;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return PRIVATE.check(mapped[1]!, 'ipv4');
  return PRIVATE.check(address, 'ipv6');
}

/** Checks a subscription URL's form: http or https, a host, no credentials in it. */
export function parseWebhookUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ValidationError(`webhook URL ${JSON.stringify(text)} is not a URL; write https://host/path.`, {
      field: 'url',
    });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ValidationError(
      `webhook URL ${JSON.stringify(text)} uses ${url.protocol.replace(/:$/, '')}; only http and https are allowed.`,
      { field: 'url' },
    );
  }
  if (url.username || url.password) {
    throw new ValidationError(
      'webhook URL carries credentials; remove them (deliveries are signed with the subscription secret).',
      { field: 'url' },
    );
  }
  return url;
}
