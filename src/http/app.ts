import { Hono } from 'hono';
import { approvalSecret as registrySecret } from '../app/approval-secret.js';
import type { Registry } from '../app/registry.js';
import { apiRoutes } from './api/index.js';
import type { SourcePolicy } from './api/uploads.js';
import { type AuthConfig, authenticate, loginHandler, logoutHandler } from './auth.js';
import type { HttpEnv } from './env.js';
import { errorResponse, statusOf } from './errors.js';
import { pageRoutes } from './pages/index.js';

/** Options of the HTTP application (the same for `modelreg serve` and the Lambda host). */
export interface AppOptions {
  registry: Registry;
  /** How callers are identified: API tokens (embedded) or verified JWT claims (AWS). */
  auth: AuthConfig;
  /** Which server-side register sources are allowed (default: none; s3:// only on the AWS backend). */
  sources?: SourcePolicy;
  /** The key approval links are signed with (default: the registry's approval secret). */
  approvalSecret?: () => Promise<Buffer>;
  /** The largest multipart upload accepted, in bytes. @default 512 MiB */
  maxUploadBytes?: number;
}

/** JSON bodies are small: a policy, gates, a reason. */
const MAX_JSON_BYTES = 1024 * 1024;

/** Anything not set by a route: nothing from elsewhere, no framing, no inline code. */
const DEFAULT_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/** The one HTTP application: the JSON API at /api/v1 and the web UI at /, on the same use cases. */
export function createApp(options: AppOptions): Hono<HttpEnv> {
  const secret = options.approvalSecret ?? registrySecret;
  const app = new Hono<HttpEnv>();
  app.use('*', async (c, next) => {
    c.set('registry', options.registry);
    await next();
    c.header('x-content-type-options', 'nosniff');
    if (!c.res.headers.has('content-security-policy')) c.header('content-security-policy', DEFAULT_CSP);
    if (c.req.path.startsWith('/api/')) c.header('cache-control', 'no-store');
  });
  app.use('*', authenticate(options.auth));
  app.post('/login', loginHandler(options.auth));
  app.post('/logout', logoutHandler());
  app.route(
    '/api/v1',
    apiRoutes({
      sources: options.sources ?? { roots: [], s3: false },
      approvalSecret: secret,
      limits: { uploadBytes: options.maxUploadBytes ?? 512 * 1024 * 1024, jsonBytes: MAX_JSON_BYTES },
    }),
  );
  app.route('/', pageRoutes({ approvalSecret: secret }));
  app.onError((e, c) => {
    if (!c.req.path.startsWith('/api/') && c.req.method === 'GET' && statusOf(e) === 401) {
      // keep the query: an approval link's token must survive the sign-in
      const url = new URL(c.req.url);
      return c.redirect(`/login?next=${encodeURIComponent(url.pathname + url.search)}`, 303);
    }
    return errorResponse(c, e);
  });
  return app;
}
