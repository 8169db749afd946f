/**
 * Formats and lineage over HTTP: the JSON API's lineage routes and the web UI's version
 * page (format panel, pickle warning, lineage links) and lineage walk pages.
 */
import { join } from 'node:path';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiTokens } from '../../src/app/api-tokens.js';
import { createApp } from '../../src/http/app.js';
import type { HttpEnv } from '../../src/http/env.js';
import { pageRoutes } from '../../src/http/pages/index.js';
import { hasPython, tinyOnnx, writePickle } from '../support/model-files.js';
import { openWorkspace, type Workspace } from '../support/workflow-fixtures.js';
import { APPROVAL_SECRET, as, testIdentity } from './browser/fixture.js';

const UC = 'vision';
let ws: Workspace;
let ui: Hono<HttpEnv>;
let api: ReturnType<typeof createApp>;
let token: string;

beforeAll(async () => {
  ws = await openWorkspace();
  const { writeFile } = await import('node:fs/promises');
  const onnxPath = join(ws.dir, 'scorer.bin');
  await writeFile(onnxPath, tinyOnnx());
  await ws.registry.register({
    useCase: UC,
    modelName: 'scorer',
    artifactPath: onnxPath,
    lineage: { datasetVersion: 'images-7', featureSet: { name: 'pixels', version: '3' } },
  });
  const childArtifact = hasPython
    ? writePickle(join(ws.dir, 'legacy.bin'))
    : await ws.file('legacy.bin', 'bytes');
  await ws.registry.register({
    useCase: UC,
    modelName: 'legacy',
    artifactPath: childArtifact,
    lineage: {
      datasetVersion: 'images-7',
      parent: { useCase: UC, modelName: 'scorer', version: '1.0.0', relation: 'distillation' },
    },
  });
  ui = new Hono<HttpEnv>();
  ui.use('*', testIdentity(ws.registry));
  ui.route('/', pageRoutes({ approvalSecret: async () => APPROVAL_SECRET }));
  const tokens = new ApiTokens(ws.registry.records);
  token = (await tokens.create({ name: 'viewer', role: 'viewer', createdBy: 'test' })).token;
  api = createApp({
    registry: ws.registry,
    auth: { mode: 'embedded', tokens, secret: Buffer.from('0123456789abcdef0123456789abcdef') },
    sources: { roots: [ws.dir], s3: false },
    approvalSecret: async () => APPROVAL_SECRET,
  });
}, 60_000);

afterAll(async () => {
  await ws?.cleanup();
});

const get = async (path: string) => {
  const res = await api.request(path, { headers: { authorization: `Bearer ${token}` } });
  // biome-ignore lint/suspicious/noExplicitAny: read field by field by the assertions
  return { status: res.status, body: (await res.json()) as any };
};
const page = async (path: string) => {
  const res = await ui.request(path, { headers: as('vera', 'viewer') });
  return { status: res.status, text: await res.text() };
};

describe('lineage walk over the JSON API', () => {
  it('walks from a dataset version', async () => {
    const r = await get('/api/v1/lineage/datasets/images-7');
    expect(r.status).toBe(200);
    expect(r.body.versions.map((v: { modelName: string }) => v.modelName).sort()).toEqual([
      'legacy',
      'scorer',
    ]);
    expect(r.body.featureSets).toEqual([{ name: 'pixels', version: '3' }]);
  });

  it('walks from a feature set', async () => {
    const r = await get('/api/v1/lineage/feature-sets/pixels/3');
    expect(r.body.versions.map((v: { modelName: string }) => v.modelName)).toEqual(['scorer']);
  });

  it("walks a version's parents and children, and answers 404 for an unknown version", async () => {
    const down = await get(`/api/v1/models/${UC}/scorer/versions/1.0.0/lineage`);
    expect(down.body.children).toEqual([
      expect.objectContaining({ modelName: 'legacy', relation: 'distillation', depth: 1 }),
    ]);
    const up = await get(`/api/v1/models/${UC}/legacy/versions/1.0.0/lineage`);
    expect(up.body.parents).toEqual([expect.objectContaining({ modelName: 'scorer', version: '1.0.0' })]);
    const missing = await get(`/api/v1/models/${UC}/scorer/versions/4.0.0/lineage`);
    expect(missing.status).toBe(404);
    expect(missing.body.error.name).toBe('VersionNotFoundError');
  });

  it('answers a version with its detected format', async () => {
    const r = await get(`/api/v1/models/${UC}/scorer/versions/1.0.0`);
    expect(r.body.format).toMatchObject({ name: 'onnx', inputs: [{ name: 'input', dtype: 'float32' }] });
  });
});

describe('formats and lineage in the web UI', () => {
  it("shows an ONNX version's format, inputs and outputs, with no pickle warning", async () => {
    const r = await page(`/models/${UC}/scorer/versions/1.0.0`);
    expect(r.status).toBe(200);
    expect(r.text).toMatch(/data-testid="format-name">onnx, IR 8/);
    expect(r.text).toContain('input float32[batch,3]');
    expect(r.text).toContain('score float32[batch,1]');
    expect(r.text).not.toContain('pickle-warning');
    expect(r.text).toContain(`href="/models/${UC}/scorer/versions/1.0.0/lineage"`);
    expect(r.text).toContain('href="/lineage/datasets/images-7"');
    expect(r.text).toContain('href="/lineage/feature-sets/pixels/3"');
  });

  it.skipIf(!hasPython)('warns on the page of a pickle that loading it executes code', async () => {
    const r = await page(`/models/${UC}/legacy/versions/1.0.0`);
    expect(r.text).toContain('data-testid="pickle-warning"');
    expect(r.text).toMatch(/format-name">pickle, protocol 4/);
    expect(r.text).toContain(`distillation of <a href="/models/${UC}/scorer/versions/1.0.0">`);
  });

  it('renders the walk pages: dataset, feature set, parents and children', async () => {
    const data = await page('/lineage/datasets/images-7');
    expect(data.text).toContain('data-testid="lineage-versions"');
    expect(data.text).toContain(`/models/${UC}/legacy/versions/1.0.0`);
    const fs = await page('/lineage/feature-sets/pixels/3');
    expect(fs.text).toContain(`/models/${UC}/scorer/versions/1.0.0`);
    expect(fs.text).not.toContain(`/models/${UC}/legacy/versions/1.0.0`);
    const walk = await page(`/models/${UC}/scorer/versions/1.0.0/lineage`);
    expect(walk.text).toContain('data-testid="lineage-children"');
    expect(walk.text).toMatch(/<td>distillation<\/td>/);
  });
});
