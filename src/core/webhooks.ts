import { createHmac } from 'node:crypto';
import { BlockList, isIP } from 'node:net';
import * as z from 'zod';
import { type AuditDraft, EVENT_TYPES, eventType, STAGE_ACTIONS } from './audit.js';
import { recordChange } from './change.js';
import type { Actor, Decision } from './decisions.js';
import { ConflictError, ValidationError } from './errors.js';
import { emptyHead, type ModelHead } from './head.js';
import { StageSchema } from './model.js';
import type { ChangeSet, RecordWrite, RegistryEvent, StoredRecord } from './ports.js';
import { WEBHOOKS_REF } from './streams.js';

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
  /** Where the current series of attempts starts in `attempts`: a redelivery starts a new one. */
  retriesFrom: z.number().int().nonnegative().optional(),
});
export type WebhookDelivery = z.infer<typeof WebhookDeliverySchema>;

/** How many attempts a delivery gets before it is kept as failed (re-sendable). */
export const MAX_ATTEMPTS = 8;
/** Most subscriptions a registry keeps active: each commit writes at most this many deliveries per event. */
export const MAX_ACTIVE_WEBHOOKS = 20;

export { WEBHOOKS_REF };

/** Where subscription records are listed from. */
export const WEBHOOK_SCOPE = 'webhooks';

/**
 * What the audit trail keeps of a subscription's URL: its origin and an HMAC-SHA256 of the
 * whole URL keyed by the subscription's secret, never the path or query, which often carry a
 * token (Slack, Teams, CI triggers) that an append-only trail could never forget. Keyed, so a
 * reader of the trail cannot confirm a guessed token; whoever holds the store (and so the
 * secret) can check which URL it was.
 */
export function auditedUrl(url: string, secret: string): { origin: string; urlHmacSha256: string } {
  return {
    origin: new URL(url).origin,
    urlHmacSha256: createHmac('sha256', secret).update(url).digest('hex'),
  };
}

function webhookRecord(hook: Webhook, secret: string): StoredRecord {
  return {
    kind: 'webhook',
    id: hook.id,
    scope: WEBHOOK_SCOPE,
    status: hook.status,
    doc: { ...hook, secret },
  };
}

/**
 * The active subscriptions (without secrets) are also kept in one index record, rewritten
 * by every create and delete in the same commit. A commit reads it with one strongly
 * consistent get to write its outbox: a subscription made a moment ago is never missed
 * (a listing by status reads an index that may lag), and the limit holds under races
 * (every change of it moves the webhooks stream's revision).
 */
export const WEBHOOK_INDEX_ID = 'active';

/** The active subscriptions as the index record holds them. */
export const WebhookIndexSchema = z.object({ hooks: z.array(WebhookSchema) });

/** The write of the index record: created on the first change, replaced after. */
function indexWrite(hooks: readonly Webhook[], exists: boolean): RecordWrite {
  return {
    record: {
      kind: 'webhook-index',
      id: WEBHOOK_INDEX_ID,
      scope: WEBHOOK_SCOPE,
      status: 'current',
      doc: { hooks: [...hooks] },
    },
    expect: exists ? { status: 'current' } : 'absent',
  };
}

/** The active subscriptions a change starts from, and whether the index record exists yet. */
export interface ActiveWebhooks {
  hooks: Webhook[];
  indexed: boolean;
}

function webhookDraft(
  action: 'webhook.create' | 'webhook.delete',
  hook: Webhook,
  secret: string,
  who: Actor,
): AuditDraft {
  return {
    at: who.now,
    actor: who.actor,
    action,
    version: null,
    fromStage: null,
    toStage: null,
    details: {
      webhookId: hook.id,
      ...auditedUrl(hook.url, secret),
      ...(action === 'webhook.create'
        ? {
            events: hook.events,
            useCase: hook.useCase,
            modelName: hook.modelName,
            stage: hook.stage,
            allowPrivate: hook.allowPrivate,
          }
        : {}),
    },
  };
}

