/**
 * Routes of release lines and the lifecycle's late stages: deprecating a version, and the
 * `resolve` a serving layer reads to route a line's traffic (production plus the weighted
 * and shadow aliases, each with its artifact).
 */
import * as z from 'zod';
import { DeprecateSchema, ResolveSchema } from '../../app/inputs.js';
import { type AnyRoute, PathParams, route } from './route.js';

const Artifact = z.object({ uri: z.string(), sha256: z.string(), sizeBytes: z.number() });
const Served = z.object({
  version: z.string(),
  stage: z.string(),
  line: z.string().nullable(),
  artifact: Artifact,
});
const ResolutionSchema = z.object({
  useCase: z.string(),
  modelName: z.string(),
  line: z.string().nullable(),
  production: Served.nullable(),
  aliases: z.array(
    Served.extend({ alias: z.string(), weight: z.number().optional(), shadow: z.literal(true).optional() }),
  ),
  productionWeight: z.number(),
});

/** The routes of release lines, deprecation and resolve. */
export function lifeRoutes(): AnyRoute[] {
  const ref = (p: { useCase: string; model: string }) => ({ useCase: p.useCase, modelName: p.model });
  return [
    route({
      method: 'get',
      path: '/models/:useCase/:model/resolve',
      summary:
        'What a router needs for a release line: production and the weighted/shadow aliases with their artifacts (`line`, `alias` optional)',
      cli: 'models resolve',
      role: 'viewer',
      params: PathParams.model,
      query: ResolveSchema.pick({ alias: true, line: true }).strict(),
      response: ResolutionSchema,
      handler: ({ registry, params, query }) => registry.resolve({ ...ref(params), ...query }),
    }),
    route({
      method: 'post',
      path: '/models/:useCase/:model/versions/:version/deprecate',
      summary:
        'Deprecate a version: fetchable, not eligible for promotion or traffic (production only with force); `stillRunning` lists the deployments to redeploy and end',
      cli: 'models deprecate',
      role: 'editor',
      params: PathParams.version,
      body: DeprecateSchema.pick({ reason: true, force: true }).strict(),
      handler: async ({ registry, identity, params, body }) => {
        const r = await registry.deprecate({
          ...ref(params),
          version: params.version,
          ...body,
          deprecatedBy: identity.actor,
        });
        return { ...r, stillRunning: await registry.stillRunning(ref(params), r.version) };
      },
    }),
  ];
}
