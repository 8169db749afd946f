/**
 * Webhook subscriptions, the outbox of deliveries every commit writes, and the worker that
 * sends them: signed by the Standard Webhooks scheme, retried with backoff, refused on
 * private networks unless a subscription allows them.
 */
import { randomBytes } from 'node:crypto';
import { lookup as dnsLookup } from 'node:dns/promises';
import * as http from 'node:http';
import * as https from 'node:https';
import type { LookupFunction } from 'node:net';
import { Webhook as Signer } from 'standardwebhooks';
import * as z from 'zod';
import type { Actor, Decision } from '../core/decisions.js';
import {
  ConcurrentModificationError,
  ConflictError,
  NotFoundError,
  ValidationError,
} from '../core/errors.js';
import { StageSchema } from '../core/model.js';
import type {
  ChangeSet,
  Clock,
  Page,
  PageRequest,
  RecordWrite,
  RegistryEvent,
  RegistryStore,
  StoredRecord,
} from '../core/ports.js';
import {
  type ActiveWebhooks,
  type DeliveryAttempt,
  decideCreateWebhook,
  decideDeleteWebhook,
  decideIndexWebhooks,
  isMetadataAddress,
  isPrivateAddress,
  MAX_ACTIVE_WEBHOOKS,
  MAX_ATTEMPTS,
  parseRetryAfter,
  parseWebhookUrl,
  retryDelayMs,
  validateEventTypes,
  validateStageFilter,
  WEBHOOK_INDEX_ID,
  WEBHOOK_SCOPE,
  WEBHOOKS_REF,
  type Webhook,
  type WebhookDelivery,
  WebhookDeliverySchema,
  WebhookIndexSchema,
  WebhookSchema,
  wants,
  webhookPayload,
} from '../core/webhooks.js';
import { timeOrderedId } from './ids.js';
import { ActorName, ModelName, parseInput, UseCase } from './inputs.js';

/** A destination refused because it resolves to a private, loopback or link-local address. */
export class WebhookDestinationError extends ValidationError {
  override readonly name = 'WebhookDestinationError';
}

/** How long a worker holds a delivery it is sending before another may take it over. */
const LEASE_MS = 60_000;
/** The most a subscriber may take to answer. */
export const DELIVERY_TIMEOUT_MS = 10_000;

const EventName = z
  .string()
  .regex(
    /^(\*|[a-z]+(\.[a-z_]+)*(\.\*)?)$/,
    'event types look like model.promote, model.approval.request, a family model.approval.*, or * for all',
  );

export const WebhookCreateSchema = z
  .object({
    url: z
      .string({ error: 'url is required (--url)' })
      .min(1, 'url is required (--url)')
      .max(2048, 'the URL is longer than 2048 characters; a webhook URL must be at most 2048'),
    events: z.array(EventName).min(1, 'name at least one event (--events model.promote,model.rollback)'),
    useCase: UseCase.nullable().default(null),
    modelName: ModelName.nullable().default(null),
    stage: StageSchema.nullable().default(null),
    allowPrivate: z.boolean().default(false),
    createdBy: ActorName.optional(),
  })
  .strict();
export type WebhookCreateInput = z.input<typeof WebhookCreateSchema>;

/** A subscription as callers see it: everything but the secret. */
export type PublicWebhook = Webhook;

/** Sends one signed request; injectable so tests can count calls or fail them. */
export type WebhookSender = (request: {
  url: string;
  body: string;
  headers: Record<string, string>;
  allowPrivate: boolean;
}) => Promise<{ status: number; retryAfter: string | null }>;

/** Resolves a host name to its addresses; injectable for tests of the SSRF rules. */
export type Resolver = (host: string) => Promise<string[]>;

const systemResolver: Resolver = async (host) =>
  (await dnsLookup(host, { all: true, verbatim: true })).map((a) => a.address);

/**
 * Resolves the URL's host and refuses it when any address is private (unless allowed);
 * answers the address to connect to, so the request goes where the check looked (no DNS
 * rebinding between the check and the connect).
 */
