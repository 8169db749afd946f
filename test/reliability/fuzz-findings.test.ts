/** What the fuzzers found, pinned as plain tests (each failed before its fix). */
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

vi.hoisted(() => {
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
});

import { handler as approvalDecision } from '../../lambdas/approval-decision/index.js';
import { handler as notifySlack } from '../../lambdas/notify-slack/index.js';
import type { Registry } from '../../src/app/registry.js';
import { AliasNotFoundError, ValidationError } from '../../src/index.js';
import { rejection } from '../contract/registry-contract.js';
import { writeFileArtifact } from '../support/artifacts.js';
import { type LocalBackend, makeLocalBackend } from '../support/local-backend.js';

describe('fuzzer findings', () => {
  let backend: LocalBackend;
  let reg: Registry;
  const ref = { useCase: 'fraud', modelName: 'risk' };

  beforeEach(async () => {
    backend = await makeLocalBackend();
    reg = backend.registry();
    await reg.register({ ...ref, artifactPath: await writeFileArtifact(join(backend.dir, 'a.bin'), 'a') });
  });
  afterEach(() => backend.cleanup());

  it('does not find an alias named like an Object.prototype member that was never set', async () => {
    for (const alias of ['valueOf', 'toString', 'constructor', 'hasOwnProperty']) {
      await rejection(reg.info({ ...ref, alias }), AliasNotFoundError);
      await rejection(reg.removeAlias({ ...ref, name: alias }), AliasNotFoundError);
    }
    const set = await reg.setAlias({ ...ref, name: 'valueOf', version: '1.0.0' });
    expect(set).toMatchObject({ previousVersion: null, changed: true });
    expect((await reg.info({ ...ref, alias: 'valueOf' })).version).toBe('1.0.0');
    expect(await reg.verifyAudit(ref)).toEqual({ valid: true, checked: 2 });
  });

  it('refuses an artifact path the system cannot use (too long) with a ValidationError', async () => {
    await rejection(reg.register({ ...ref, artifactPath: 'x'.repeat(10_000) }), ValidationError);
    await rejection(
      reg.getArtifact({ ...ref, version: '1.0.0', output: join(backend.dir, 'y'.repeat(10_000)) }),
      ValidationError,
    );
  });

  it('refuses an SNS event that is not one, or whose message is not a registry event, with a ValidationError', async () => {
    for (const event of [
      {},
      { Records: [{ Sns: { Message: '{' } }] },
      { Records: [{ Sns: { Message: '{}' } }] },
    ]) {
      await expect(notifySlack(event as never)).rejects.toMatchObject({ name: 'ValidationError' });
    }
  });

  it('refuses an HTTP approval event without path parameters with a ValidationError', async () => {
    await expect(approvalDecision({ requestContext: {}, pathParameters: null })).rejects.toMatchObject({
      name: 'ValidationError',
    });
  });
});
