/** The JSON API of release lines, alias weights, `resolve` and deprecation, on the embedded store. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiTokens } from '../../src/app/api-tokens.js';
import type { Registry } from '../../src/app/registry.js';
import { createApp } from '../../src/http/app.js';
import type { HttpEnv } from '../../src/http/env.js';
import type { ContractBackend } from '../contract/registry-contract.js';
import { sha256 } from '../support/artifacts.js';
import { makeLocalBackend } from '../support/local-backend.js';

const SECRET = Buffer.from('0123456789abcdef0123456789abcdef');
const base = '/api/v1/models/robots/grasp';

describe('HTTP API: release lines, alias weights, resolve, deprecate', () => {
  let backend: ContractBackend;
  let registry: Registry;
  let app: Hono<HttpEnv>;
  let dir: string;
  let artifact: string;
  const token: Record<'viewer' | 'editor', string> = { viewer: '', editor: '' };

  const call = (path: string, init: { method?: string; as?: 'viewer' | 'editor'; json?: unknown } = {}) =>
    app.request(path, {
      method: init.method ?? 'GET',
      headers: {
        authorization: `Bearer ${token[init.as ?? 'editor']}`,
        ...(init.json !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(init.json !== undefined ? { body: JSON.stringify(init.json) } : {}),
    });
  // biome-ignore lint/suspicious/noExplicitAny: answers are read field by field and checked by the assertions
  const body = async (res: Response) => (await res.json()) as Record<string, any>;

  beforeAll(async () => {
    backend = await makeLocalBackend();
    registry = backend.registry({ actor: 'setup' });
    const tokens = new ApiTokens(registry.records);
    for (const role of ['viewer', 'editor'] as const)
      token[role] = (await tokens.create({ name: `t-${role}`, role, createdBy: 'test' })).token;
    dir = await mkdtemp(join(tmpdir(), 'modelreg-life-api-'));
    artifact = join(dir, 'model.bin');
    await writeFile(artifact, 'grasp weights');
    app = createApp({
      registry,
      auth: { mode: 'embedded', tokens, secret: SECRET },
      sources: { roots: [dir], s3: false },
      approvalSecret: async () => SECRET,
    });
    for (const [version, line] of [
      ['1.0.0', undefined],
      ['2.0.0', 'orin'],
      ['2.1.0', 'orin'],
    ] as const) {
      const res = await call(`${base}/versions`, {
        method: 'POST',
        json: { source: artifact, version, ...(line ? { line } : {}) },
      });
      expect(res.status).toBe(201);
      for (const to of ['staging', 'production'])
        expect(
          (await call(`${base}/versions/${version}/promote`, { method: 'POST', json: { to } })).status,
        ).toBe(200);
    }
  }, 120_000);

  afterAll(async () => {
    await backend?.cleanup();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('lists a line and shows its production; the other line keeps its own', async () => {
    // Act
    const orin = await body(await call(`${base}/versions?line=orin`, { as: 'viewer' }));
    const models = await body(await call('/api/v1/models/robots', { as: 'viewer' }));

    // Assess
    expect(orin.items.map((v: { version: string; stage: string }) => [v.version, v.stage])).toEqual([
      ['2.1.0', 'production'],
      ['2.0.0', 'superseded'],
    ]);
    expect(models.items[0]).toMatchObject({ productionVersion: '1.0.0', lines: { orin: '2.1.0' } });
  });

  it('sets a weighted alias, refuses a weight over 1, and resolves with artifacts', async () => {
    // Act
    const set = await call(`${base}/aliases/canary`, {
      method: 'PUT',
      json: { version: '2.0.0', weight: 0.2 },
    });
    const tooBig = await call(`${base}/aliases/big`, {
      method: 'PUT',
      json: { version: '2.0.0', weight: 2 },
    });
    const resolved = await call(`${base}/resolve?line=orin`, { as: 'viewer' });
    const badLine = await call(`${base}/resolve?line=a..b`, { as: 'viewer' });

    // Assess
    expect(set.status).toBe(200);
    expect(await body(set)).toMatchObject({ alias: 'canary', version: '2.0.0', weight: 0.2, changed: true });
    expect(tooBig.status).toBe(400);
    expect((await body(tooBig)).error.message).toContain('at most 1');
    expect(resolved.status).toBe(200);
    const r = await body(resolved);
    expect(r).toMatchObject({ line: 'orin', production: { version: '2.1.0' }, productionWeight: 0.8 });
    expect(r.production.artifact.sha256).toBe(sha256('grasp weights'));
    expect(r.aliases).toEqual([
      expect.objectContaining({ alias: 'canary', version: '2.0.0', weight: 0.2, line: 'orin' }),
    ]);
    expect(badLine.status).toBe(400);
  });

  it('deprecates as an editor with a reason, refuses a viewer and a missing reason, then refuses promotion', async () => {
    // Prepare
    await call(`${base}/versions`, { method: 'POST', json: { source: artifact, version: '3.0.0' } });

    // Act
    const viewer = await call(`${base}/versions/3.0.0/deprecate`, {
      method: 'POST',
      as: 'viewer',
      json: { reason: 'x' },
    });
    const noReason = await call(`${base}/versions/3.0.0/deprecate`, { method: 'POST', json: {} });
    const ok = await call(`${base}/versions/3.0.0/deprecate`, {
      method: 'POST',
      json: { reason: 'leaked split' },
    });
    const promote = await call(`${base}/versions/3.0.0/promote`, { method: 'POST', json: {} });

    // Assess
    expect(viewer.status).toBe(403);
    expect(noReason.status).toBe(400);
    expect(ok.status).toBe(200);
    expect(await body(ok)).toEqual({
      deprecated: true,
      version: '3.0.0',
      stage: 'deprecated',
      reason: 'leaked split',
      stillRunning: [],
    });
    expect(promote.status).toBeGreaterThanOrEqual(400);
    expect((await body(promote)).error.name).toBe('InvalidTransitionError');
    const trail = await registry.auditTrail({ useCase: 'robots', modelName: 'grasp', limit: 1000 });
    expect(trail.items.at(-1)).toMatchObject({
      action: 'deprecate',
      actor: 't-editor',
      details: { reason: 'leaked split' },
    });
  });
});
