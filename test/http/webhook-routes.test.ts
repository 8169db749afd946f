/** The webhook routes over the embedded store: admin only, the caller's identity in the audit trail, refusals. */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiTokens } from '../../src/app/api-tokens.js';
import { createApp } from '../../src/http/app.js';
import type { HttpEnv } from '../../src/http/env.js';
import type { ContractBackend } from '../contract/registry-contract.js';
import { makeLocalBackend } from '../support/local-backend.js';

const SECRET = Buffer.from('0123456789abcdef0123456789abcdef');

describe('HTTP API: webhooks', () => {
  let backend: ContractBackend;
  let app: Hono<HttpEnv>;
  let subscriber: Server;
  let url: string;
  const pinged: string[] = [];
  const token: Record<'viewer' | 'editor' | 'admin', string> = { viewer: '', editor: '', admin: '' };

  const call = (method: string, path: string, as: 'viewer' | 'editor' | 'admin', json?: unknown) =>
    app.request(`/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${token[as]}`, 'content-type': 'application/json' },
      ...(json !== undefined ? { body: JSON.stringify(json) } : {}),
    });

  beforeAll(async () => {
    backend = await makeLocalBackend();
    const registry = backend.registry({ actor: 'not-the-caller' });
    const tokens = new ApiTokens(registry.records);
    for (const role of ['viewer', 'editor', 'admin'] as const)
      token[role] = (await tokens.create({ name: `t-${role}`, role, createdBy: 'test' })).token;
    subscriber = createServer((req, res) => {
      pinged.push(String(req.headers['webhook-id']));
      req.resume();
      req.on('end', () => res.end('ok'));
    });
    subscriber.listen(0, '127.0.0.1');
    await once(subscriber, 'listening');
    url = `http://127.0.0.1:${(subscriber.address() as AddressInfo).port}/hook`;
    app = createApp({
      registry,
      auth: { mode: 'embedded', tokens, secret: SECRET },
      sources: { roots: [], s3: false },
      approvalSecret: async () => SECRET,
    });
  }, 120_000);

  afterAll(async () => {
    subscriber?.close();
    await backend?.cleanup();
  });

  it('subscribes, pings and deletes as the verified caller, each change in the webhooks audit trail', async () => {
    // Prepare
    const body = { url, events: ['model.promote'], stage: 'production', allowPrivate: true };

    // Act
    const byEditor = await call('POST', '/webhooks', 'editor', body);
    const forged = await call('POST', '/webhooks', 'admin', { ...body, createdBy: 'someone-else' });
    const created = await call('POST', '/webhooks', 'admin', body);
    const { webhook, secret } = (await created.json()) as {
      webhook: { id: string; createdBy: string };
      secret: string;
    };
    const ping = (await (await call('POST', `/webhooks/${webhook.id}/test`, 'admin')).json()) as {
      status: number;
    };
    const deleted = (await (await call('DELETE', `/webhooks/${webhook.id}`, 'admin')).json()) as {
      status: string;
      deletedBy: string;
    };
    const trail = (await (await call('GET', '/webhooks/audit', 'admin')).json()) as {
      items: { action: string; actor: string }[];
    };
    const listed = (await (await call('GET', '/webhooks', 'admin')).json()) as {
      items: Record<string, unknown>[];
    };

    // Assess
    expect(byEditor.status).toBe(403);
    expect(forged.status).toBe(400); // the subscriber is the caller, never a field
    expect(created.status).toBe(201);
    expect(secret).toMatch(/^whsec_/);
    expect(webhook.createdBy).toBe('t-admin');
    expect(ping.status).toBe(200);
    expect(pinged).toHaveLength(1);
    expect(deleted).toMatchObject({ status: 'deleted', deletedBy: 't-admin' });
    expect(trail.items.map((e) => [e.action, e.actor])).toEqual([
      ['webhook.create', 't-admin'],
      ['webhook.delete', 't-admin'],
    ]);
    expect(JSON.stringify(listed)).not.toContain(secret);
  });

  it('keeps the webhooks trail admin-only: the model audit routes and pages refuse its reserved names', async () => {
    // Prepare
    await call('POST', '/webhooks', 'admin', { url, events: ['*'], allowPrivate: true });

    // Act
    const asAdmin = await call('GET', '/webhooks/audit', 'admin');
    const asViewer = await call('GET', '/webhooks/audit', 'viewer');
    const viaModel = await call('GET', '/models/.registry/.webhooks/audit', 'viewer');
    const viaVerify = await call('GET', '/models/.registry/.webhooks/audit/verify', 'viewer');
    const keysViaModel = await call('GET', '/models/fraud/.keys/audit', 'viewer');
    const page = await app.request('/models/.registry/.webhooks/audit', {
      headers: { authorization: `Bearer ${token.viewer}` },
    });

    // Assess
    expect(asAdmin.status).toBe(200);
    expect(asViewer.status).toBe(403);
    expect([viaModel.status, viaVerify.status, keysViaModel.status]).toEqual([400, 400, 400]);
    expect(page.status).toBe(400);
    expect(await page.text()).not.toContain('webhook.create');
  });

  it('refuses an event type the registry never publishes, a private host and an unknown id', async () => {
    // Act
    const unknownType = await call('POST', '/webhooks', 'admin', {
      url,
      events: ['approval.request'],
      allowPrivate: true,
    });
    const privateHost = await call('POST', '/webhooks', 'admin', { url, events: ['model.promote'] });
    const missing = await call('GET', '/webhooks/wh_nope/deliveries', 'admin');

    // Assess
    expect(unknownType.status).toBe(400);
    expect(JSON.stringify(await unknownType.json())).toContain('did you mean model.approval.request?');
    expect(privateHost.status).toBe(400);
    expect(JSON.stringify(await privateHost.json())).toContain('--allow-private');
    expect(missing.status).toBe(404);
  });
});