/**
 * Subscribes: the record (with its secret), the index and the `webhook.create` event in one
 * commit on the webhooks stream, so two concurrent creates can neither both pass the limit
 * nor both subscribe the same URL to the same events.
 */
export function decideCreateWebhook(
  head: ModelHead | null,
  active: ActiveWebhooks,
  hook: Webhook,
  secret: string,
  who: Actor,
): Decision<Webhook> {
  if (active.hooks.length >= MAX_ACTIVE_WEBHOOKS) {
    throw new ConflictError(
      `a registry keeps at most ${MAX_ACTIVE_WEBHOOKS} active webhooks; delete one (modelreg webhooks delete --id …) first.`,
      { active: active.hooks.length, max: MAX_ACTIVE_WEBHOOKS },
    );
  }
  const same = active.hooks.find(
    (h) =>
      h.url === hook.url &&
      h.events.join(',') === hook.events.join(',') &&
      h.useCase === hook.useCase &&
      h.modelName === hook.modelName &&
      h.stage === hook.stage,
  );
  if (same) {
    throw new ConflictError(
      `webhook ${same.id} already sends these events to ${same.url}; each event would be delivered twice. Use it (its secret was shown when it was created), or delete it first (modelreg webhooks delete --id ${same.id}).`,
      { id: same.id },
    );
  }
  return {
    change: recordChange(
      WEBHOOKS_REF,
      head ?? emptyHead(WEBHOOKS_REF, who.now),
      [
        { record: webhookRecord(hook, secret), expect: 'absent' },
        indexWrite([...active.hooks, hook], active.indexed),
      ],
      [webhookDraft('webhook.create', hook, secret, who)],
      who.now,
    ),
    result: hook,
  };
}

/**
 * Writes the index of a registry whose subscriptions predate it (or that has none yet), so
 * later commits read one record instead of listing; null when the index exists. It moves
 * the stream's revision, so it cannot cross a concurrent create or delete. Not audited: the
 * index only restates the subscription records.
 */
export function decideIndexWebhooks(
  head: ModelHead | null,
  active: ActiveWebhooks,
  now: string,
): ChangeSet | null {
  if (active.indexed) return null;
  return recordChange(
    WEBHOOKS_REF,
    head ?? emptyHead(WEBHOOKS_REF, now),
    [indexWrite(active.hooks, false)],
    [],
    now,
  );
}

/**
 * Stops a subscription (audited `webhook.delete`); deleting a deleted one changes nothing.
 * Deliveries already in the outbox are still sent.
 */
export function decideDeleteWebhook(
  head: ModelHead | null,
  active: ActiveWebhooks,
  hook: Webhook,
  secret: string,
  who: Actor,
): Decision<Webhook & { alreadyDeleted?: true }> {
  if (hook.status !== 'active') return { change: null, result: { ...hook, alreadyDeleted: true } };
  const deleted: Webhook = { ...hook, status: 'deleted', deletedAt: who.now, deletedBy: who.actor };
  return {
    change: recordChange(
      WEBHOOKS_REF,
      head ?? emptyHead(WEBHOOKS_REF, who.now),
      [
        { record: webhookRecord(deleted, secret), expect: { status: 'active' } },
        indexWrite(
          active.hooks.filter((h) => h.id !== hook.id),
          active.indexed,
        ),
      ],
      [webhookDraft('webhook.delete', deleted, secret, who)],
      who.now,
    ),
    result: deleted,
  };
}

/**
 * Checks the event types a subscription asks for: each a type the registry publishes
 * (`model.promote`), a family of them (`model.approval.*`), or `*` for all. A type the
 * registry never publishes would subscribe to nothing, so it is refused with the nearest name.
 */
