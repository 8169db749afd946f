/**
 * The API routes of variants, deployments and explain, declared like routes.ts: parse,
 * call the use case as the authenticated identity, answer the CLI's `--json` shape.
 * Adding a variant needs an upload and is left to the CLI for now.
 */
import * as z from 'zod';
import { DeploymentSchema, RecordedDeploymentSchema } from '../../core/deployment.js';
import { VariantSchema } from '../../core/variant.js';
import { type AnyRoute, PathParams, Reply, route } from './route.js';

const Running = z
  .enum(['true', 'false'])
  .optional()
  .transform((v) => v === 'true');
const items = (item: z.ZodType) => z.object({ items: z.array(item) });
const sel = (p: { useCase: string; model: string; version: string }) => ({
  useCase: p.useCase,
  modelName: p.model,
  version: p.version,
});

/** Routes of variants, deployments and `models explain`. */
export function deployRoutes(): AnyRoute[] {
  return [
    route({
      method: 'get',
      path: '/models/:useCase/:model/versions/:version/explain',
      summary:
        'The six provenance answers of a version: data, promotion, evaluation, variants, deployments, events',
      cli: 'models explain',
      role: 'viewer',
      params: PathParams.version,
      response: z.record(z.string(), z.unknown()),
      handler: ({ registry, params }) => registry.explain(sel(params)),
    }),
    route({
      method: 'get',
      path: '/models/:useCase/:model/versions/:version/variants',
      summary: 'The variants of a version, by target',
      cli: 'models variant list',
      role: 'viewer',
      params: PathParams.version,
      response: items(VariantSchema),
      handler: async ({ registry, params }) => ({ items: await registry.listVariants(sel(params)) }),
    }),
    route({
      method: 'post',
      path: '/models/:useCase/:model/versions/:version/deployments',
      summary: 'Record that a version (or one of its variants) runs in an env, fleet, site and customer',
      cli: 'deployments record',
      role: 'editor',
      params: PathParams.version,
      body: z
        .object({
          variant: z.string().min(1).optional(),
          env: z.string(),
          fleet: z.string(),
          site: z.string(),
          customer: z.string(),
        })
        .strict(),
      response: RecordedDeploymentSchema,
      status: 201,
      handler: async ({ registry, identity, params, body }) => {
        const d = await registry.recordDeployment({
          ...sel(params),
          ...body,
          by: identity.actor,
          recordedBy: identity.actor,
        });
        // the same deployment still running: nothing was created, so 200 with it, not 201
        return d.alreadyRunning ? new Reply(200, d) : d;
      },
    }),
    route({
      method: 'get',
      path: '/models/:useCase/:model/deployments',
      summary: 'Deployments of a model (or of one `version`); `running=true` for the running ones only',
      cli: 'deployments list --use-case U --model M',
      role: 'viewer',
      params: PathParams.model,
      query: z.object({ version: z.string().optional(), running: Running }).strict(),
      response: items(DeploymentSchema),
      handler: async ({ registry, params, query }) => ({
        items: await registry.listDeployments({
          useCase: params.useCase,
          modelName: params.model,
          ...(query.version ? { version: query.version } : {}),
          active: query.running,
        }),
      }),
    }),
    route({
      method: 'get',
      path: '/deployments',
      summary: 'Deployments across models at one `fleet`, `site` or `customer`',
      cli: 'deployments list --fleet F',
      role: 'viewer',
      query: z
        .object({
          fleet: z.string().optional(),
          site: z.string().optional(),
          customer: z.string().optional(),
          running: Running,
        })
        .strict(),
      response: items(DeploymentSchema),
      handler: async ({ registry, query }) => ({
        items: await registry.listDeployments({
          ...(query.fleet ? { fleet: query.fleet } : {}),
          ...(query.site ? { site: query.site } : {}),
          ...(query.customer ? { customer: query.customer } : {}),
          active: query.running,
        }),
      }),
    }),
    route({
      method: 'post',
      path: '/deployments/:id/end',
      summary: 'Mark a deployment as stopped',
      cli: 'deployments end',
      role: 'editor',
      params: z.object({ id: z.string() }),
      body: z.object({ reason: z.string().max(1024).optional() }).strict(),
      response: DeploymentSchema,
      handler: ({ registry, identity, params, body }) =>
        registry.endDeployment({
          id: params.id,
          ...(body.reason ? { reason: body.reason } : {}),
          by: identity.actor,
        }),
    }),
  ];
}
