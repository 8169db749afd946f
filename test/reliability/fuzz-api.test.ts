/**
 * Every route of the JSON API fed generated requests: hostile path parameters (traversal,
 * NUL and control characters, unicode, 10k characters), hostile bodies (NaN-like metric
 * values, wrong types, duplicate-looking keys) and bodies that are not JSON at all. Each
 * answer is a typed error or a success: never a 500, never a stack trace, never an error
 * name that is not one of modelreg's. Afterwards the store is consistent: the chain
 * verifies and there is at most one production version.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import type { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ApiTokens } from '../../src/app/api-tokens.js';
import type { Registry } from '../../src/app/registry.js';
import { createApp } from '../../src/http/app.js';
import type { HttpEnv } from '../../src/http/env.js';
import * as errors from '../../src/index.js';
import { type LocalBackend, makeLocalBackend } from '../support/local-backend.js';
import { hostileMetrics, hostileString, hostileValue } from './hostile.js';

const SECRET = Buffer.from('0123456789abcdef0123456789abcdef');
const U = 'fraud';
const M = 'scorer';
/** Requests per route; the API has a few dozen routes, so this makes thousands. */
const RUNS = 120;

/** Error names modelreg raises (its typed errors) and the HTTP layer's own. */
const KNOWN = new Set([
  ...(Object.values(errors) as unknown[])
    .filter((v): v is new (m: string) => Error => typeof v === 'function' && v.prototype instanceof Error)
    .map((E) => new (E as new (m: string, x: unknown[]) => Error)('x', []).name),
  'UnauthorizedError',
  'ForbiddenError',
  'CsrfError',
  'PayloadTooLargeError',
  'InvalidApprovalTokenError',
  'ApprovalTokenExpiredError',
  'IdempotencyConflictError',
  'IdempotencyInProgressError',
  'CheckpointInvalidError',
]);

let backend: LocalBackend;
let registry: Registry;
let app: Hono<HttpEnv>;
let token: string;
let operations: { method: string; path: string }[];
const unexpected: string[] = [];
const statuses: Record<number, number> = {};

beforeAll(async () => {
  backend = await makeLocalBackend();
  registry = backend.registry({ actor: 'fuzzer' });
  const tokens = new ApiTokens(registry.records);
  token = (await tokens.create({ name: 'fuzz-admin', role: 'admin', createdBy: 'test' })).token;
  const artifact = join(backend.dir, 'weights.bin');
  await writeFile(artifact, 'weights');
  await registry.register({ useCase: U, modelName: M, artifactPath: artifact, metrics: { auc: 0.9 } });
  await registry.register({ useCase: U, modelName: M, artifactPath: artifact, metrics: { auc: 0.91 } });
  app = createApp({
    registry,
    auth: { mode: 'embedded', tokens, secret: SECRET },
    sources: { roots: [backend.dir], s3: false },
    approvalSecret: async () => SECRET,
  });
  const doc = (await (await app.request('/api/v1/openapi.json')).json()) as {
    paths: Record<string, Record<string, unknown>>;
  };
  operations = Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.keys(ops)
      .filter((m) => ['get', 'post', 'put', 'patch', 'delete'].includes(m))
      .map((method) => ({ method: method.toUpperCase(), path })),
  );
  // the server logs what it answers with 500; the assertion below is what counts
  vi.spyOn(console, 'error').mockImplementation(() => {});
}, 120_000);

afterAll(async () => {
  vi.restoreAllMocks();
  await backend?.cleanup();
});

/** A path parameter: mostly plausible values, so requests reach past routing, else hostile. */
const param = (name: string): fc.Arbitrary<string> =>
  fc.oneof(
    {
      weight: 2,
      arbitrary: fc.constant(name === 'useCase' ? U : name === 'model' || name === 'modelName' ? M : '1.0.0'),
    },
    { weight: 3, arbitrary: hostileString },
  );

const body: fc.Arbitrary<{ text: string; type: string }> = fc.oneof(
  fc
    .record(
      {
        version: hostileString,
        to: fc.oneof(fc.constantFrom('staging', 'production', 'archived', 'prod'), hostileString),
        metrics: hostileMetrics,
        tags: hostileValue,
        metadata: hostileValue,
        alias: hostileString,
        reason: hostileString,
        source: hostileString,
        policy: hostileValue,
        gates: hostileValue,
      },
      { requiredKeys: [] },
    )
    .map((o) => ({ text: JSON.stringify(o), type: 'application/json' })),
  hostileValue.map((v) => ({ text: JSON.stringify(v) ?? 'null', type: 'application/json' })),
  fc.constantFrom('{', '{"a":', 'nul\u0000', '[1,2', '{"__proto__":{"x":1}}', '1e999', '').map((text) => ({
    text,
    type: 'application/json',
  })),
  fc.string({ maxLength: 50 }).map((text) => ({ text, type: 'text/plain' })),
);

describe('fuzzing the JSON API', () => {
  it('answers every generated request on every route with a typed error or a success', async () => {
    expect(operations.length).toBeGreaterThan(20);
    for (const op of operations) {
      const names = [...op.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
      await fc.assert(
        fc.asyncProperty(fc.tuple(...names.map(param)), body, async (values, b) => {
          let path = op.path;
          names.forEach((n, i) => {
            path = path.replace(`{${n}}`, encodeURIComponent(values[i] ?? ''));
          });
          const res = await app.request(path, {
            method: op.method,
            headers: { authorization: `Bearer ${token}`, 'content-type': b.type },
            ...(op.method === 'GET' || op.method === 'DELETE' ? {} : { body: b.text }),
          });
          statuses[res.status] = (statuses[res.status] ?? 0) + 1;
          const text = await res.text();
          const where = `${op.method} ${path} ${b.text.slice(0, 80)} → ${res.status}`;
          if (res.status >= 500) unexpected.push(`${where}: ${text.slice(0, 200)}`);
          if (/\n\s+at [^\n]+:\d+:\d+/.test(text)) unexpected.push(`${where}: a stack trace`);
          if (res.status >= 400 && res.headers.get('content-type')?.includes('json')) {
            const name = (JSON.parse(text) as { error?: { name?: string } }).error?.name;
            if (!name || !KNOWN.has(name)) unexpected.push(`${where}: error name ${name}`);
          }
        }),
        { numRuns: RUNS },
      );
    }
    console.log(`fuzzed ${operations.length} operations; statuses ${JSON.stringify(statuses)}`);
    expect(unexpected.slice(0, 10)).toEqual([]);
    // the fuzzer reached past validation as well as being refused by it
    expect(Object.keys(statuses).some((s) => Number(s) < 300)).toBe(true);
    expect(Object.keys(statuses).some((s) => Number(s) >= 400)).toBe(true);
  }, 240_000);

  it('leaves the store consistent: the chain verifies and at most one version is in production', async () => {
    const audit = await registry.verifyAudit({ useCase: U, modelName: M });
    expect(audit.valid).toBe(true);
    const production = await registry.listInStage({ useCase: U, stage: 'production', limit: 100 });
    expect(production.items.filter((v) => v.modelName === M).length).toBeLessThanOrEqual(1);
  });
});
