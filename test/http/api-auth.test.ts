/**
 * Identity beyond Bearer tokens: browser sessions (POST /login, the HttpOnly SameSite=Strict
 * cookie, CSRF on every cookie POST, POST /logout), the OS user on a loopback host without
 * tokens, verified JWT claims (the Lambda host), the role rules, the error mapping, and
 * the OpenAPI document with its docs page.
 */
import type { Context } from 'hono';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiTokens } from '../../src/app/api-tokens.js';
import type { Registry } from '../../src/app/registry.js';
import {
  AliasNotFoundError,
  ConcurrentModificationError,
  GateFailedError,
  ModelNotFoundError,
  ValidationError,
  VersionExistsError,
} from '../../src/core/errors.js';
import { createApp } from '../../src/http/app.js';
import type { AuthConfig } from '../../src/http/auth.js';
import { roleFromGroups, SESSION_COOKIE } from '../../src/http/auth.js';
import { errorBody, ForbiddenError, statusOf, UnauthorizedError } from '../../src/http/errors.js';
import { type LocalBackend, makeLocalBackend } from '../support/local-backend.js';

const SECRET = Buffer.from('fedcba9876543210fedcba9876543210');

describe('HTTP identity and roles', () => {
  let backend: LocalBackend;
  let registry: Registry;
  let tokens: ApiTokens;

  beforeEach(async () => {
    backend = await makeLocalBackend();
    registry = backend.registry();
    tokens = new ApiTokens(registry.records);
  });
  afterEach(() => backend.cleanup());

  const appWith = (auth: AuthConfig) => createApp({ registry, auth, approvalSecret: async () => SECRET });

  describe('browser sessions', () => {
    const login = async (app: ReturnType<typeof appWith>, token: string) => {
      const res = await app.request('/login', {
        method: 'POST',
        body: new URLSearchParams({ token, next: '/api/v1/approvals' }),
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://localhost' },
      });
      return res;
    };

    it('sets an HttpOnly SameSite=Strict session cookie for a valid token and redirects to next', async () => {
      const t = await tokens.create({ name: 'alice', role: 'editor', createdBy: 'test' });
      const app = appWith({ mode: 'embedded', tokens, secret: SECRET });
      const res = await login(app, t.token);
      expect(res.status).toBe(303);
      expect(res.headers.get('location')).toBe('/api/v1/approvals');
      const cookie = res.headers.get('set-cookie') ?? '';
      expect(cookie).toContain(`${SESSION_COOKIE}=`);
      expect(cookie).toMatch(/HttpOnly/i);
      expect(cookie).toMatch(/SameSite=Strict/i);
      expect(cookie).not.toContain(t.token);
    });

    it('refuses a wrong token (back to /login with an error) and sets no cookie', async () => {
      const app = appWith({ mode: 'embedded', tokens, secret: SECRET });
      const res = await login(app, 'mr_wrong');
      expect(res.status).toBe(303);
      expect(res.headers.get('location')).toMatch(/^\/login\?error=invalid/);
      expect(res.headers.get('set-cookie')).toBeNull();
    });

    it('never redirects off-site after login', async () => {
      const t = await tokens.create({ name: 'alice', role: 'viewer', createdBy: 'test' });
      const app = appWith({ mode: 'embedded', tokens, secret: SECRET });
      const res = await app.request('/login', {
        method: 'POST',
        body: new URLSearchParams({ token: t.token, next: '//evil.example/x' }),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      expect(res.headers.get('location')).toBe('/');
    });

    it('refuses a login form posted from another site', async () => {
      const t = await tokens.create({ name: 'alice', role: 'viewer', createdBy: 'test' });
      const app = appWith({ mode: 'embedded', tokens, secret: SECRET });
      const res = await app.request('/login', {
        method: 'POST',
        body: new URLSearchParams({ token: t.token }),
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example' },
      });
      expect(res.status).toBe(403);
      const malformed = await app.request('/login', {
        method: 'POST',
        body: new URLSearchParams({ token: t.token }),
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'not a url' },
      });
      expect(malformed.status).toBe(403);
      // a page with Referrer-Policy: no-referrer posts with Origin "null": the token decides
      const opaque = await app.request('/login', {
        method: 'POST',
        body: new URLSearchParams({ token: t.token }),
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'null' },
      });
      expect(opaque.status).toBe(303);
    });

    it('authenticates by cookie, and refuses a cookie POST without the CSRF token', async () => {
      const t = await tokens.create({ name: 'alice', role: 'admin', createdBy: 'test' });
      const app = appWith({ mode: 'embedded', tokens, secret: SECRET });
      const cookie = (await login(app, t.token)).headers.get('set-cookie')!.split(';')[0]!;
      const read = await app.request('/api/v1/approvals', { headers: { cookie } });
      expect(read.status).toBe(200);

      const policy = JSON.stringify({ policy: { requireApproval: true } });
      const post = (headers: Record<string, string>) =>
        app.request('/api/v1/models/u/m/policy', {
          method: 'PUT',
          body: policy,
          headers: { cookie, 'content-type': 'application/json', ...headers },
        });
      const refused = await post({});
      expect(refused.status).toBe(403);
      expect(((await refused.json()) as { error: { name: string } }).error.name).toBe('CsrfError');
      expect((await post({ 'x-csrf-token': 'forged' })).status).toBe(403);
    });

    it('accepts the session CSRF token that the middleware hands to pages', async () => {
      const t = await tokens.create({ name: 'alice', role: 'admin', createdBy: 'test' });
      const app = appWith({ mode: 'embedded', tokens, secret: SECRET });
      app.get('/csrf-probe', (c) => c.text(c.get('csrf')));
      const cookie = (await login(app, t.token)).headers.get('set-cookie')!.split(';')[0]!;
      const csrf = await (await app.request('/csrf-probe', { headers: { cookie } })).text();
      expect(csrf.length).toBeGreaterThan(20);
      const res = await app.request('/api/v1/models/u/m/policy', {
        method: 'PUT',
        body: JSON.stringify({ policy: { requireApproval: true } }),
        headers: { cookie, 'content-type': 'application/json', 'x-csrf-token': csrf },
      });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { requireApproval: boolean }).requireApproval).toBe(true);
    });

    it('ends the session when its token is revoked, and on logout', async () => {
      const t = await tokens.create({ name: 'alice', role: 'viewer', createdBy: 'test' });
      const app = appWith({ mode: 'embedded', tokens, secret: SECRET });
      const cookie = (await login(app, t.token)).headers.get('set-cookie')!.split(';')[0]!;
      expect((await app.request('/api/v1/approvals', { headers: { cookie } })).status).toBe(200);
      await tokens.revoke({ name: 'alice' });
      expect((await app.request('/api/v1/approvals', { headers: { cookie } })).status).toBe(401);

      const out = await app.request('/logout', { method: 'POST', headers: { 'x-csrf-token': 'x' } });
      expect(out.status).toBe(401);
    });

    it('refuses a tampered session cookie', async () => {
      const t = await tokens.create({ name: 'alice', role: 'viewer', createdBy: 'test' });
      const app = appWith({ mode: 'embedded', tokens, secret: SECRET });
      const cookie = (await login(app, t.token)).headers.get('set-cookie')!.split(';')[0]!;
      const other = appWith({
        mode: 'embedded',
        tokens,
        secret: Buffer.from('another secret entirely, 32 byte'),
      });
      expect((await other.request('/api/v1/approvals', { headers: { cookie } })).status).toBe(401);
    });
  });

  describe('the OS user on loopback', () => {
    it('acts as the OS user with the admin role when no credentials are sent', async () => {
      const app = appWith({ mode: 'embedded', tokens, secret: SECRET, osUser: 'dana' });
      app.get('/who', (c) => c.json(c.get('identity')));
      expect(await (await app.request('/who')).json()).toEqual({
        actor: 'dana',
        role: 'admin',
        via: 'os-user',
      });
    });

    it('still refuses a browser POST without the CSRF token (a page on another site cannot post as the OS user)', async () => {
      const app = appWith({ mode: 'embedded', tokens, secret: SECRET, osUser: 'dana' });
      const res = await app.request('/api/v1/models/u/m/versions/1.0.0/promote', {
        method: 'POST',
        body: new URLSearchParams({}),
        headers: { origin: 'https://evil.example', 'content-type': 'application/x-www-form-urlencoded' },
      });
      expect(res.status).toBe(403);
    });

    it('refuses a request addressed to another name (DNS rebinding), and answers loopback names', async () => {
      const app = appWith({ mode: 'embedded', tokens, secret: SECRET, osUser: 'dana' });
      app.get('/who', (c) => c.json(c.get('identity')));
      const rebound = await app.request('/who', { headers: { host: 'evil.example:8080' } });
      expect(rebound.status).toBe(403);
      expect(((await rebound.json()) as { error: { message: string } }).error.message).toMatch(
        /localhost or 127\.0\.0\.1/,
      );
      for (const host of ['localhost:8080', '127.0.0.1:8080', '[::1]:8080', '127.0.0.2']) {
        expect((await app.request('/who', { headers: { host } })).status, host).toBe(200);
      }
    });

    it('still checks a Bearer token that is sent', async () => {
      const app = appWith({ mode: 'embedded', tokens, secret: SECRET, osUser: 'dana' });
      expect(
        (await app.request('/api/v1/approvals', { headers: { authorization: 'Bearer mr_x' } })).status,
      ).toBe(401);
    });
  });

  describe('verified JWT claims (AWS)', () => {
    const jwtApp = () =>
      appWith({
        mode: 'jwt',
        claims: (c: Context) => (c.env as { claims?: Record<string, unknown> } | undefined)?.claims,
      });

    it('takes the actor from email (else sub) and the role from cognito:groups', async () => {
      const app = jwtApp();
      app.get('/who', (c) => c.json(c.get('identity')));
      const who = await app.request(
        '/who',
        {},
        { claims: { sub: 'abc', email: 'ann@example.com', 'cognito:groups': '[viewer approver]' } },
      );
      expect(await who.json()).toEqual({ actor: 'ann@example.com', role: 'approver', via: 'jwt' });
      const noEmail = await app.request('/who', {}, { claims: { sub: 'abc' } });
      expect(await noEmail.json()).toEqual({ actor: 'abc', role: 'viewer', via: 'jwt' });
    });

    it('refuses a request without claims (401) and a viewer writing (403)', async () => {
      const app = jwtApp();
      expect((await app.request('/api/v1/approvals', {}, {})).status).toBe(401);
      const res = await app.request(
        '/api/v1/models/u/m/policy',
        { method: 'PUT', body: '{"policy":{}}', headers: { 'content-type': 'application/json' } },
        { claims: { sub: 'abc', 'cognito:groups': ['editor'] } },
      );
      expect(res.status).toBe(403);
    });

    it('reads group names with or without the modelreg- prefix, strongest wins', () => {
      expect(roleFromGroups(['modelreg-admin', 'viewer'])).toBe('admin');
      expect(roleFromGroups('editor')).toBe('editor');
      expect(roleFromGroups(['unrelated'])).toBe('viewer');
      expect(roleFromGroups(undefined)).toBe('viewer');
    });
  });

  describe('error mapping', () => {
    it('maps every error name to its status', () => {
      expect(statusOf(new ValidationError('x'))).toBe(400);
      expect(statusOf(new UnauthorizedError('x'))).toBe(401);
      expect(statusOf(new ForbiddenError('x'))).toBe(403);
      expect(statusOf(new ModelNotFoundError('x'))).toBe(404);
      expect(statusOf(new AliasNotFoundError('x'))).toBe(404);
      expect(statusOf(new VersionExistsError('x'))).toBe(409);
      expect(statusOf(new ConcurrentModificationError('x'))).toBe(409);
      expect(statusOf(new GateFailedError('x', { gates: [] }))).toBe(422);
      expect(statusOf(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))).toBe(503);
      expect(
        statusOf(Object.assign(new Error('slow'), { name: 'ProvisionedThroughputExceededException' })),
      ).toBe(503);
      expect(statusOf(new TypeError('bug'))).toBe(500);
    });

    it('names an unavailable backend and hides a bug', () => {
      const unavailable = errorBody(
        Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
      );
      expect(unavailable.error.name).toBe('BackendUnavailableError');
      expect(unavailable.error.message).toMatch(/retry later/);
      const bug = errorBody(new TypeError('secret internals'));
      expect(bug.error).toEqual({ name: 'InternalError', message: expect.not.stringContaining('secret') });
    });

    it('answers 503 when the store is down', async () => {
      const down = backend.registryWith(
        (store) =>
          new Proxy(store, {
            get(target, prop, receiver) {
              if (prop === 'listModels')
                return async () => {
                  throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8000'), {
                    code: 'ECONNREFUSED',
                  });
                };
              return Reflect.get(target, prop, receiver);
            },
          }),
      );
      const app = createApp({
        registry: down,
        auth: { mode: 'embedded', tokens, secret: SECRET, osUser: 'dana' },
      });
      const res = await app.request('/api/v1/models/u');
      expect(res.status).toBe(503);
      expect(((await res.json()) as { error: { name: string } }).error.name).toBe('BackendUnavailableError');
    });
  });

  describe('body limits', () => {
    it('refuses an upload larger than the limit with 413 PayloadTooLargeError, registering nothing', async () => {
      const app = createApp({
        registry,
        auth: { mode: 'embedded', tokens, secret: SECRET, osUser: 'dana' },
        maxUploadBytes: 1000,
      });
      const form = new FormData();
      form.set('artifact', new Blob([Buffer.alloc(5000, 1)]), 'big.bin');
      const res = await app.request('/api/v1/models/u/m/versions', { method: 'POST', body: form });
      expect(res.status).toBe(413);
      expect(((await res.json()) as { error: { name: string } }).error.name).toBe('PayloadTooLargeError');
      expect((await app.request('/api/v1/models/u')).status).toBe(200);
      expect(((await (await app.request('/api/v1/models/u')).json()) as { items: unknown[] }).items).toEqual(
        [],
      );
    });
  });

  describe('OpenAPI', () => {
    it('describes every route from its zod schemas, without credentials', async () => {
      const app = appWith({ mode: 'embedded', tokens, secret: SECRET });
      const res = await app.request('/api/v1/openapi.json');
      expect(res.status).toBe(200);
      const doc = (await res.json()) as {
        openapi: string;
        paths: Record<
          string,
          Record<
            string,
            {
              requestBody?: { content: Record<string, { schema: { properties: Record<string, unknown> } }> };
              'x-role': string;
            }
          >
        >;
      };
      expect(doc.openapi).toBe('3.1.0');
      const promote = doc.paths['/api/v1/models/{useCase}/{model}/versions/{version}/promote']!.post!;
      expect(promote['x-role']).toBe('editor');
      expect(Object.keys(promote.requestBody!.content['application/json']!.schema.properties)).toEqual([
        'to',
        'gates',
        'confidence',
      ]);
      const register = doc.paths['/api/v1/models/{useCase}/{model}/versions']!.post!;
      expect(Object.keys(register.requestBody!.content)).toEqual(['application/json', 'multipart/form-data']);
      expect(doc.paths['/api/v1/models/{useCase}/{model}/policy']!.put!['x-role']).toBe('admin');
      expect(doc.paths['/api/v1/approvals/{approvalId}/approve']!.post!['x-role']).toBe('approver');
    });

    it('serves a docs page with a CSP and no third-party asset', async () => {
      const app = appWith({ mode: 'embedded', tokens, secret: SECRET });
      const res = await app.request('/api/v1/docs');
      expect(res.status).toBe(200);
      const html = await res.text();
      expect(html).toContain('/api/v1/models/{useCase}/{model}/versions/{version}/promote');
      expect(html).not.toMatch(/https?:\/\//);
      expect(res.headers.get('content-security-policy')).toMatch(/default-src 'none'/);
    });
  });
});

describe('the CLI role names', () => {
  it('are the roles the HTTP app knows, in the same order', async () => {
    const { TOKEN_ROLE_NAMES } = await import('../../src/cli/commands/tokens.js');
    const { TOKEN_ROLES } = await import('../../src/app/api-tokens.js');
    const { ROLES } = await import('../../src/http/env.js');
    expect([...TOKEN_ROLE_NAMES]).toEqual([...TOKEN_ROLES]);
    expect([...TOKEN_ROLE_NAMES]).toEqual([...ROLES]);
  });
});

describe('isLoopback', () => {
  it('knows loopback as a bind address and as a Host header, and nothing else', async () => {
    const { isLoopback } = await import('../../src/http/auth.js');
    for (const yes of [
      '127.0.0.1',
      '::1',
      'localhost',
      '[::1]:8080',
      'localhost:8080',
      '127.0.0.2:1',
      'LOCALHOST',
    ])
      expect(isLoopback(yes), yes).toBe(true);
    for (const no of [
      '0.0.0.0',
      '::',
      '10.0.0.1',
      'evil.example:8080',
      'localhost.evil.example',
      '',
      undefined,
    ])
      expect(isLoopback(no), String(no)).toBe(false);
  });
});
