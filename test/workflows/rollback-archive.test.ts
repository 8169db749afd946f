import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import {
  type LambdaBinding,
  type PublishedNotification,
  runWorkflowLocally,
  type WorkflowBindings,
} from '../../src/workflows/local-runner.js';

type Payload = Record<string, unknown>;

async function event(name: string): Promise<Payload> {
  return JSON.parse(await readFile(new URL(`../events/${name}.json`, import.meta.url), 'utf8')) as Payload;
}

function named(name: string, message: string): Error {
  const e = new Error(message);
  e.name = name;
  return e;
}

/** Bindings with one Lambda step, its calls and the notifications recorded. */
function stubs(step: 'rollback' | 'archive', answer: (p: Payload) => unknown) {
  const calls: Payload[] = [];
  const published: PublishedNotification[] = [];
  const fn: LambdaBinding = async (payload) => {
    calls.push(payload as Payload);
    return answer(payload as Payload);
  };
  const bindings: WorkflowBindings = {
    lambdas: { [step]: fn },
    publish: async (n) => {
      published.push(n);
    },
  };
  return { calls, published, bindings };
}

describe('rollback workflow', () => {
  it('rolls back, notifies and answers the rollback result', async () => {
    // Prepare
    const input = await event('rollback-requested');
    const rolledBack = { rolledBack: true, version: '1.0.0', stage: 'production', archivedVersion: '1.1.0' };
    const s = stubs('rollback', () => rolledBack);

    // Act
    const result = await runWorkflowLocally('rollback', input, s.bindings, { executionId: 'rb-1' });

    // Assess
    expect(result).toEqual({ status: 'SUCCEEDED', executionId: 'rb-1', output: rolledBack });
    expect(s.calls).toEqual([input]);
    expect(s.published.map((n) => n.attributes)).toEqual([
      { eventType: 'workflow.rollback.succeeded', useCase: 'fraud', modelName: 'FraudRiskModel' },
    ]);
    expect(JSON.parse(s.published[0]?.message ?? 'null')).toMatchObject({
      type: 'workflow.rollback.succeeded',
      version: '1.0.0',
      details: { executionId: 'rb-1', archivedVersion: '1.1.0' },
    });
  });

  it('fails with RollbackWorkflowFailed and notifies when the rollback is refused', async () => {
    // Prepare
    const s = stubs('rollback', () => {
      throw named(
        'InvalidTransitionError',
        'fraud/FraudRiskModel has no previous production version to roll back to',
      );
    });

    // Act
    const result = await runWorkflowLocally('rollback', await event('rollback-requested'), s.bindings, {
      retryIntervalMs: 1,
    });

    // Assess
    expect(result).toMatchObject({ status: 'FAILED', error: 'RollbackWorkflowFailed' });
    expect(result.cause).toContain('InvalidTransitionError');
    expect(s.calls).toHaveLength(1);
    expect(s.published.map((n) => n.attributes.eventType)).toEqual(['workflow.rollback.failed']);
  });
});

describe('archive workflow', () => {
  it('archives, notifies and answers the archive result', async () => {
    // Prepare
    const input = await event('archive-requested');
    const s = stubs('archive', (p) => ({
      archived: true,
      version: p.version,
      stage: 'archived',
      archivedVersion: null,
    }));

    // Act
    const result = await runWorkflowLocally('archive', input, s.bindings);

    // Assess
    expect(result).toMatchObject({
      status: 'SUCCEEDED',
      output: { archived: true, version: '1.0.0', stage: 'archived', archivedVersion: null },
    });
    expect(s.calls).toEqual([input]);
    expect(s.published.map((n) => [n.subject, n.attributes.eventType])).toEqual([
      ['[modelreg] Archive workflow: archived', 'workflow.archive.succeeded'],
    ]);
  });

  it('retries a concurrent modification, then fails with ArchiveWorkflowFailed when it persists', async () => {
    // Prepare
    const s = stubs('archive', () => {
      throw named('ConcurrentModificationError', 'the model changed while archiving');
    });

    // Act
    const result = await runWorkflowLocally('archive', await event('archive-requested'), s.bindings, {
      retryIntervalMs: 1,
    });

    // Assess
    expect(result).toMatchObject({ status: 'FAILED', error: 'ArchiveWorkflowFailed' });
    expect(s.calls).toHaveLength(4);
    expect(s.published.map((n) => n.attributes.eventType)).toEqual(['workflow.archive.failed']);
  });
});
