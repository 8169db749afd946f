/**
 * The JSON API of model cards, version edits and the use-case listing: as thin as the
 * other routes (parse, call the use case as the authenticated identity, answer the CLI's
 * `--json` shape).
 */
import * as z from 'zod';
import { ModelVersionSchema } from '../../core/model.js';
import { cardMarkdown } from '../../core/model-card.js';
import { type AnyRoute, PathParams, route } from './route.js';

const sel = (p: { useCase: string; model: string; version: string }) => ({
  useCase: p.useCase,
  modelName: p.model,
  version: p.version,
});

/** The routes of model cards, edits and use cases. */
export function cardRoutes(): AnyRoute[] {
  return [
    route({
      method: 'get',
      path: '/usecases',
      summary: 'The use cases of the registry with the number of models each',
      cli: 'usecases list',
      role: 'viewer',
      query: z
        .object({ limit: z.coerce.number().int().min(1).max(1000).optional(), cursor: z.string().optional() })
        .strict(),
      response: z.object({
        items: z.array(z.object({ useCase: z.string(), models: z.number() })),
        nextCursor: z.string().nullable(),
      }),
      handler: ({ registry, query }) =>
        registry.listUseCases({
          ...(query.limit ? { limit: query.limit } : {}),
          ...(query.cursor ? { cursor: query.cursor } : {}),
        }),
    }),
    route({
      method: 'get',
      path: '/models/:useCase/:model/versions/:version/card',
      summary: "A version's model card with the registry-filled sections (and its Markdown)",
      cli: 'models card show',
      role: 'viewer',
      params: PathParams.version,
      handler: async ({ registry, params }) => {
        const r = await registry.showCard(sel(params));
        return { ...r, markdown: cardMarkdown(r) };
      },
    }),
    route({
      method: 'put',
      path: '/models/:useCase/:model/versions/:version/card',
      summary: 'Set the model card from Markdown (front matter + ## sections) or YAML text',
      cli: 'models card set',
      role: 'editor',
      params: PathParams.version,
      body: z
        .object({
          text: z.string({ error: 'text is required: the card as Markdown or YAML' }),
          format: z.enum(['markdown', 'yaml'], { error: 'format is markdown or yaml' }),
        })
        .strict(),
      handler: ({ registry, identity, params, body }) =>
        registry.setCard({ ...sel(params), ...body, setBy: identity.actor }),
    }),
    route({
      method: 'get',
      path: '/models/:useCase/:model/versions/:version/card/history',
      summary: 'Every card version of a version, oldest first',
      cli: 'models card history',
      role: 'viewer',
      params: PathParams.version,
      handler: async ({ registry, params }) => ({ items: await registry.cardHistory(sel(params)) }),
    }),
    route({
      method: 'post',
      path: '/models/:useCase/:model/versions/:version/edit',
      summary: "Change a version's description and tags (audited model.edit)",
      cli: 'models edit',
      role: 'editor',
      params: PathParams.version,
      body: z
        .object({
          description: z.string().optional(),
          tags: z.record(z.string(), z.string()).optional(),
          untag: z.array(z.string()).optional(),
        })
        .strict(),
      response: ModelVersionSchema,
      handler: ({ registry, identity, params, body }) =>
        registry.edit({
          ...sel(params),
          ...(body.description !== undefined ? { description: body.description } : {}),
          tags: body.tags ?? {},
          untag: body.untag ?? [],
          editedBy: identity.actor,
        }),
    }),
  ];
}
