/**
 * A registry built with the real use cases for the web UI's tests, and the app around it.
 * fraud/detector: three real demo models (baseline, more-features, all-features) evaluated
 * on one held-out set; 1.0.0 in production, 1.0.1 and 1.0.2 in staging, a policy that asks
 * for approval and min_auc in production, and a pending request for 1.0.2 by alice.
 * fraud/ranker: one version whose tag holds markup, to prove it is escaped.
 */
import { Hono } from 'hono';
import type { Registry } from '../../../src/app/registry.js';
import { signDecisionToken } from '../../../src/core/approval-links.js';
import type { Approval } from '../../../src/core/workflow.js';
import type { HttpEnv, Role } from '../../../src/http/env.js';
import { pageRoutes } from '../../../src/http/pages/index.js';
import { openWorkspace, type Workspace } from '../../support/workflow-fixtures.js';

export const UC = 'fraud';
export const DETECTOR = { useCase: UC, modelName: 'detector' };
export const RANKER = { useCase: UC, modelName: 'ranker' };
export const MARKUP_TAG = '<script>alert(1)</script>';
export const APPROVAL_SECRET = Buffer.from('ui-test-approval-secret');

/** The store, its registry, the pending approval and the app serving the pages. */
export interface UiFixture {
  ws: Workspace;
  registry: Registry;
  approval: Approval;
  app: Hono<HttpEnv>;
  /** A signed approve/reject link path for the pending request. */
  link: (decision: 'approve' | 'reject') => string;
  cleanup: () => Promise<void>;
}

/** The CSRF token the test identity middleware gives an actor. */
export function csrfOf(actor: string): string {
  return `csrf-${actor}`;
}

/**
 * Test-only identity: the `test-user` cookie says `actor:role` (what the auth middleware
 * establishes from a token in the real app); no cookie, no identity.
 */
export function testIdentity(registry: Registry) {
  return async (c: import('hono').Context<HttpEnv>, next: () => Promise<void>) => {
    c.set('registry', registry);
    const cookie = /(?:^|;\s*)test-user=([^;]+)/.exec(c.req.header('cookie') ?? '')?.[1];
    if (cookie) {
      const [actor, role] = decodeURIComponent(cookie).split(':') as [string, Role];
      c.set('identity', { actor, role, via: 'token' });
      c.set('csrf', csrfOf(actor));
    }
    await next();
  };
}

/** The cookie header of a test user. */
export function as(actor: string, role: Role): Record<string, string> {
  return { cookie: `test-user=${encodeURIComponent(`${actor}:${role}`)}` };
}

/** Builds the store described above; `requester` is who asked for the approval (an actor as the app names it). */
export async function makeUiFixture(
  options: { requester?: string; secret?: () => Promise<Buffer> } = {},
): Promise<UiFixture> {
  const ws = await openWorkspace();
  const registry = ws.registry;
  const { demoFixtures } = await import('../../support/workflow-fixtures.js');
  await registry.registerEvalSet({
    useCase: UC,
    name: 'holdout',
    file: await ws.csv(demoFixtures().holdout),
  });
  await registry.setPolicy({
    ...DETECTOR,
    policy: { evaluation: { evalSet: 'holdout', evaluator: 'builtin:logistic-regression' } },
  });
  const runs = ['baseline', 'more-features', 'all-features'] as const;
  for (const [i, run] of runs.entries()) {
    await registry.register({
      ...DETECTOR,
      artifactPath: await ws.model(run),
      version: `1.0.${i}`,
      tags: { team: 'risk', run },
      lineage: { runId: `run-${run}`, datasetVersion: 'tx-2026-11', codeVersion: `git:${i}abc` },
      metrics: { latency_ms: 12 + i },
    });
    await registry.evaluate({ ...DETECTOR, version: `1.0.${i}` });
  }
  await registry.promote({ ...DETECTOR, version: '1.0.0' });
  await registry.promote({ ...DETECTOR, version: '1.0.0', to: 'production' });
  await registry.promote({ ...DETECTOR, version: '1.0.1' });
  await registry.promote({ ...DETECTOR, version: '1.0.2' });
  await registry.setPolicy({
    ...DETECTOR,
    policy: {
      evaluation: { evalSet: 'holdout', evaluator: 'builtin:logistic-regression' },
      requireApproval: true,
      gates: { production: { min_auc: 0.5 } },
    },
  });
  const comparison = await registry.compareWithProduction({ ...DETECTOR, version: '1.0.2' });
  const approval = await registry.requestApproval({
    ...DETECTOR,
    version: '1.0.2',
    requestedBy: options.requester ?? 'alice',
    taskToken: 'cli-ui-test',
    evidence: { ...comparison },
  });
  await registry.register({
    ...RANKER,
    artifactPath: await ws.file('ranker.bin', 'ranker bytes'),
    metrics: { ndcg: 0.71 },
    tags: { note: MARKUP_TAG },
  });

  const app = new Hono<HttpEnv>();
  app.use('*', testIdentity(registry));
  app.route('/', pageRoutes({ approvalSecret: async () => APPROVAL_SECRET }));
  const expiresAt = new Date(Date.now() + 3600_000);
  const secret = options.secret ? await options.secret() : APPROVAL_SECRET;
  const link = (decision: 'approve' | 'reject') =>
    `/approvals/${approval.approvalId}/${decision}?token=${encodeURIComponent(
      signDecisionToken(secret, { approvalId: approval.approvalId, decision, expiresAt }),
    )}`;
  return { ws, registry, approval, app, link, cleanup: () => ws.cleanup() };
}