export async function checkDestination(
  url: URL,
  allowPrivate: boolean,
  resolve: Resolver = systemResolver,
): Promise<{ address: string; family: 4 | 6 }> {
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  let addresses: string[];
  try {
    addresses = await resolve(host);
  } catch (e) {
    throw new WebhookDestinationError(`webhook host ${host} does not resolve (${(e as Error).message}).`, {
      field: 'url',
    });
  }
  if (addresses.length === 0) throw new WebhookDestinationError(`webhook host ${host} has no address.`);
  const metadata = addresses.filter(isMetadataAddress);
  if (metadata.length > 0) {
    throw new WebhookDestinationError(
      `webhook host ${host} resolves to ${metadata.join(', ')}, a link-local or cloud metadata address; that is never a webhook destination, even with --allow-private.`,
      { field: 'url', addresses: metadata },
    );
  }
  const blocked = addresses.filter(isPrivateAddress);
  if (!allowPrivate && blocked.length > 0) {
    throw new WebhookDestinationError(
      `webhook host ${host} resolves to ${blocked.join(', ')}, a loopback, link-local or private address; webhooks go to public addresses unless the subscription is created with --allow-private.`,
      { field: 'url', addresses: blocked },
    );
  }
  const address = addresses[0]!;
  return { address, family: address.includes(':') ? 6 : 4 };
}