export function validateEventTypes(names: readonly string[]): string[] {
  if (names.includes('*') && names.some((n) => n !== '*')) {
    throw new ValidationError('`*` already takes every event: give * alone, or list the event types.', {
      field: 'events',
    });
  }
  for (const name of names) {
    if (name === '*') continue;
    if (name.endsWith('.*')) {
      const prefix = name.slice(0, -1);
      if (EVENT_TYPES.some((t) => t.startsWith(prefix))) continue;
    } else if (EVENT_TYPES.includes(name)) continue;
    const prefixed =
      EVENT_TYPES.includes(`model.${name}`) ||
      (name.endsWith('.*') && EVENT_TYPES.some((t) => t.startsWith(`model.${name.slice(0, -1)}`)));
    throw new ValidationError(
      `the registry publishes no event ${JSON.stringify(name)}${prefixed ? `; did you mean model.${name}?` : '.'} Event types: ${EVENT_TYPES.join(', ')}; a family such as model.approval.*; or * for all.`,
      { field: 'events', value: name },
    );
  }
  return [...new Set(names)].sort();
}

/** The event types that move a version into a stage: the only ones a `--stage` filter can match. */
export const STAGE_EVENT_TYPES: readonly string[] = STAGE_ACTIONS.map(eventType);

/** Refuses a stage filter on event types that never move a version: it would never match. */
export function validateStageFilter(events: readonly string[], stage: string | null): void {
  if (stage === null) return;
  if (events.some((e) => STAGE_EVENT_TYPES.some((t) => takes([e], t)))) return;
  throw new ValidationError(
    `--stage ${stage} only matches events that move a version (${STAGE_EVENT_TYPES.join(', ')}); ${events.join(', ')} never does, so the subscription would receive nothing. Drop --stage or add such an event.`,
    { field: 'stage' },
  );
}

/** Whether a subscription's event list takes an event type (exactly, by family, or `*`). */
function takes(events: readonly string[], type: string): boolean {
  return events.some((e) => e === '*' || e === type || (e.endsWith('.*') && type.startsWith(e.slice(0, -1))));
}

/** Whether a subscription wants an event. */
export function wants(hook: Webhook, event: RegistryEvent): boolean {
  if (hook.status !== 'active') return false;
  if (!takes(hook.events, event.type)) return false;
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
  ['::', 96], // unspecified, loopback, and IPv4-compatible (::a.b.c.d, deprecated) addresses
  ['::ffff:0:0:0', 96], // IPv4-translated (SIIT)
  ['100::', 64], // discard-only
  ['2001::', 32], // Teredo: an IPv4 address (XORed) inside
  ['2001:db8::', 32], // documentation
  ['2002::', 16], // 6to4: any IPv4 address, private ones included, inside
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['ff00::', 8], // multicast
  ['64:ff9b::', 96], // NAT64 of any IPv4 address
] as const) {
  PRIVATE.addSubnet(net, prefix, 'ipv6');
}

const LINK_LOCAL = new BlockList();
LINK_LOCAL.addSubnet('169.254.0.0', 16, 'ipv4'); // cloud instance metadata, ECS task credentials
LINK_LOCAL.addSubnet('fe80::', 10, 'ipv6');
LINK_LOCAL.addAddress('fd00:ec2::254', 'ipv6'); // the EC2 metadata service over IPv6

/**
 * Whether an address is link-local or a cloud metadata endpoint: never a webhook destination,
 * even with --allow-private (a webhook there could hand the registry's credentials out).
 */
export function isMetadataAddress(address: string): boolean {
  return onList(LINK_LOCAL, address, false);
}

/**
 * Whether an address is on loopback, link-local, a private or reserved range (IPv4, IPv6,
 * and IPv4 inside IPv6), where a webhook could reach the registry's own network (SSRF).
 */
export function isPrivateAddress(address: string): boolean {
  return onList(PRIVATE, address, true);
}

/**
 * Whether an address is on a list, IPv4 inside IPv6 (`::ffff:a.b.c.d`) checked as IPv4;
 * `otherwise` answers for what is not an IP address at all.
 */
function onList(list: BlockList, address: string, otherwise: boolean): boolean {
  const family = isIP(address);
  if (family === 4) return list.check(address, 'ipv4');
  if (family !== 6) return otherwise;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped ? list.check(mapped[1]!, 'ipv4') : list.check(address, 'ipv6');
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
  url.hash = ''; // a fragment is never sent to the server
  return url;
}
