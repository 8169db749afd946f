import { Hono } from 'hono';
import type { HttpEnv } from '../env.js';

/** The JSON API, mounted at /api/v1. */
export function apiRoutes(): Hono<HttpEnv> {
  return new Hono<HttpEnv>();
}
