import { Hono } from 'hono';
import type { HttpEnv } from '../env.js';
import { deployRoutes } from './deploy-routes.js';
import { DOCS_CSS, docsPage, openApiDocument } from './openapi.js';
import { type BodyLimits, mount } from './route.js';
import { type ApiOptions, apiSpecs } from './routes.js';

/** The JSON API, mounted at /api/v1: the routes, their OpenAPI document and its docs page. */
export function apiRoutes(options: ApiOptions & { limits: BodyLimits }): Hono<HttpEnv> {
  const api = new Hono<HttpEnv>();
  const specs = [...apiSpecs(options), ...deployRoutes()];
  const doc = openApiDocument(specs, '1');
  const page = docsPage(doc);
  api.get('/openapi.json', (c) => c.json(doc));
  api.get('/docs', (c) => c.html(page));
  api.get('/docs.css', (c) => c.body(DOCS_CSS, 200, { 'content-type': 'text/css; charset=utf-8' }));
  mount(api, specs, options.limits);
  api.all('*', (c) =>
    c.json(
      {
        error: {
          name: 'NotFoundError',
          message: `no route ${c.req.method} ${c.req.path}; see /api/v1/docs.`,
        },
      },
      404,
    ),
  );
  return api;
}
