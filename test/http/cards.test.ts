/**
 * Model cards, version edits and use cases over HTTP: the JSON API routes (app.request, real
 * tokens) and the web UI's version and home pages, on the embedded store.
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
import { as, DETECTOR, makeUiFixture, type UiFixture } from './browser/fixture.js';

const SECRET = Buffer.from('0123456789abcdef0123456789abcdef');
const base = '/api/v1/models/crm/churn/versions/1.0.0';

describe('HTTP API of model cards, edits and use cases', () => {
  let backend: ContractBackend;
  let registry: Registry;
  let app: Hono<HttpEnv>;
  let dir: string;
  const token: Record<'viewer' | 'editor', string> = { viewer: '', editor: '' };
  const call = async (
    path: string,
    who: 'viewer' | 'editor',
    method = 'GET',
    json?: unknown,
    // biome-ignore lint/suspicious/noExplicitAny: answers are read field by field and checked by the assertions
  ): Promise<{ status: number; body: any }> => {
    const res = await app.request(path, {
      method,
      headers: {
        authorization: `Bearer ${token[who]}`,
        ...(json !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(json !== undefined ? { body: JSON.stringify(json) } : {}),
    });
    return { status: res.status, body: await res.json() };
  };

  beforeAll(async () => {
    backend = await makeLocalBackend();
    registry = backend.registry({ actor: 'not-the-caller' });
    const tokens = new ApiTokens(registry.records);
    for (const role of ['viewer', 'editor'] as const)
      token[role] = (await tokens.create({ name: `t-${role}`, role, createdBy: 'test' })).token;
    dir = await mkdtemp(join(tmpdir(), 'modelreg-cards-api-'));
    await writeFile(join(dir, 'model.bin'), 'weights');
    await registry.register({
      useCase: 'crm',
      modelName: 'churn',
      artifactPath: join(dir, 'model.bin'),
      metrics: { auc: 0.9 },
      tags: { team: 'risk' },
    });
    app = createApp({
      registry,
      auth: { mode: 'embedded', tokens, secret: SECRET },
      sources: { roots: [dir], s3: false },
      approvalSecret: async () => SECRET,
    });
  }, 60_000);

  afterAll(async () => {
    await backend?.cleanup();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('sets a card as the caller, shows it with the registry sections, and keeps its history', async () => {
    // Act
    const set = await call(`${base}/card`, 'editor', 'PUT', {
      text: '## Intended use\nRetention.\n## Metrics\nauc 1.0\n',
      format: 'markdown',
    });
    const viewerSet = await call(`${base}/card`, 'viewer', 'PUT', {
      text: 'intended_use: x',
      format: 'yaml',
    });
    const shown = await call(`${base}/card`, 'viewer');
    const history = await call(`${base}/card/history`, 'viewer');
    const bad = await call(`${base}/card`, 'editor', 'PUT', { text: 'intended_uses: x', format: 'yaml' });

    // Assess
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({ changed: true, ignored: ['metrics'], card: { cardVersion: 1 } });
    expect(set.body.card.setBy).not.toBe('not-the-caller');
    expect(viewerSet.status).toBe(403);
    expect(shown.body.facts.metrics).toEqual({ auc: 0.9 });
    expect(shown.body.markdown).toContain('Retention.');
    expect(shown.body.markdown).toContain('| auc | 0.9 |');
    expect(history.body.items).toHaveLength(1);
    expect(bad.status).toBe(400);
    expect(bad.body.error.name).toBe('ValidationError');
  });

  it('edits description and tags, and lists use cases', async () => {
    const edited = await call(`${base}/edit`, 'editor', 'POST', {
      description: 'v1',
      tags: { team: 'growth' },
    });
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({ description: 'v1', tags: { team: 'growth' } });
    const nothing = await call(`${base}/edit`, 'editor', 'POST', {});
    expect(nothing.status).toBe(400);
    const listed = await call('/api/v1/usecases', 'viewer');
    expect(listed.body).toEqual({ items: [{ useCase: 'crm', models: 1 }], nextCursor: null });
  });
});

describe('web UI: the model card on the version page, use cases on the home page', () => {
  let fx: UiFixture;

  beforeAll(async () => {
    fx = await makeUiFixture();
  }, 60_000);

  afterAll(async () => {
    await fx?.cleanup();
  });

  it('renders the card escaped, with evidence and approvals from the records, and follows an edit', async () => {
    // Prepare
    await fx.registry.setCard({
      ...DETECTOR,
      version: '1.0.2',
      text: '## Intended use\n<img src=x onerror=alert(1)> flags fraud.\n',
      format: 'markdown',
    });
    const page = () =>
      fx.app.request(`/models/${DETECTOR.useCase}/${DETECTOR.modelName}/versions/1.0.2`, {
        headers: as('vera', 'viewer'),
      });

    // Act
    const before = await (await page()).text();
    await fx.registry.edit({ ...DETECTOR, version: '1.0.2', description: 'third detector' });
    const after = await (await page()).text();

    // Assess
    expect(before).toContain('data-testid="model-card"');
    expect(before).toContain('&lt;img src=x onerror=alert(1)&gt; flags fraud.');
    expect(before).not.toContain('<img src=x');
    expect(before).toContain('holdout@1');
    expect(before).toContain(fx.approval.approvalId);
    expect(before).not.toContain('third detector');
    expect(after).toContain('third detector');
  });

  it('lists the use cases with their model counts on the home page', async () => {
    const body = await (await fx.app.request('/', { headers: as('vera', 'viewer') })).text();
    expect(body).toContain('data-testid="use-cases"');
    expect(body).toMatch(new RegExp(`${DETECTOR.useCase} · 2 models`));
  });
});
