/**
 * Every Lambda handler fed thousands of generated events: valid ones with fields made
 * hostile, removed or added, and things that are not events at all. A handler answers,
 * or throws one of modelreg's typed errors; never a TypeError, a RangeError or a driver
 * error. Afterwards the store is consistent: every chain verifies, no model has two
 * production versions, and every version counted by its head is there.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

vi.hoisted(() => {
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
});

import { handler as approvalDecision } from '../../lambdas/approval-decision/index.js';
import { handler as archivalPolicy } from '../../lambdas/archival-policy/index.js';
import { handler as archive } from '../../lambdas/archive/index.js';
import { handler as compare } from '../../lambdas/compare/index.js';
import { handler as evaluate } from '../../lambdas/evaluate/index.js';
import { handler as notifySlack } from '../../lambdas/notify-slack/index.js';
import { handler as promote } from '../../lambdas/promote/index.js';
import { handler as register } from '../../lambdas/register/index.js';
import { handler as requestApproval } from '../../lambdas/request-approval/index.js';
import { handler as rollback } from '../../lambdas/rollback/index.js';
import { useRegistry } from '../../lambdas/shared/runtime.js';
import { SqliteRegistryStore } from '../../src/adapters/local/sqlite-store.js';
import { resetApprovalSecret } from '../../src/app/approval-secret.js';
import { ModelregError } from '../../src/index.js';
import { openWorkspace, type Workspace } from '../support/workflow-fixtures.js';
import { hostileMetrics, hostileString, mutated, notAnEvent } from './hostile.js';

/** Runs per handler; ten handlers make the thousands. */
const RUNS = 400;

const ref = { useCase: 'fraud', modelName: 'detector' };
let ws: Workspace;
let slack: Server;
const sfn = mockClient(SFNClient);
const unexpected: string[] = [];
/** Events each handler answered (not refused): the fuzzer must reach past validation too. */
const answered: Record<string, number> = {};

beforeAll(async () => {
  ws = await openWorkspace();
  process.env.MODELREG_STORE = ws.store;
  resetApprovalSecret();
  useRegistry(ws.registry);
  sfn.onAnyCommand().resolves({});
  slack = createServer((_req, res) => {
    res.writeHead(200).end('ok');
  });
  await new Promise<void>((resolve) => slack.listen(0, '127.0.0.1', resolve));
  process.env.MODELREG_SLACK_WEBHOOK_URL = `http://127.0.0.1:${(slack.address() as AddressInfo).port}/hook`;
  const reg = ws.registry;
  for (const run of ['baseline', 'more-features', 'all-features'] as const) {
    await reg.register({ ...ref, artifactPath: await ws.model(run) });
  }
  await reg.promote({ ...ref, version: '1.0.0', to: 'staging' });
  await reg.promote({ ...ref, version: '1.0.0', to: 'production' });
  await reg.promote({ ...ref, version: '1.0.1', to: 'staging' });
  await reg.requestApproval({ ...ref, version: '1.0.1', requestedBy: 'fuzz', taskToken: 'token-1' });
});

afterAll(async () => {
  sfn.restore();
  await new Promise((resolve) => slack.close(resolve));
  delete process.env.MODELREG_SLACK_WEBHOOK_URL;
  delete process.env.MODELREG_STORE;
  await ws.cleanup();
});

/** Calls the handler; an answer or a typed error passes, anything else is recorded and fails. */
async function survive(
  name: string,
  handler: (e: never) => Promise<unknown>,
  event: unknown,
): Promise<boolean> {
  try {
    await handler(event as never);
    answered[name] = (answered[name] ?? 0) + 1;
    return true;
  } catch (e) {
    if (e instanceof ModelregError) return true;
    const err = e as Error;
    unexpected.push(`${name}: ${err?.name}: ${err?.message} for ${JSON.stringify(event)?.slice(0, 300)}`);
    return false;
  }
}

function fuzz(name: string, handler: (e: never) => Promise<unknown>, events: fc.Arbitrary<unknown>) {
  it(`${name}: answers or throws a typed error for ${RUNS} hostile events`, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof({ weight: 5, arbitrary: events }, { weight: 1, arbitrary: notAnEvent }),
        (e) => survive(name, handler, e),
      ),
      { numRuns: RUNS },
    );
  });
}

