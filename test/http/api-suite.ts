/**
 * The JSON API suite, run on the embedded store (test/http/api.test.ts) and on DynamoDB
 * Local + moto (test/aws/http-api.test.ts): every route with a valid request, an invalid
 * body, an unknown model, a wrong role, a missing token, an idempotent repeat, and the
 * error mapping. Requests go through app.request(), no socket.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiTokens } from '../../src/app/api-tokens.js';
import type { Registry } from '../../src/app/registry.js';
import { signDecisionToken } from '../../src/core/approval-links.js';
import { createApp } from '../../src/http/app.js';
import type { HttpEnv, Role } from '../../src/http/env.js';
import type { ContractBackend } from '../contract/registry-contract.js';
import { sha256 } from '../support/artifacts.js';

const SECRET = Buffer.from('0123456789abcdef0123456789abcdef');
const U = 'fraud';
const M = 'scorer';
const base = `/api/v1/models/${U}/${M}`;

/** Runs the API suite over a backend. */
export function describeApiSuite(name: string, makeBackend: () => Promise<ContractBackend>): void {
  describe(`HTTP API on ${name}`, () => {
    let backend: ContractBackend;
    let registry: Registry;
    let app: Hono<HttpEnv>;
    let dir: string;
    let artifact: string;
    const token: Record<Role | 'approver2', string> = {} as never;

    const call = (
      path: string,
      init: RequestInit & { as?: keyof typeof token | null; json?: unknown } = {},
    ) => {
      const { as = 'admin', json, ...rest } = init;
      const headers = new Headers(rest.headers);
      if (as) headers.set('authorization', `Bearer ${token[as]}`);
      if (json !== undefined) headers.set('content-type', 'application/json');
      return app.request(path, {
        ...rest,
        headers,
        ...(json !== undefined ? { body: JSON.stringify(json) } : {}),
      });
    };
    // biome-ignore lint/suspicious/noExplicitAny: answers are read field by field and checked by the assertions
    const body = async (res: Response) => (await res.json()) as Record<string, any>;

    beforeAll(async () => {
      backend = await makeBackend();
      registry = backend.registry({ actor: 'not-the-caller' });
      const tokens = new ApiTokens(registry.records);
      for (const role of ['viewer', 'editor', 'approver', 'admin'] as const)
        token[role] = (await tokens.create({ name: `t-${role}`, role, createdBy: 'test' })).token;
      token.approver2 = (
        await tokens.create({ name: 'second-approver', role: 'approver', createdBy: 'test' })
      ).token;
      dir = await mkdtemp(join(tmpdir(), 'modelreg-api-'));
      artifact = join(dir, 'model.bin');
      await writeFile(artifact, 'weights v1');
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

    describe('identity', () => {
      it('refuses a request without a token with 401 UnauthorizedError', async () => {
        const res = await call(`/api/v1/models/${U}`, { as: null });
        expect(res.status).toBe(401);
        expect((await body(res)).error.name).toBe('UnauthorizedError');
      });

      it('refuses an unknown token with 401', async () => {
        const res = await app.request(`/api/v1/models/${U}`, {
          headers: { authorization: 'Bearer mr_nope' },
        });
        expect(res.status).toBe(401);
      });

      it('refuses a revoked token', async () => {
        const tokens = new ApiTokens(registry.records);
        const t = await tokens.create({ name: 'short-lived', role: 'viewer', createdBy: 'test' });
        const ok = await app.request(`/api/v1/models/${U}`, {
          headers: { authorization: `Bearer ${t.token}` },
        });
        expect(ok.status).toBe(200);
        await tokens.revoke({ name: 'short-lived' });
        const res = await app.request(`/api/v1/models/${U}`, {
          headers: { authorization: `Bearer ${t.token}` },
        });
        expect(res.status).toBe(401);
      });

      it('keeps only the hash of a token', async () => {
        const listed = await new ApiTokens(registry.records).list();
        expect(JSON.stringify(listed)).not.toContain(token.admin);
        const page = await registry.records.listRecords('token', { scope: 'api-tokens' }, { limit: 100 });
        expect(page.items.map((r) => r.id)).toContain(sha256(token.admin));
        expect(JSON.stringify(page.items)).not.toContain(token.admin);
      });
    });

    describe('register', () => {
      it('registers a multipart upload as the caller (201, CLI shape)', async () => {
        const form = new FormData();
        form.set('artifact', new Blob(['weights v1']), 'model.bin');
        form.set(
          'input',
          JSON.stringify({ version: '1.0.0', metrics: { auc: 0.81 }, tags: { team: 'risk' } }),
        );
        const res = await call(`${base}/versions`, { method: 'POST', body: form, as: 'editor' });
        expect(res.status).toBe(201);
        const v = await body(res);
        expect(v).toMatchObject({ version: '1.0.0', stage: 'development', registeredBy: 't-editor' });
        expect(v.artifact.sha256).toBe(sha256('weights v1'));
      });

      it('registers a server path under an allowed root', async () => {
        const res = await call(`${base}/versions`, {
          method: 'POST',
          as: 'editor',
          json: { source: artifact, version: '1.1.0', metrics: { auc: 0.86 }, tags: { team: 'risk' } },
        });
        expect(res.status).toBe(201);
        expect((await body(res)).registeredBy).toBe('t-editor');
      });

      it('refuses a server path outside the allowed roots (403)', async () => {
        const res = await call(`${base}/versions`, {
          method: 'POST',
          as: 'editor',
          json: { source: '/etc/hostname' },
        });
        expect(res.status).toBe(403);
        expect((await body(res)).error.message).toMatch(/outside the allowed roots/);
      });

      it('refuses a field that names who acted (400)', async () => {
        const res = await call(`${base}/versions`, {
          method: 'POST',
          as: 'editor',
          json: { source: artifact, registeredBy: 'mallory' },
        });
        expect(res.status).toBe(400);
        expect((await body(res)).error.message).toMatch(
          /registeredBy: who acted is the authenticated identity/,
        );
        const form = new FormData();
        form.set('artifact', new Blob(['x']), 'x.bin');
        form.set('input', JSON.stringify({ by: 'mallory' }));
        const multipart = await call(`${base}/versions`, { method: 'POST', body: form, as: 'editor' });
        expect(multipart.status).toBe(400);
      });

      it('refuses an invalid body with 400 ValidationError naming the field', async () => {
        const res = await call(`${base}/versions`, {
          method: 'POST',
          as: 'editor',
          json: { source: artifact, metrics: { auc: 'high' } },
        });
        expect(res.status).toBe(400);
        const e = (await body(res)).error;
        expect(e.name).toBe('ValidationError');
        expect(e.message).toMatch(/metrics\.auc/);
      });

      it('refuses a body that is not JSON', async () => {
        const res = await call(`${base}/versions`, {
          method: 'POST',
          as: 'editor',
          headers: { 'content-type': 'application/json' },
          body: '{nope',
        });
        expect(res.status).toBe(400);
        expect((await body(res)).error.message).toMatch(/not valid JSON/);
      });

      it('answers 409 VersionExistsError for a pinned version that exists', async () => {
        const res = await call(`${base}/versions`, {
          method: 'POST',
          as: 'editor',
          json: { source: artifact, version: '1.0.0' },
        });
        expect(res.status).toBe(409);
        expect((await body(res)).error.name).toBe('VersionExistsError');
      });

      it('refuses a viewer (403) and writes nothing', async () => {
        const res = await call(`${base}/versions`, {
          method: 'POST',
          as: 'viewer',
          json: { source: artifact, version: '9.9.9' },
        });
        expect(res.status).toBe(403);
        expect((await body(res)).error.name).toBe('ForbiddenError');
        expect((await call(`${base}/versions/9.9.9`)).status).toBe(404);
      });

      it('replays an idempotent repeat without registering twice', async () => {
        const key = `reg-${Date.now()}`;
        const send = () =>
          call(`${base}/versions`, {
            method: 'POST',
            as: 'editor',
            headers: { 'idempotency-key': key },
            json: { source: artifact, bump: 'patch', metrics: { auc: 0.8 } },
          });
        const first = await send();
        const firstBody = await body(first);
        const before = (await body(await call(`${base}/versions?limit=1000`))).items.length;
        const second = await send();
        expect(second.status).toBe(first.status);
        expect(second.headers.get('idempotent-replayed')).toBe('true');
        expect(await body(second)).toEqual(firstBody);
        expect((await body(await call(`${base}/versions?limit=1000`))).items.length).toBe(before);
      });

      it('refuses the same Idempotency-Key for a different request (422)', async () => {
        const key = `other-${Date.now()}`;
        const headers = { 'idempotency-key': key };
        const first = await call(`${base}/versions`, {
          method: 'POST',
          as: 'editor',
          headers,
          json: { source: artifact, bump: 'patch' },
        });
        expect(first.status).toBe(201);
        const res = await call(`${base}/versions`, {
          method: 'POST',
          as: 'editor',
          headers,
          json: { source: artifact, bump: 'minor' },
        });
        expect(res.status).toBe(422);
        expect((await body(res)).error.name).toBe('IdempotencyKeyError');
      });

      it('replays a multipart upload by content, whatever its boundary', async () => {
        const form = () => {
          const f = new FormData();
          f.set('artifact', new Blob(['weights mp']), 'model.bin');
          f.set('input', JSON.stringify({ bump: 'patch' }));
          return f;
        };
        const headers = { 'idempotency-key': `mp-${Date.now()}` };
        const a = await call(`${base}/versions`, { method: 'POST', as: 'editor', headers, body: form() });
        const b = await call(`${base}/versions`, { method: 'POST', as: 'editor', headers, body: form() });
        expect(a.status).toBe(201);
        expect(b.headers.get('idempotent-replayed')).toBe('true');
        expect((await body(b)).version).toBe((await body(a)).version);
      });
    });

    describe('reads', () => {
      it('lists models of a use case', async () => {
        const res = await call(`/api/v1/models/${U}`, { as: 'viewer' });
        expect(res.status).toBe(200);
        expect((await body(res)).items.map((m: { modelName: string }) => m.modelName)).toEqual([M]);
      });

      it('lists versions with stage, tag and metric filters and cursors', async () => {
        const all = (await body(await call(`${base}/versions?limit=1000`, { as: 'viewer' }))).items as {
          version: string;
          metrics: Record<string, number>;
          tags: Record<string, string>;
        }[];
        const high = await body(await call(`${base}/versions?metric=auc%3E%3D0.85`, { as: 'viewer' }));
        expect(high.items.map((v: { version: string }) => v.version)).toEqual(
          all.filter((v) => (v.metrics.auc ?? 0) >= 0.85).map((v) => v.version),
        );
        const tagged = await body(await call(`${base}/versions?tag=team%3Drisk&limit=1`, { as: 'viewer' }));
        expect(tagged.items).toHaveLength(1);
        expect(tagged.nextCursor).not.toBeNull();
        const next = await body(
          await call(
            `${base}/versions?tag=team%3Drisk&limit=1&cursor=${encodeURIComponent(tagged.nextCursor)}`,
            {
              as: 'viewer',
            },
          ),
        );
        const expected = all.filter((v) => v.tags.team === 'risk').map((v) => v.version);
        expect([...tagged.items, ...next.items].map((v: { version: string }) => v.version)).toEqual(
          expected.slice(0, 2),
        );
        const dev = await body(await call(`${base}/versions?stage=development`, { as: 'viewer' }));
        expect(dev.items.length).toBe(all.length);
      });

      it('refuses a bad filter, stage or limit with 400', async () => {
        for (const q of ['metric=auc~1', 'stage=prod', 'limit=0', 'tag=noequals', 'colour=red']) {
          const res = await call(`${base}/versions?${q}`, { as: 'viewer' });
          expect(res.status, q).toBe(400);
          expect((await body(res)).error.name).toBe('ValidationError');
        }
      });

      it('answers 404 for an unknown model, version and alias', async () => {
        for (const path of [
          `/api/v1/models/${U}/ghost/versions`,
          `${base}/versions/7.7.7`,
          `${base}/versions/@nobody`,
          `/api/v1/models/${U}/ghost/policy`,
        ]) {
          const res = await call(path, { as: 'viewer' });
          expect(res.status, path).toBe(404);
          expect((await body(res)).error.name).toMatch(/NotFoundError$/);
        }
      });

      it('shows a version and the newest in a stage', async () => {
        const v = await body(await call(`${base}/versions/1.1.0`, { as: 'viewer' }));
        expect(v.metrics.auc).toBe(0.86);
        const res = await call(`${base}/stages/development`, { as: 'viewer' });
        expect(res.status).toBe(200);
      });

      it('answers an unknown route with a JSON 404', async () => {
        const res = await call('/api/v1/nothing-here', { as: 'viewer' });
        expect(res.status).toBe(404);
        expect((await body(res)).error.name).toBe('NotFoundError');
      });
    });

    describe('lifecycle', () => {
      it('promotes as the caller, and refuses a viewer', async () => {
        const denied = await call(`${base}/versions/1.0.0/promote`, {
          method: 'POST',
          as: 'viewer',
          json: {},
        });
        expect(denied.status).toBe(403);
        const res = await call(`${base}/versions/1.0.0/promote`, { method: 'POST', as: 'editor', json: {} });
        expect(res.status).toBe(200);
        expect(await body(res)).toMatchObject({ promoted: true, version: '1.0.0', stage: 'staging' });
        const audit = await body(await call(`${base}/audit?limit=1000`, { as: 'viewer' }));
        const last = audit.items.at(-1);
        expect(last).toMatchObject({ action: 'promote', actor: 't-editor' });
      });

      it('answers a failed gate with 422 and the gate table', async () => {
        const res = await call(`${base}/versions/1.1.0/promote`, {
          method: 'POST',
          as: 'editor',
          json: { gates: { min_auc: 0.99 } },
        });
        expect(res.status).toBe(422);
        const refused = await body(res);
        expect(refused).toMatchObject({ promoted: false, version: '1.1.0', stage: 'development' });
        const e = refused.error;
        expect(e.name).toBe('GateFailedError');
        expect(e.gates).toEqual(
          expect.arrayContaining([expect.objectContaining({ gate: 'min_auc', passed: false, actual: 0.86 })]),
        );
      });

      it('refuses a promote body with an unknown field or an actor field', async () => {
        const unknown = await call(`${base}/versions/1.1.0/promote`, {
          method: 'POST',
          as: 'editor',
          json: { speed: 1 },
        });
        expect(unknown.status).toBe(400);
        const actor = await call(`${base}/versions/1.1.0/promote`, {
          method: 'POST',
          as: 'editor',
          json: { promotedBy: 'mallory' },
        });
        expect(actor.status).toBe(400);
      });

      it('answers 409 for a move the lifecycle does not allow', async () => {
        const res = await call(`${base}/versions/1.1.0/demote`, { method: 'POST', as: 'editor', json: {} });
        expect(res.status).toBe(409);
        expect((await body(res)).error.name).toBe('InvalidTransitionError');
      });

      it('replays an idempotent promote and records one audit event', async () => {
        const count = async () => (await body(await call(`${base}/audit?limit=1000`))).items.length;
        const before = await count();
        const headers = { 'idempotency-key': `promote-${Date.now()}` };
        const a = await call(`${base}/versions/1.0.0/promote`, {
          method: 'POST',
          as: 'editor',
          headers,
          json: {},
        });
        expect(a.status).toBe(200);
        expect(await body(a)).toMatchObject({ promoted: true, stage: 'production', archivedVersion: null });
        const b = await call(`${base}/versions/1.0.0/promote`, {
          method: 'POST',
          as: 'editor',
          headers,
          json: {},
        });
        expect(b.headers.get('idempotent-replayed')).toBe('true');
        expect(await count()).toBe(before + 1);
      });

      it('sets, reads and removes an alias', async () => {
        const set = await call(`${base}/aliases/champion`, {
          method: 'PUT',
          as: 'editor',
          json: { version: '1.0.0' },
        });
        expect(set.status).toBe(200);
        expect((await body(await call(`${base}/versions/@champion`))).version).toBe('1.0.0');
        const bad = await call(`${base}/aliases/champion`, { method: 'PUT', as: 'editor', json: {} });
        expect(bad.status).toBe(400);
        const removed = await call(`${base}/aliases/champion`, { method: 'DELETE', as: 'editor' });
        expect(removed.status).toBe(200);
        expect((await call(`${base}/versions/@champion`)).status).toBe(404);
      });

      it('compares two versions (delta = b − a)', async () => {
        const res = await call(`${base}/compare?a=1.0.0&b=1.1.0`, { as: 'viewer' });
        expect(res.status).toBe(200);
        const c = await body(res);
        expect(c.metrics.auc.delta).toBeCloseTo(0.86 - 0.81, 10);
        expect((await call(`${base}/compare?a=1.0.0`, { as: 'viewer' })).status).toBe(400);
      });

      it('archives (editor) and rolls back (editor)', async () => {
        await call(`${base}/versions/1.1.0/promote`, {
          method: 'POST',
          as: 'editor',
          json: { to: 'production' },
        });
        const rolled = await call(`${base}/rollback`, {
          method: 'POST',
          as: 'editor',
          json: { version: '1.0.0', reason: 'bad' },
        });
        expect(rolled.status, JSON.stringify(await rolled.clone().json())).toBe(200);
        expect((await body(await call(`${base}/stages/production`))).version).toBe('1.0.0');
        const archived = await call(`${base}/versions/1.1.0/archive`, {
          method: 'POST',
          as: 'editor',
          json: {},
        });
        expect([200, 409]).toContain(archived.status);
        const prod = await call(`${base}/versions/1.0.0/archive`, { method: 'POST', as: 'editor', json: {} });
        expect(prod.status).toBe(409);
      });
    });

    describe('policy and audit', () => {
      it('lets only an admin set the policy', async () => {
        const policy = { approvers: ['t-approver'], requireApproval: true };
        const denied = await call(`${base}/policy`, { method: 'PUT', as: 'approver', json: { policy } });
        expect(denied.status).toBe(403);
        const res = await call(`${base}/policy`, { method: 'PUT', as: 'admin', json: { policy } });
        expect(res.status).toBe(200);
        expect((await body(await call(`${base}/policy`, { as: 'viewer' }))).approvers).toEqual([
          't-approver',
        ]);
        const bad = await call(`${base}/policy`, {
          method: 'PUT',
          as: 'admin',
          json: { policy: { gates: 3 } },
        });
        expect(bad.status).toBe(400);
      });

      it('verifies the audit chain', async () => {
        const res = await call(`${base}/audit/verify`, { as: 'viewer' });
        expect(res.status).toBe(200);
        expect((await body(res)).valid).toBe(true);
      });

      it('finds versions by training run', async () => {
        await call(`${base}/versions`, {
          method: 'POST',
          as: 'editor',
          json: { source: artifact, version: '2.0.0', lineage: { runId: 'run-42' } },
        });
        const res = await body(await call('/api/v1/lineage/run-42', { as: 'viewer' }));
        expect(res.items.map((v: { version: string }) => v.version)).toEqual(['2.0.0']);
      });
    });

    describe('approvals', () => {
      let approvalId: string;

      it('requests approval as the caller', async () => {
        await call(`${base}/versions/2.0.0/promote`, { method: 'POST', as: 'editor', json: {} });
        const res = await call(`${base}/versions/2.0.0/approval`, { method: 'POST', as: 'editor', json: {} });
        expect(res.status).toBe(201);
        const a = await body(res);
        expect(a).toMatchObject({ status: 'pending', requestedBy: 't-editor' });
        expect(a.taskToken).toBeUndefined();
        approvalId = a.approvalId;
        const list = await body(await call('/api/v1/approvals', { as: 'viewer' }));
        expect(list.items.map((x: { approvalId: string }) => x.approvalId)).toContain(approvalId);
      });

      it('refuses an editor, and an approver the policy does not name', async () => {
        const editor = await call(`/api/v1/approvals/${approvalId}/approve`, {
          method: 'POST',
          as: 'editor',
          json: {},
        });
        expect(editor.status).toBe(403);
        const other = await call(`/api/v1/approvals/${approvalId}/approve`, {
          method: 'POST',
          as: 'approver2',
          json: {},
        });
        expect(other.status).toBeGreaterThanOrEqual(400);
        expect((await body(await call(`/api/v1/approvals/${approvalId}`))).status).toBe('pending');
      });

      it('refuses a link token signed for another decision', async () => {
        const t = signDecisionToken(SECRET, {
          approvalId,
          decision: 'reject',
          expiresAt: new Date(Date.now() + 60_000),
        });
        const res = await call(`/api/v1/approvals/${approvalId}/approve`, {
          method: 'POST',
          as: 'approver',
          json: { token: t },
        });
        expect(res.status).toBe(403);
        expect((await body(res)).error.name).toBe('InvalidApprovalTokenError');
      });

      it('lets the named approver decide, once, as themself', async () => {
        const t = signDecisionToken(SECRET, {
          approvalId,
          decision: 'approve',
          expiresAt: new Date(Date.now() + 60_000),
        });
        const res = await call(`/api/v1/approvals/${approvalId}/approve`, {
          method: 'POST',
          as: 'approver',
          json: { token: t, reason: 'looks good' },
        });
        expect(res.status).toBe(200);
        expect(await body(res)).toMatchObject({ status: 'approved', decidedBy: 't-approver' });
        const again = await call(`/api/v1/approvals/${approvalId}/reject`, {
          method: 'POST',
          as: 'approver',
          json: {},
        });
        expect(again.status).toBe(409);
      });

      it('answers 404 for an unknown approval', async () => {
        expect(
          (await call('/api/v1/approvals/nope/approve', { method: 'POST', as: 'approver', json: {} })).status,
        ).toBe(404);
      });
    });

    describe('evaluation sets and notifications', () => {
      it('registers an evaluation set by upload and lists it', async () => {
        const form = new FormData();
        form.set('artifact', new Blob(['x,y\n1,0\n']), 'holdout.csv');
        form.set('input', JSON.stringify({ description: 'holdout rows' }));
        const res = await call(`/api/v1/evalsets/${U}/holdout`, { method: 'POST', as: 'editor', body: form });
        expect(res.status).toBe(201);
        expect(await body(res)).toMatchObject({ id: 'holdout@1', registeredBy: 't-editor' });
        const list = await body(await call(`/api/v1/evalsets/${U}/holdout`, { as: 'viewer' }));
        expect(list.items).toHaveLength(1);
        const evidence = await body(await call(`${base}/versions/1.0.0/evidence`, { as: 'viewer' }));
        expect(evidence.items).toEqual([]);
      });

      it('evaluates (nothing configured) and says why', async () => {
        const res = await call(`${base}/versions/1.0.0/evaluate`, { method: 'POST', as: 'editor', json: {} });
        expect(res.status).toBe(200);
        expect((await body(res)).evaluated).toBe(false);
      });

      it('lists undelivered notifications and refuses an empty resend', async () => {
        const res = await call('/api/v1/notifications/undelivered', { as: 'viewer' });
        expect(res.status).toBe(200);
        expect((await body(res)).items).toEqual([]);
        expect(
          (await call('/api/v1/notifications/resend', { method: 'POST', as: 'editor', json: {} })).status,
        ).toBe(400);
        const all = await call('/api/v1/notifications/resend', {
          method: 'POST',
          as: 'editor',
          json: { all: true },
        });
        expect(await body(all)).toEqual({ sent: [], failed: [] });
      });
    });
  });
}
