/**
 * Routes of webhook subscriptions: subscribe, list, delete, ping, read the delivery log,
 * re-send a failed delivery, and read the subscriptions' audit trail. Admin only: a
 * subscription can send every event of the registry anywhere. The subscriber is the
 * verified identity of the request, never a field of it.
 */
import * as z from 'zod';
import { WebhookCreateSchema } from '../../app/webhooks.js';
import { type AnyRoute, PageQuery, pageOf, route } from './route.js';

const Id = z.object({ id: z.string().min(1).max(200) });

/** The webhook routes, added to the API's route list. */
export function webhookSpecs(): AnyRoute[] {
  return [
    route({
      method: 'post',
      path: '/webhooks',
      summary: 'Subscribe a URL to registry events (audited); answers the signing secret, shown this once',
      cli: 'webhooks create',
      role: 'admin',
      body: WebhookCreateSchema.omit({ createdBy: true }),
      status: 201,
      handler: ({ registry, identity, body }) =>
        registry.webhooks().create({ ...body, createdBy: identity.actor }),
    }),
    route({
      method: 'get',
      path: '/webhooks',
      summary: 'Every subscription, active and deleted (never a secret)',
      cli: 'webhooks list',
      role: 'admin',
      query: PageQuery,
      handler: ({ registry, query }) =>
        registry.webhooks().list({
          ...pageOf(query),
        }),
    }),
    route({
      method: 'get',
      path: '/webhooks/audit',
      summary: 'The hash-chained audit trail of subscriptions created and deleted',
      cli: 'audit show --webhooks',
      role: 'admin',
      query: PageQuery,
      handler: ({ registry, query }) =>
        registry.auditTrail({
          trail: 'webhooks',
          ...pageOf(query),
        }),
    }),
    route({
      method: 'delete',
      path: '/webhooks/:id',
      summary: 'Stop a subscription (audited); deliveries already in the outbox are still sent',
      cli: 'webhooks delete',
      role: 'admin',
      params: Id,
      handler: ({ registry, identity, params }) =>
        registry.webhooks().delete({ id: params.id, deletedBy: identity.actor }),
    }),
    route({
      method: 'post',
      path: '/webhooks/:id/test',
      summary: 'Send a signed webhook.ping to a subscription now; answers the attempt',
      cli: 'webhooks test',
      role: 'admin',
      params: Id,
      handler: ({ registry, params }) => registry.webhooks().ping({ id: params.id }),
    }),
    route({
      method: 'get',
      path: '/webhooks/:id/deliveries',
      summary: 'The deliveries of a subscription, each with every attempt',
      cli: 'webhooks deliveries',
      role: 'admin',
      params: Id,
      query: PageQuery,
      handler: ({ registry, params, query }) =>
        registry.webhooks().deliveries({
          id: params.id,
          ...pageOf(query),
        }),
    }),
    route({
      method: 'post',
      path: '/webhook-deliveries/:id/redeliver',
      summary: 'Put a failed delivery back in the outbox for a new series of attempts',
      cli: 'webhooks redeliver',
      role: 'admin',
      params: Id,
      handler: ({ registry, params }) => registry.webhooks().redeliver({ deliveryId: params.id }),
    }),
  ];
}