describe('fuzzing the Lambda handlers', () => {
  fuzz(
    'register',
    register,
    fc
      .record({
        base: mutated(
          { ...ref, runId: 'run-1', requestedBy: 'trainer', metrics: { auc: 0.9 } },
          {
            metrics: hostileMetrics,
            modelName: hostileString,
            runId: hostileString,
          },
        ),
        file: fc.boolean(),
      })
      .map(({ base, file }) => ({
        ...base,
        artifactUri: file
          ? join(ws.dir, 'files', '1', 'model.json')
          : (base.artifactUri ?? '../../etc/passwd'),
      })),
  );
  fuzz('evaluate', evaluate, mutated({ ...ref, version: '1.0.1' }, { version: hostileString }));
  fuzz('compare', compare, mutated({ ...ref, version: '1.0.1' }, { version: hostileString }));
  fuzz(
    'promote',
    promote,
    mutated(
      { ...ref, version: '1.0.2', targetStage: 'staging', confidence: 0.9 },
      { confidence: fc.oneof(fc.double(), hostileMetrics), version: hostileString },
    ),
  );
  fuzz(
    'request-approval',
    requestApproval,
    mutated(
      { ...ref, version: '1.0.1', requestedBy: 'fuzz', taskToken: 'token-2' },
      { taskToken: hostileString },
    ),
  );
  fuzz(
    'approval-decision',
    approvalDecision,
    fc.oneof(
      mutated({ approvalId: 'nope', decision: 'approve', by: 'reviewer' }, { approvalId: hostileString }),
      mutated({ ...ref, version: '1.0.1', decision: 'expire' }),
      mutated({
        requestContext: {},
        pathParameters: { approvalId: 'x', decision: 'approve' },
        queryStringParameters: { token: 'bad', by: 'someone' },
      }),
    ),
  );
  fuzz(
    'rollback',
    rollback,
    mutated({ ...ref, version: '1.0.0', reason: 'fuzz' }, { version: hostileString }),
  );
  fuzz(
    'archive',
    archive,
    mutated({ ...ref, version: '1.0.2', force: false }, { force: fc.constantFrom(true, 'yes', 1) }),
  );
  fuzz(
    'archival-policy',
    archivalPolicy,
    mutated({ useCases: ['fraud'], dryRun: true }, { useCases: fc.array(hostileString, { maxLength: 3 }) }),
  );
  fuzz(
    'notify-slack',
    notifySlack,
    fc.oneof(
      mutated({ Records: [] }),
      fc
        .array(
          fc.oneof(
            fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v)),
            hostileString,
          ),
          { maxLength: 3 },
        )
        .map((messages) => ({ Records: messages.map((Message) => ({ Sns: { Message } })) })),
    ),
  );

  it('found nothing but typed errors, and left the store consistent', async () => {
    expect(unexpected).toEqual([]);
    const raw = new SqliteRegistryStore(join(ws.store, 'registry.db'));
    try {
      const models = raw.database.prepare('SELECT use_case, model_name FROM heads').all() as {
        use_case: string;
        model_name: string;
      }[];
      expect(models.length).toBeGreaterThan(0);
      for (const m of models) {
        const r = { useCase: m.use_case, modelName: m.model_name };
        const head = (await raw.getHead(r))!;
        const versions = (await raw.listVersions(r, { limit: 1000 })).items;
        expect(versions).toHaveLength(head.versionCount);
        expect(versions.filter((v) => v.stage === 'production').length).toBeLessThanOrEqual(1);
        expect(head.production?.version ?? null).toBe(
          versions.find((v) => v.stage === 'production')?.version ?? null,
        );
        expect(await ws.registry.verifyAudit(r)).toMatchObject({ valid: true });
      }
    } finally {
      await raw.close();
    }
    for (const name of ['register', 'evaluate', 'compare', 'promote', 'archival-policy', 'notify-slack']) {
      expect(
        answered[name] ?? 0,
        `${name} answered no event: the generators never got past validation`,
      ).toBeGreaterThan(0);
    }
  });
});
