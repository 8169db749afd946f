import { Hono } from 'hono';
import type { HttpEnv } from '../env.js';

/** The web UI's server-rendered pages, mounted at /. */
export function pageRoutes(): Hono<HttpEnv> {
  return new Hono<HttpEnv>();
}
