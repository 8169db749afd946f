/**
 * The API routes of deployments, variants and explain, and the version page's "Variants",
 * "Running now" and "After deployment" sections, over the embedded store (app.request).
 */
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
import { makeLocalBackend } from '../support/local-backend.js';

const M = { useCase: 'robotics', modelName: 'perception' };
const base = `/api/v1/models/${M.useCase}/${M.modelName}`;

describe('deployments, variants and explain over HTTP', () => {
  let backend: ContractBackend;
  let registry: Registry;
  let app: Hono<HttpEnv>;
  let dir: string;
  const token: Record<'viewer' | 'editor', string> = { viewer: '', editor: '' };

  const call = (path: string, as: 'viewer' | 'editor', json?: unknown) =>
    app.request(path, {
      method: json === undefined ? 'GET' : 'POST',
      headers: {
        authorization: `Bearer ${token[as]}`,
        ...(json === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(json === undefined ? {} : { body: JSON.stringify(json) }),
    });

  // biome-ignore lint/suspicious/noExplicitAny: answers are read field by field and checked by the assertions
  const body = async (res: Response) => (await res.json()) as Record<string, any>;

  beforeAll(async () => {
    backend = await makeLocalBackend();
    registry = backend.registry({ actor: 'not-the-caller' });
    const tokens = new ApiTokens(registry.records);
    for (const role of ['viewer', 'editor'] as const)
      token[role] = (await tokens.create({ name: `t-${role}`, role, createdBy: 'test' })).token;
    dir = await mkdtemp(join(tmpdir(), 'modelreg-deploy-api-'));
    await writeFile(join(dir, 'm.bin'), 'weights');
    await writeFile(join(dir, 'model.engine'), 'engine');
    await registry.register({ ...M, artifactPath: join(dir, 'm.bin') });
    await registry.addVariant({
      ...M,
      version: '1.0.0',
      target: 'jetson-orin-int8',
      artifactPath: join(dir, 'model.engine'),
    });
    app = createApp({
      registry,
      auth: { mode: 'embedded', tokens, secret: Buffer.from('0123456789abcdef0123456789abcdef') },
      sources: { roots: [dir], s3: false },
      approvalSecret: async () => Buffer.from('0123456789abcdef0123456789abcdef'),
    });
  }, 60_000);

  afterAll(async () => {
    await backend?.cleanup();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('records a deployment as the caller, lists it by model and fleet, and ends it', async () => {
    // Act
    const denied = await call(`${base}/versions/1.0.0/deployments`, 'viewer', {
      env: 'prod',
      fleet: 'f',
      site: 's',
      customer: 'c',
    });
    const created = await call(`${base}/versions/1.0.0/deployments`, 'editor', {
      variant: 'jetson-orin-int8',
      env: 'prod',
      fleet: 'wh-a',
      site: 'lyon',
      customer: 'acme',
    });
    const d = await body(created);
    const repeated = await call(`${base}/versions/1.0.0/deployments`, 'editor', {
      variant: 'jetson-orin-int8',
      env: 'prod',
      fleet: 'wh-a',
      site: 'lyon',
      customer: 'acme',
    });
    const byFleet = await body(await call('/api/v1/deployments?fleet=wh-a&running=true', 'viewer'));
    const ended = await call(`/api/v1/deployments/${d.id}/end`, 'editor', { reason: 'drained' });
    const running = await body(await call(`${base}/deployments?running=true`, 'viewer'));
    const again = await call(`/api/v1/deployments/${d.id}/end`, 'editor', {});
    const bad = await call('/api/v1/deployments', 'viewer');

    // Assess
    expect(denied.status).toBe(403);
    expect(created.status).toBe(201);
    expect(repeated.status).toBe(200); // the same deployment, still running: nothing created
    expect(await body(repeated)).toMatchObject({ id: d.id, alreadyRunning: true });
    expect(d).toMatchObject({
      version: '1.0.0',
      variant: 'jetson-orin-int8',
      fleet: 'wh-a',
      status: 'active',
    });
    expect(d.by).not.toBe('not-the-caller');
    expect(d.by).toBe(d.recordedBy);
    expect(byFleet.items.map((x: { id: string }) => x.id)).toEqual([d.id]);
    expect(ended.status).toBe(200);
    expect((await body(ended)).status).toBe('ended');
    expect(running.items).toEqual([]);
    expect(again.status).toBe(409);
    expect(bad.status).toBe(400);
  });

  it('answers explain and variants with the CLI --json shapes', async () => {
    // Act
    const explained = await body(await call(`${base}/versions/1.0.0/explain`, 'viewer'));
    const variants = await body(await call(`${base}/versions/1.0.0/variants`, 'viewer'));

    // Assess
    expect(explained).toEqual(JSON.parse(JSON.stringify(await registry.explain({ ...M, version: '1.0.0' }))));
    expect(Object.keys(explained)).toEqual(
      expect.arrayContaining(['data', 'promotion', 'evaluation', 'variants', 'deployments', 'events']),
    );
    expect(variants.items.map((v: { target: string }) => v.target)).toEqual(['jetson-orin-int8']);
  });

  it('shows the variants, what runs now and the events after deployment on the version page', async () => {
    // Prepare
    await registry.recordDeployment({
      ...M,
      version: '1.0.0',
      env: 'prod',
      fleet: 'wh-b',
      site: 'oslo',
      customer: 'nordic',
    });
    await registry.recordEvent({
      ...M,
      version: '1.0.0',
      kind: 'maintenance',
      details: 'recalibrated camera rig',
    });

    // Act
    const res = await app.request(`/models/${M.useCase}/${M.modelName}/versions/1.0.0`, {
      headers: { authorization: `Bearer ${token.viewer}` },
    });
    const html = await res.text();

    // Assess
    expect(res.status).toBe(200);
    expect(html).toMatch(/data-testid="variants"[\s\S]*jetson-orin-int8/);
    expect(html).toMatch(/data-testid="deployments"[\s\S]*wh-b[\s\S]*oslo/);
    expect(html).not.toMatch(/data-testid="deployments"[\s\S]*wh-a<\/td>/);
    expect(html).toMatch(/data-testid="version-events"[\s\S]*recalibrated camera rig/);
  });
  it('answers rollback, archive and deprecate with the deployments still running the version that left use', async () => {
    // Prepare: 1.0.0 then 1.0.1 in production, 1.0.2 in staging; each runs on a fleet
    const P = { useCase: 'robotics', modelName: 'planner' };
    const at = `/api/v1/models/${P.useCase}/${P.modelName}`;
    const where = { env: 'prod', site: 'lyon', customer: 'acme' };
    const on: Record<string, string> = {};
    for (const [version, to] of [
      ['1.0.0', 'production'],
      ['1.0.1', 'production'],
      ['1.0.2', 'staging'],
    ] as const) {
      await registry.register({ ...P, version, artifactPath: join(dir, 'm.bin') });
      await registry.promote({ ...P, version, to: 'staging' });
      if (to === 'production') await registry.promote({ ...P, version, to });
      on[version] = (await registry.recordDeployment({ ...P, version, fleet: `f-${version}`, ...where })).id;
    }

    // Act
    const rolled = await call(`${at}/rollback`, 'editor', { reason: 'regression' });
    const deprecated = await call(`${at}/versions/1.0.2/deprecate`, 'editor', { reason: 'recall' });
    const archived = await call(`${at}/versions/1.0.1/archive`, 'editor', {});

    // Assess: only the rolled-back-from 1.0.1, not the staging canary 1.0.2
    expect(rolled.status).toBe(200);
    const r = await body(rolled);
    expect(r).toMatchObject({ rolledBack: true, version: '1.0.0', archivedVersion: '1.0.1' });
    expect(r.stillRunning.map((d: { id: string }) => d.id)).toEqual([on['1.0.1']]);
    expect((await body(deprecated)).stillRunning.map((d: { id: string }) => d.id)).toEqual([on['1.0.2']]);
    expect(await body(archived)).toMatchObject({
      alreadyArchived: true,
      stillRunning: [{ id: on['1.0.1'] }],
    });
  });
});
