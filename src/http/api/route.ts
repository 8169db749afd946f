/**
 * One declaration per API route: its method, path, role, zod schemas and a handler that
 * only calls a use case. The same declarations mount the Hono routes and generate the
 * OpenAPI document, so the document cannot drift from what the routes accept.
 */
import type { Context, Hono, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import * as z from 'zod';
import { parseInput } from '../../app/inputs.js';
import type { Registry } from '../../app/registry.js';
import { ValidationError } from '../../core/errors.js';
import { requireRole } from '../auth.js';
import type { HttpEnv, Identity, Role } from '../env.js';
import { PayloadTooLargeError } from '../errors.js';
import { idempotent } from '../idempotency.js';

/** Request fields that would name who acted: the actor is always the authenticated identity. */
export const ACTOR_FIELDS = [
  'by',
  'actor',
  'requestedBy',
  'registeredBy',
  'promotedBy',
  'demotedBy',
  'archivedBy',
  'rolledBackBy',
  'setBy',
  'removedBy',
  'appliedBy',
  'decidedBy',
  'deprecatedBy',
] as const;

/** What a handler gets: parsed input and who is asking. */
export interface RouteInput<P, Q, B> {
  c: Context<HttpEnv>;
  registry: Registry;
  identity: Identity;
  params: P;
  query: Q;
  body: B;
}

/** A body read some other way than JSON (a multipart upload); `fingerprint` is what idempotency compares. */
export interface CustomBody<B> {
  read: (c: Context<HttpEnv>) => Promise<{ body: B; fingerprint: unknown; cleanup?: () => Promise<void> }>;
  /** The multipart form, for the OpenAPI document. */
  form: z.ZodType;
}

/** One API route. */
export interface RouteSpec<P = unknown, Q = unknown, B = unknown> {
  method: 'get' | 'post' | 'put' | 'delete';
  /** Hono path under /api/v1, with `:param`s. */
  path: string;
  summary: string;
  /** The CLI command it matches. */
  cli?: string;
  role: Role;
  params?: z.ZodType<P>;
  query?: z.ZodType<Q>;
  /** A JSON body (strict: unknown fields are refused). */
  body?: z.ZodType<B>;
  /** Other media types accepted for the body (multipart upload). */
  custom?: CustomBody<unknown>;
  response?: z.ZodType;
  /** 201 for creations; 200 otherwise. */
  status?: ContentfulStatusCode;
  handler: (input: RouteInput<P, Q, B>) => Promise<unknown>;
}

/** An answer with a status other than the route's own (a refused promotion answers 422 with its result). */
export class Reply {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly body: unknown,
  ) {}
}

/** A route of any input types, as lists of routes hold them. */
// biome-ignore lint/suspicious/noExplicitAny: a list holds routes whose inputs differ
export type AnyRoute = RouteSpec<any, any, any>;

/** Declares a route with its types inferred from its schemas. */
export function route<P, Q, B>(spec: RouteSpec<P, Q, B>): RouteSpec<P, Q, B> {
  return spec;
}

function refuseActorFields(body: unknown): void {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return;
  const named = ACTOR_FIELDS.find((f) => f in body);
  if (named)
    throw new ValidationError(
      `${named}: who acted is the authenticated identity and cannot be set in a request; remove "${named}".`,
      { field: named },
    );
}

async function jsonBody(c: Context<HttpEnv>): Promise<unknown> {
  const text = await c.req.text();
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new ValidationError(
      'the body is not valid JSON; send a JSON object with content-type application/json.',
    );
  }
}

/** Query parameters as strings, repeated ones (tag, metric) as arrays. */
function queryOf(c: Context<HttpEnv>): Record<string, string | string[]> {
  const all = c.req.queries();
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(all))
    out[k] = v.length === 1 && k !== 'tag' && k !== 'metric' ? v[0]! : v;
  return out;
}

/** Request body limits: uploads (multipart) and everything else (JSON). */
export interface BodyLimits {
  uploadBytes: number;
  jsonBytes: number;
}

function limitOf(spec: AnyRoute, limits: BodyLimits): MiddlewareHandler<HttpEnv> {
  const maxSize = spec.custom ? limits.uploadBytes : limits.jsonBytes;
  return bodyLimit({
    maxSize,
    onError: () => {
      throw new PayloadTooLargeError(
        `the request body is larger than this server accepts (${maxSize} bytes)${spec.custom ? '; register a larger artifact from s3:// or a server path' : ''}.`,
      );
    },
  });
}

/** Mounts the routes on an app: role check, body limit, parse, use case, idempotency for mutations. */
export function mount(app: Hono<HttpEnv>, specs: readonly AnyRoute[], limits: BodyLimits): void {
  for (const spec of specs) {
    const path = spec.path;
    app.on(spec.method.toUpperCase(), path, requireRole(spec.role), limitOf(spec, limits), async (c) => {
      const registry = c.get('registry');
      const identity = c.get('identity');
      const params = spec.params ? parseInput(spec.params, c.req.param()) : {};
      const query = spec.query ? parseInput(spec.query, queryOf(c)) : {};
      let body: unknown = {};
      let fingerprint: unknown = null;
      let cleanup: (() => Promise<void>) | undefined;
      const type = c.req.header('content-type') ?? '';
      if (spec.custom && type.startsWith('multipart/form-data')) {
        const read = await spec.custom.read(c);
        ({ body, fingerprint, cleanup } = read);
      } else if (spec.body) {
        if (spec.method !== 'get' && type !== '' && !type.startsWith('application/json'))
          throw new ValidationError(
            `content-type ${type} is not accepted here; send application/json${spec.custom ? ' or multipart/form-data' : ''}.`,
          );
        const raw = await jsonBody(c);
        refuseActorFields(raw);
        body = parseInput(spec.body, raw);
        fingerprint = raw;
      }
      const run = async () => {
        const out = await spec.handler({ c, registry, identity, params, query, body });
        return out instanceof Reply ? out : { status: spec.status ?? 200, body: out };
      };
      try {
        if (spec.method === 'get') {
          const out = await run();
          return c.json(out.body as object, out.status);
        }
        return await idempotent(c, { params, query, body: fingerprint }, run);
      } finally {
        await cleanup?.();
      }
    });
  }
}

/** A path parameter schema whose field names match the route's `:params`. */
/** `?limit=&cursor=` of a listing. */
export const PageQuery = z
  .object({ limit: z.coerce.number().int().min(1).max(1000).optional(), cursor: z.string().optional() })
  .strict();

/** A page request from a listing's query, without the parts it did not give. */
export const pageOf = (q: { limit?: number | undefined; cursor?: string | undefined }) => ({
  ...(q.limit ? { limit: q.limit } : {}),
  ...(q.cursor ? { cursor: q.cursor } : {}),
});

export const PathParams = {
  model: z.object({ useCase: z.string(), model: z.string() }),
  version: z.object({ useCase: z.string(), model: z.string(), version: z.string() }),
};
