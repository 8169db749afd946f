import { Hono } from 'hono';
import type { Registry } from '../app/registry.js';
import { apiRoutes } from './api/index.js';
import type { HttpEnv } from './env.js';
import { pageRoutes } from './pages/index.js';

/** Options of the HTTP application (the same for `modelreg serve` and the Lambda host). */
export interface AppOptions {
  registry: Registry;
}

/** The one HTTP application: the JSON API at /api/v1 and the web UI at /, on the same use cases. */
export function createApp(options: AppOptions): Hono<HttpEnv> {
  const app = new Hono<HttpEnv>();
  app.use('*', async (c, next) => {
    c.set('registry', options.registry);
    await next();
  });
  app.route('/api/v1', apiRoutes());
  app.route('/', pageRoutes());
  return app;
}
