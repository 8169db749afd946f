/** The event and monitoring routes over the embedded store: CLI shapes, roles, refusals. */
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

const SECRET = Buffer.from('0123456789abcdef0123456789abcdef');
const base = '/api/v1/models/fraud/scorer';

describe('HTTP API: events and monitoring', () => {
  let backend: ContractBackend;
  let registry: Registry;
  let app: Hono<HttpEnv>;
  let dir: string;
  const token: Record<'viewer' | 'editor', string> = { viewer: '', editor: '' };

  const call = (path: string, as: 'viewer' | 'editor', json?: unknown) =>
    app.request(path, {
      method: json === undefined ? 'GET' : 'POST',
      headers: { authorization: `Bearer ${token[as]}`, 'content-type': 'application/json' },
      ...(json !== undefined ? { body: JSON.stringify(json) } : {}),
    });

  beforeAll(async () => {
    backend = await makeLocalBackend();
    registry = backend.registry({ actor: 'not-the-caller' });
    const tokens = new ApiTokens(registry.records);
    for (const role of ['viewer', 'editor'] as const)
      token[role] = (await tokens.create({ name: `t-${role}`, role, createdBy: 'test' })).token;
    dir = await mkdtemp(join(tmpdir(), 'modelreg-api-monitor-'));
    await writeFile(join(dir, 'model.bin'), 'weights');
    for (const v of ['1.0.0', '1.1.0']) {
      await registry.register({
        useCase: 'fraud',
        modelName: 'scorer',
        version: v,
        artifactPath: join(dir, 'model.bin'),
      });
      await registry.promote({ useCase: 'fraud', modelName: 'scorer', version: v, to: 'staging' });
      await registry.promote({ useCase: 'fraud', modelName: 'scorer', version: v, to: 'production' });
    }
    await registry.setPolicy({
      useCase: 'fraud',
      modelName: 'scorer',
      policy: { monitoring: [{ metric: 'auc', min: 0.8, sustainedFor: '1h', action: 'rollback' }] },
    });
    app = createApp({
      registry,
      auth: { mode: 'embedded', tokens, secret: SECRET },
      sources: { roots: [dir], s3: false },
      approvalSecret: async () => SECRET,
    });
  }, 120_000);

  afterAll(async () => {
    await backend?.cleanup();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('records an event as the caller (201) and lists it', async () => {
    const res = await call(`${base}/versions/1.0.0/events`, 'editor', {
      kind: 'note',
      details: 'canary at 5%',
    });
    expect(res.status).toBe(201);
    const e = (await res.json()) as { id: string; actor: string; source: string };
    expect(e).toMatchObject({ actor: 't-editor', source: 'manual' });
    const list = (await (await call(`${base}/events?version=1.0.0`, 'viewer')).json()) as {
      items: unknown[];
    };
    expect(list.items).toEqual([e]);
  });

  it('refuses a viewer writing, and a bad kind with 400', async () => {
    expect(
      (await call(`${base}/versions/1.0.0/events`, 'viewer', { kind: 'note', details: 'x' })).status,
    ).toBe(403);
    expect(
      (await call(`${base}/versions/1.0.0/events`, 'editor', { kind: 'rumour', details: 'x' })).status,
    ).toBe(400);
    expect(
      (await call(`${base}/versions/1.1.0/observations`, 'editor', { metrics: { auc: 1 }, window: 'soon' }))
        .status,
    ).toBe(400);
  });

  it('refuses a metric named __proto__ by name (not "at least one metric is required")', async () => {
    // JSON.parse keeps `__proto__` as an own key, as a request body does
    const sneaky = JSON.parse('{"metrics": {"auc": 0.95, "__proto__": 0.1}}');
    const alone = JSON.parse('{"metrics": {"__proto__": 0.1}}');
    for (const body of [sneaky, alone]) {
      const res = await call(`${base}/versions/1.1.0/observations`, 'editor', body);
      expect(res.status).toBe(400);
      const { error } = (await res.json()) as { error: { name: string; message: string } };
      expect(error.name).toBe('ValidationError');
      expect(error.message).toContain('metric name "__proto__" is not allowed');
    }
    const status = (await (await call(`${base}/versions/1.1.0/monitoring`, 'viewer')).json()) as {
      latest: unknown[];
    };
    expect(status.latest).toEqual([]);
  });

  it('ingests a report, rolls back on a sustained breach once, and shows the status', async () => {
    const report = { metrics: { auc: 0.5 }, at: '2026-05-01T10:00:00Z', window: '1h' };
    const first = await call(`${base}/versions/1.1.0/observations`, 'editor', report);
    const again = await call(`${base}/versions/1.1.0/observations`, 'editor', report);
    expect(first.status).toBe(200);
    const a = (await first.json()) as { recorded: number; rules: { outcome: string; actedOn: unknown }[] };
    const b = (await again.json()) as { recorded: number; rules: { outcome: string }[] };
    expect(a.recorded).toBe(1);
    expect(a.rules[0]).toMatchObject({ outcome: 'acted', actedOn: { rolledBackTo: '1.0.0' } });
    expect(b.recorded).toBe(0);
    expect(b.rules[0]!.outcome).not.toBe('acted');
    const status = (await (await call(`${base}/versions/1.1.0/monitoring`, 'viewer')).json()) as {
      stage: string;
      rules: { state: string }[];
    };
    expect(status).toMatchObject({ stage: 'archived', rules: [{ state: 'sustained' }] });
    expect((await call(`${base}/versions/9.9.9/monitoring`, 'viewer')).status).toBe(404);
  });

  it('shows the events and the rules on the version page', async () => {
    const res = await app.request('/models/fraud/scorer/versions/1.1.0', {
      headers: { authorization: `Bearer ${token.viewer}` },
    });
    expect(res.status).toBe(200);
    const page = await res.text();
    expect(page).toContain('Events after deployment');
    expect(page).toMatch(/data-testid="version-events"[\s\S]*regression[\s\S]*monitor/);
    expect(page).toMatch(/data-testid="monitoring"[\s\S]*auc&gt;=0.8 for 1h then rollback[\s\S]*sustained/);
  });
});
