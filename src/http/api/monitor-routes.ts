/**
 * Routes of version events and live monitoring: record and list events, report live
 * metrics (the monitor's ingestion point for serving layers and dashboards) and read a
 * version's monitoring status. Thin like routes.ts: the use case's schema, then the use case.
 */
import * as z from 'zod';
import { safeRecord } from '../../app/inputs.js';
import { EVENT_KINDS, VersionEventSchema } from '../../core/events.js';
import { type AnyRoute, PathParams, route } from './route.js';

const ref = (p: { useCase: string; model: string }) => ({ useCase: p.useCase, modelName: p.model });

/** The event and monitoring routes, added to the API's route list. */
export function monitorSpecs(): AnyRoute[] {
  return [
    route({
      method: 'post',
      path: '/models/:useCase/:model/versions/:version/events',
      summary: 'Record a regression, incident, maintenance or note on a version (audited)',
      cli: 'events record',
      role: 'editor',
      params: PathParams.version,
      body: z.object({ kind: z.enum(EVENT_KINDS), details: z.string().min(1).max(4096) }).strict(),
      response: VersionEventSchema,
      status: 201,
      handler: ({ registry, identity, params, body }) =>
        registry.recordEvent({
          ...ref(params),
          version: params.version,
          ...body,
          recordedBy: identity.actor,
        }),
    }),
    route({
      method: 'get',
      path: '/models/:useCase/:model/events',
      summary: "A model's version events, oldest first (`version` to keep one version's)",
      cli: 'events list',
      role: 'viewer',
      params: PathParams.model,
      query: z.object({ version: z.string().min(1).optional() }).strict(),
      response: z.object({ items: z.array(VersionEventSchema) }),
      handler: async ({ registry, params, query }) => ({
        items: await registry.listEvents({
          ...ref(params),
          ...(query.version ? { version: query.version } : {}),
        }),
      }),
    }),
    route({
      method: 'post',
      path: '/models/:useCase/:model/versions/:version/observations',
      summary:
        'Report live metrics of a version (`metrics`, optional `at` and `window`); a redelivered report is a no-op, a sustained breach acts once',
      cli: 'monitor report',
      role: 'editor',
      params: PathParams.version,
      body: z
        .object({
          // checked by name in the use case; a `z.record` would drop `__proto__` before it
          metrics: safeRecord(z.string(), z.unknown()).meta({
            type: 'object',
            additionalProperties: { type: 'number' },
            description: 'metric name: value, e.g. {"auc": 0.81}',
          }),
          at: z.string().optional(),
          window: z.string().optional(),
        })
        .strict(),
      handler: ({ registry, identity, params, body }) =>
        registry.reportMetrics({
          ...ref(params),
          version: params.version,
          metrics: body.metrics,
          ...(body.at !== undefined ? { at: body.at } : {}),
          ...(body.window !== undefined ? { window: body.window } : {}),
          reportedBy: identity.actor,
        }),
    }),
    route({
      method: 'get',
      path: '/models/:useCase/:model/versions/:version/monitoring',
      summary: 'The latest live observation per metric of a version and the state of each monitoring rule',
      cli: 'monitor status',
      role: 'viewer',
      params: PathParams.version,
      handler: ({ registry, params }) => registry.monitorStatus({ ...ref(params), version: params.version }),
    }),
  ];
}
