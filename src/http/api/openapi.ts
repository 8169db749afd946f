/**
 * The OpenAPI 3.1 document of the API, generated from the routes' own zod schemas
 * (z.toJSONSchema), and a small docs page rendered from it on the server (no CDN, no script).
 */
import * as z from 'zod';
import { ROLES } from '../env.js';
import type { AnyRoute } from './route.js';

type Json = Record<string, unknown>;

function schemaOf(schema: z.ZodType, io: 'input' | 'output'): Json {
  const { $schema: _s, ...rest } = z.toJSONSchema(schema, {
    io,
    unrepresentable: 'any',
    target: 'draft-2020-12',
  }) as Json;
  return rest;
}

function shapeOf(schema: z.ZodType | undefined): Record<string, z.ZodType> {
  return schema instanceof z.ZodObject ? (schema.shape as Record<string, z.ZodType>) : {};
}

const ERRORS: Record<string, string> = {
  '400': 'Invalid input (ValidationError): the message names the field and the fix',
  '401': 'No or invalid credentials',
  '403': 'The role does not allow this, or a browser form without its CSRF token',
  '404': 'No such model, version, alias or approval',
  '409': 'Conflict: the version exists, the move is not allowed, or the Idempotency-Key is in use',
  '422': 'A gate failed (error.gates is the gate table), or an Idempotency-Key reused for another request',
  '503': 'The backend is unavailable now; retry later',
};

/** The OpenAPI document of these routes. */
export function openApiDocument(specs: readonly AnyRoute[], version: string): Json {
  const paths: Record<string, Json> = {};
  for (const spec of specs) {
    const path = `/api/v1${spec.path.replace(/:([A-Za-z]+)/g, '{$1}')}`;
    const parameters: Json[] = [];
    for (const [name, s] of Object.entries(shapeOf(spec.params)))
      parameters.push({ name, in: 'path', required: true, schema: schemaOf(s, 'input') });
    for (const [name, s] of Object.entries(shapeOf(spec.query)))
      parameters.push({ name, in: 'query', required: !s.isOptional(), schema: schemaOf(s, 'input') });
    if (spec.method !== 'get')
      parameters.push({
        name: 'Idempotency-Key',
        in: 'header',
        required: false,
        description: 'A repeat with the same key and request answers the first answer and changes nothing',
        schema: { type: 'string', maxLength: 255 },
      });
    const content: Json = {};
    if (spec.body) content['application/json'] = { schema: schemaOf(spec.body, 'input') };
    if (spec.custom)
      content['multipart/form-data'] = {
        schema: {
          type: 'object',
          required: ['artifact'],
          properties: {
            artifact: { type: 'string', contentMediaType: 'application/octet-stream' },
            input: {
              type: 'string',
              contentMediaType: 'application/json',
              contentSchema: schemaOf(spec.custom.form, 'input'),
            },
          },
        },
      };
    const ok = String(spec.status ?? 200);
    paths[path] = {
      ...(paths[path] ?? {}),
      [spec.method]: {
        summary: spec.summary,
        description: `Role: ${spec.role} or above.${spec.cli ? ` CLI: \`modelreg ${spec.cli}\`.` : ''}`,
        'x-role': spec.role,
        parameters,
        ...(Object.keys(content).length > 0
          ? { requestBody: { required: spec.method !== 'delete', content } }
          : {}),
        responses: {
          [ok]: {
            description: 'The answer (the CLI --json shape)',
            content: {
              'application/json': {
                schema: spec.response ? schemaOf(spec.response, 'output') : { type: 'object' },
              },
            },
          },
          ...Object.fromEntries(
            Object.entries(ERRORS).map(([code, description]) => [
              code,
              {
                description,
                content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
              },
            ]),
          ),
        },
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'modelreg API',
      version,
      description: `The model registry's JSON API. Roles, weakest first: ${ROLES.join(', ')}; each includes the ones before it.`,
    },
    servers: [{ url: '/' }],
    security: [{ bearer: [] }],
    components: {
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description: 'An API token (modelreg tokens create) or, on AWS, a JWT',
        },
      },
      schemas: {
        Error: {
          type: 'object',
          required: ['error'],
          properties: {
            error: {
              type: 'object',
              required: ['name', 'message'],
              properties: {
                name: {
                  type: 'string',
                  description: 'The stable error name (GateFailedError, VersionNotFoundError …)',
                },
                message: { type: 'string' },
                details: { type: 'object' },
                gates: {
                  type: 'array',
                  items: { type: 'object' },
                  description: 'The gate table of a GateFailedError',
                },
              },
            },
          },
        },
      },
    },
    paths,
  };
}

const esc = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!,
  );

/** The docs page's style sheet (served beside it, so the page needs no inline style). */
export const DOCS_CSS =
  'body{font:15px/1.45 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}h2{font-size:1rem;margin:1.5rem 0 .3rem}pre{background:#f4f4f4;padding:.5rem;overflow:auto}';

/** The docs page: every operation with its role, parameters and body schema. */
export function docsPage(doc: Json): string {
  const rows: string[] = [];
  for (const [path, ops] of Object.entries(doc.paths as Record<string, Record<string, Json>>)) {
    for (const [method, op] of Object.entries(ops)) {
      const params = (op.parameters as Json[]).map(
        (p) => `${p.name} (${p.in}${p.required ? ', required' : ''})`,
      );
      const body = op.requestBody ? JSON.stringify((op.requestBody as Json).content, null, 2) : '';
      rows.push(
        `<section><h2><code>${esc(method.toUpperCase())} ${esc(path)}</code></h2><p>${esc(String(op.summary))}</p>` +
          `<p>${esc(String(op.description))}</p>` +
          (params.length ? `<p>Parameters: ${esc(params.join(', '))}</p>` : '') +
          (body ? `<details><summary>Body</summary><pre>${esc(body)}</pre></details>` : '') +
          '</section>',
      );
    }
  }
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>modelreg API</title>
<link rel="stylesheet" href="docs.css">
</head><body><h1>modelreg API</h1><p>${esc(String((doc.info as Json).description))} Machine-readable: <a href="openapi.json">openapi.json</a>. Errors are <code>{"error":{"name","message"}}</code>.</p>
${rows.join('\n')}</body></html>`;
}
