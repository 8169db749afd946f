/**
 * The Lambda host: an API Gateway (payload 2.0) event with the claims the JWT authorizer
 * verified reaches the same app; the identity is the claims' email and the role their group.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handler } from '../../lambdas/http/index.js';
import { useRegistry } from '../../lambdas/shared/runtime.js';
import type { Registry } from '../../src/app/registry.js';
import { type LocalBackend, makeLocalBackend } from '../support/local-backend.js';

function event(method: string, path: string, claims?: Record<string, unknown>, body?: unknown) {
  return {
    version: '2.0',
    routeKey: `${method} ${path}`,
    rawPath: path,
    rawQueryString: '',
    headers: { host: 'abc.execute-api.eu-west-1.amazonaws.com', 'content-type': 'application/json' },
    requestContext: {
      accountId: '123456789012',
      apiId: 'abc',
      domainName: 'abc.execute-api.eu-west-1.amazonaws.com',
      domainPrefix: 'abc',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '10.0.0.1', userAgent: 'test' },
      requestId: 'r1',
      routeKey: `${method} ${path}`,
      stage: '$default',
      time: '02/Dec/2026:10:00:00 +0000',
      timeEpoch: 0,
      ...(claims ? { authorizer: { jwt: { claims, scopes: null } } } : {}),
    },
    ...(body !== undefined
      ? { body: JSON.stringify(body), isBase64Encoded: false }
      : { isBase64Encoded: false }),
  };
}

describe('lambdas/http', () => {
  let backend: LocalBackend;
  let registry: Registry;
  beforeAll(async () => {
    backend = await makeLocalBackend();
    registry = backend.registry();
    useRegistry(registry);
  });
  afterAll(() => backend.cleanup());

  it('acts as the verified email with the role of its group', async () => {
    const res = await handler(
      event(
        'PUT',
        '/api/v1/models/fraud/scorer/policy',
        { sub: 'u-1', email: 'ann@example.com', 'cognito:groups': '[admin]' },
        {
          policy: { requireApproval: true },
        },
      ) as never,
      {} as never,
    );
    expect(res.statusCode).toBe(200);
    const audit = await registry.auditTrail({ useCase: 'fraud', modelName: 'scorer' });
    expect(audit.items.at(-1)?.actor).toBe('ann@example.com');
  });

  it('refuses a group without the role (403) and a request without claims (401)', async () => {
    const viewer = await handler(
      event(
        'PUT',
        '/api/v1/models/fraud/scorer/policy',
        { sub: 'u-2', 'cognito:groups': '[viewer]' },
        { policy: {} },
      ) as never,
      {} as never,
    );
    expect(viewer.statusCode).toBe(403);
    const anonymous = await handler(event('GET', '/api/v1/approvals') as never, {} as never);
    expect(anonymous.statusCode).toBe(401);
    expect(JSON.parse(anonymous.body).error.name).toBe('UnauthorizedError');
  });

  it('serves the API description without claims (a public route)', async () => {
    const res = await handler(event('GET', '/api/v1/openapi.json') as never, {} as never);
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body).openapi).toBe('3.1.0');
  });
});