/** The sender used outside tests: node:http(s), pinned to the checked address, no redirects, bounded time. */
export function httpSender(resolve: Resolver = systemResolver): WebhookSender {
  return async ({ url, body, headers, allowPrivate }) => {
    const target = parseWebhookUrl(url);
    const pinned = await checkDestination(target, allowPrivate, resolve);
    const lookup: LookupFunction = (_host, options, callback) => {
      if ((options as { all?: boolean }).all) {
        (callback as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, [pinned]);
      } else callback(null, pinned.address, pinned.family);
    };
    const client = target.protocol === 'https:' ? https : http;
    return await new Promise((resolvePromise, reject) => {
      const req = client.request(
        target,
        {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'user-agent': 'modelreg-webhooks', ...headers },
          lookup,
          timeout: DELIVERY_TIMEOUT_MS,
        },
        (res) => {
          res.resume(); // the answer's body is not needed; drain it so the socket closes
          res.on('end', () =>
            resolvePromise({
              status: res.statusCode ?? 0,
              retryAfter: (res.headers['retry-after'] as string | undefined) ?? null,
            }),
          );
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no answer within ${DELIVERY_TIMEOUT_MS} ms`)));
      req.on('error', reject);
      req.end(body);
    });
  };
}

/** What one run of the worker did. */
export interface DrainResult {
  delivered: number;
  retrying: number;
  failed: number;
}

interface Ports {
  store: RegistryStore;
  clock: Clock;
  actor: string;
  /** Who does a change, and when (the Registry's actor and clock). */
  who: (actor: string | undefined) => Actor;
  /** The Registry's decide → commit loop: subscription changes are audited commits. */
  mutate: <R>(decide: () => Promise<Decision<R>>) => Promise<R>;
  send?: WebhookSender;
  resolve?: Resolver;
  random?: () => number;
}

const toWebhook = (r: StoredRecord): Webhook => {
  const { secret: _s, ...rest } = r.doc as Record<string, unknown>;
  return WebhookSchema.parse(rest);
};
const toDelivery = (r: StoredRecord): WebhookDelivery => WebhookDeliverySchema.parse(r.doc);

/**
 * The active subscriptions, from the index record (one consistent read); a registry whose
 * subscriptions predate the index lists them by status instead, until its next change.
 */
export async function activeWebhooks(
  store: Pick<RegistryStore, 'getRecord' | 'listRecords'>,
): Promise<ActiveWebhooks> {
  const index = await store.getRecord('webhook-index', WEBHOOK_INDEX_ID);
  if (index !== null) return { hooks: WebhookIndexSchema.parse(index.doc).hooks, indexed: true };
  const listed = await store.listRecords('webhook', { status: 'active' }, { limit: MAX_ACTIVE_WEBHOOKS });
  return { hooks: listed.items.map(toWebhook), indexed: false };
}

/**
 * The outbox part of a change: one pending delivery per event and subscription that wants
 * it, written by the same commit as the events. The id is the event's identity and the
 * subscription's, so a commit retried after a lost race writes the same rows again only if
 * it wins.
 */
export async function outboxOf(
  store: Pick<RegistryStore, 'getRecord' | 'listRecords'>,
  change: ChangeSet,
  events: readonly RegistryEvent[],
  now: string,
): Promise<RecordWrite[]> {
  if (events.length === 0) return [];
  const { hooks } = await activeWebhooks(store);
  const writes: RecordWrite[] = [];
  for (const event of events) {
    for (const hook of hooks) {
      if (!wants(hook, event)) continue;
      const id = `${hook.id}:${change.ref.useCase}/${change.ref.modelName}:${String(event.seq).padStart(12, '0')}`;
      const delivery: WebhookDelivery = {
        id,
        webhookId: hook.id,
        status: 'pending',
        event: webhookPayload(event) as unknown as Record<string, unknown>,
        createdAt: now,
        dueAt: now,
        attempts: [],
      };
      writes.push({
        record: { kind: 'webhook-delivery', id, scope: hook.id, status: 'pending', doc: { ...delivery } },
        expect: 'absent',
      });
    }
  }
  return writes;
}

/** Subscriptions, deliveries and the worker, over the registry's record store. */
export class Webhooks {
  private readonly send: WebhookSender;
  private readonly resolve: Resolver;
  private readonly random: () => number;

  constructor(private readonly ports: Ports) {
    this.resolve = ports.resolve ?? systemResolver;
    this.send = ports.send ?? httpSender(this.resolve);
    this.random = ports.random ?? Math.random;
  }

  private now(): string {
    return this.ports.clock.now().toISOString();
  }

  /** Subscribes a URL; answers the subscription and its signing secret, shown this once. */
  async create(input: WebhookCreateInput): Promise<{ webhook: PublicWebhook; secret: string }> {
    const req = parseInput(WebhookCreateSchema, input);
    if (req.modelName !== null && req.useCase === null) {
      throw new ValidationError('a webhook for one model needs its use case too (--use-case).', {
        field: 'useCase',
      });
    }
    const events = validateEventTypes(req.events);
    validateStageFilter(events, req.stage);
    const url = parseWebhookUrl(req.url);
    await checkDestination(url, req.allowPrivate, this.resolve);
    const who = this.ports.who(req.createdBy);
    const webhook: Webhook = {
      id: `wh_${timeOrderedId()}`,
      url: url.toString(),
      events,
      useCase: req.useCase,
      modelName: req.modelName,
      stage: req.stage,
      allowPrivate: req.allowPrivate,
      status: 'active',
      createdAt: who.now,
      createdBy: who.actor,
      deletedAt: null,
      deletedBy: null,
    };
    const secret = `whsec_${randomBytes(24).toString('base64')}`;
    await this.ports.mutate(async () =>
      decideCreateWebhook(
        await this.ports.store.getHead(WEBHOOKS_REF),
        await activeWebhooks(this.ports.store),
        webhook,
        secret,
        who,
      ),
    );
    return { webhook, secret };
  }

  /**
   * Writes the index of active subscriptions when it is missing (a new registry, or one
   * whose subscriptions predate it); every worker run checks, so on AWS the first scheduled
   * run migrates a registry.
   */
  async ensureIndex(): Promise<void> {
    if ((await activeWebhooks(this.ports.store)).indexed) return;
    await this.ports.mutate(async () => ({
      change: decideIndexWebhooks(
        await this.ports.store.getHead(WEBHOOKS_REF),
        await activeWebhooks(this.ports.store),
        this.now(),
      ),
      result: undefined,
    }));
  }

  /** Every subscription, active and deleted, oldest first. */
  async list(options: PageRequest = {}): Promise<Page<PublicWebhook>> {
    const page = await this.ports.store.listRecords(
      'webhook',
      { scope: WEBHOOK_SCOPE },
      { limit: 100, ...options },
    );
    return { items: page.items.map(toWebhook), nextCursor: page.nextCursor };
  }

  private async record(id: string): Promise<StoredRecord> {
    const r = await this.ports.store.getRecord('webhook', id);
    if (r === null) {
      throw new NotFoundError(`webhook ${id} does not exist; see modelreg webhooks list.`, { id });
    }
    return r;
  }

  /** Stops a subscription (audited): no new deliveries; those already in the outbox are still sent. */
  async delete(input: {
    id: string;
    deletedBy?: string;
  }): Promise<PublicWebhook & { alreadyDeleted?: true }> {
    const who = this.ports.who(input.deletedBy);
    return this.ports.mutate(async () => {
      const r = await this.record(input.id);
      return decideDeleteWebhook(
        await this.ports.store.getHead(WEBHOOKS_REF),
        await activeWebhooks(this.ports.store),
        toWebhook(r),
        r.doc.secret as string,
        who,
      );
    });
  }

  /** Sends a `webhook.ping` to one subscription now, outside the outbox, and answers the status. */
  async ping(input: { id: string }): Promise<DeliveryAttempt> {
    const r = await this.record(input.id);
    const hook = toWebhook(r);
    if (hook.status !== 'active') {
      throw new ConflictError(
        `webhook ${hook.id} was deleted (${hook.deletedAt} by ${hook.deletedBy}); nothing is sent to a deleted subscription.`,
        { id: hook.id, status: hook.status },
      );
    }
    const at = this.now();
    const body = JSON.stringify({ type: 'webhook.ping', timestamp: at, data: { webhookId: hook.id } });
    return this.attempt(hook, r.doc.secret as string, `msg_ping_${timeOrderedId()}`, body).then(
      (a) => a.attempt,
    );
  }

  /** The deliveries of one subscription, with their attempts. */
  async deliveries(input: { id: string } & PageRequest): Promise<Page<WebhookDelivery>> {
    await this.record(input.id);
    const page = await this.ports.store.listRecords(
      'webhook-delivery',
      { scope: input.id },
      { limit: input.limit ?? 100, cursor: input.cursor ?? null },
    );
    return { items: page.items.map(toDelivery), nextCursor: page.nextCursor };
  }

  /**
   * Puts a delivery back in the outbox with a new series of retries, sent from the next
   * worker run on: a failed one (its retries exhausted), or a delivered one the receiver
   * lost (it keeps its id, so a receiver that de-duplicates by `webhook-id` sees it once).
   * One still on its way (pending, sending) is refused with when its next attempt is due,
   * and so is one of a deleted subscription.
   */
  async redeliver(input: { deliveryId: string }): Promise<WebhookDelivery> {
    const r = await this.ports.store.getRecord('webhook-delivery', input.deliveryId);
    if (r === null) throw new NotFoundError(`delivery ${input.deliveryId} does not exist.`);
    const d = toDelivery(r);
    if (d.status === 'pending' || d.status === 'sending') {
      throw new ConflictError(
        `delivery ${d.id} is ${d.status}, still in the outbox: its next attempt is due at ${d.dueAt} (webhooks run --once sends it then); only a failed or delivered one is re-sent.`,
        { status: d.status, dueAt: d.dueAt },
      );
    }
    const hook = toWebhook(await this.record(d.webhookId));
    if (hook.status !== 'active') {
      throw new ConflictError(
        `webhook ${hook.id} was deleted (${hook.deletedAt} by ${hook.deletedBy}); nothing is sent to a deleted subscription.`,
        { id: hook.id, status: hook.status },
      );
    }
    // a new series: MAX_ATTEMPTS more tries with their backoff, the earlier attempts kept in the log
    const next: WebhookDelivery = {
      ...d,
      status: 'pending',
      dueAt: this.now(),
      retriesFrom: d.attempts.length,
    };
    await this.ports.store.putRecord({
      record: { ...r, status: 'pending', doc: { ...next } },
      expect: { status: d.status, unchanged: r },
    });
    return next;
  }

  private async attempt(
    hook: Webhook,
    secret: string,
    msgId: string,
    body: string,
  ): Promise<{ attempt: DeliveryAttempt; retryAfter: string | null }> {
    const started = this.ports.clock.now();
    const signer = new Signer(secret);
    const headers = {
      'webhook-id': msgId,
      'webhook-timestamp': String(Math.floor(started.getTime() / 1000)),
      'webhook-signature': signer.sign(msgId, started, body),
    };
    try {
      const res = await this.send({ url: hook.url, body, headers, allowPrivate: hook.allowPrivate });
      return {
        attempt: {
          at: started.toISOString(),
          status: res.status,
          error: res.status >= 200 && res.status < 300 ? null : `HTTP ${res.status}`,
          durationMs: Math.max(0, this.ports.clock.now().getTime() - started.getTime()),
        },
        retryAfter: res.retryAfter,
      };
    } catch (e) {
      return {
        attempt: {
          at: started.toISOString(),
          status: null,
          error: (e as Error).message,
          durationMs: Math.max(0, this.ports.clock.now().getTime() - started.getTime()),
        },
        retryAfter: null,
      };
    }
  }

  /**
   * Sends what is due: pending deliveries whose time has come and `sending` ones whose
   * worker died (the claim expired). Each is claimed with a conditional write first, so two
   * workers never send the same attempt; a 2xx ends it, a failure schedules the next try,
   * and the last failure keeps it as failed.
   */
  async drain(options: { limit?: number } = {}): Promise<DrainResult> {
    await this.ensureIndex();
    const result: DrainResult = { delivered: 0, retrying: 0, failed: 0 };
    const now = this.ports.clock.now();
    const due: StoredRecord[] = [];
    for (const status of ['pending', 'sending'] as const) {
      let cursor: string | null = null;
      do {
        const page = await this.ports.store.listRecords(
          'webhook-delivery',
          { status },
          { limit: 100, cursor },
        );
        for (const r of page.items) if (Date.parse(toDelivery(r).dueAt) <= now.getTime()) due.push(r);
        cursor = page.nextCursor;
      } while (cursor !== null && due.length < (options.limit ?? 500));
    }
    const secrets = new Map<string, { hook: Webhook; secret: string } | null>();
    for (const r of due.slice(0, options.limit ?? 500)) {
      const d = toDelivery(r);
      if (!secrets.has(d.webhookId)) {
        const h = await this.ports.store.getRecord('webhook', d.webhookId);
        secrets.set(d.webhookId, h ? { hook: toWebhook(h), secret: h.doc.secret as string } : null);
      }
      const target = secrets.get(d.webhookId);
      const claimed: WebhookDelivery = {
        ...d,
        status: 'sending',
        dueAt: new Date(this.ports.clock.now().getTime() + LEASE_MS).toISOString(),
      };
      const claim: StoredRecord = { ...r, status: 'sending', doc: { ...claimed } };
      try {
        // exactly the record this worker read: a worker whose read is stale (another one has
        // tried the delivery since) loses the claim instead of sending the same attempt again
        await this.ports.store.putRecord({
          record: claim,
          expect: { status: r.status as string, unchanged: r },
        });
      } catch {
        continue; // another worker took it
      }
      const { attempt, retryAfter } = target
        ? await this.attempt(target.hook, target.secret, d.id, JSON.stringify(d.event))
        : {
            attempt: { at: this.now(), status: null, error: 'the webhook no longer exists', durationMs: 0 },
            retryAfter: null,
          };
      const attempts = [...d.attempts, attempt];
      const ok = attempt.error === null;
      const series = attempts.length - (d.retriesFrom ?? 0);
      const last = series >= MAX_ATTEMPTS || !target;
      const status = ok ? 'delivered' : last ? 'failed' : 'pending';
      const wait = retryDelayMs(series, parseRetryAfter(retryAfter, this.ports.clock.now()), this.random());
      const next: WebhookDelivery = {
        ...d,
        status,
        attempts,
        dueAt:
          status === 'pending' ? new Date(this.ports.clock.now().getTime() + wait).toISOString() : this.now(),
      };
      try {
        await this.ports.store.putRecord({
          record: { ...r, status, doc: { ...next } },
          expect: { status: 'sending', unchanged: claim },
        });
      } catch (e) {
        // the claim expired while this attempt ran (it takes at most DELIVERY_TIMEOUT_MS, far
        // less than the lease) and another worker took the delivery over: its outcome stands
        if (e instanceof ConcurrentModificationError) continue;
        throw e;
      }
      if (ok) result.delivered++;
      else if (status === 'failed') result.failed++;
      else result.retrying++;
    }
    return result;
  }
}
