import { describe, expect, it } from 'vitest';
import { runWorkflowLocally, type WorkflowStateEvent } from '../../src/workflows/local-runner.js';

const input = { useCase: 'fraud', modelName: 'FraudRiskModel', version: '1.0.0' };

describe('runWorkflowLocally', () => {
  it('refuses to start when a Lambda binding the workflow needs is missing', async () => {
    // Act
    const run = runWorkflowLocally('archive', input, { lambdas: {}, publish: async () => {} });

    // Assess
    await expect(run).rejects.toThrow(/state Archive needs the 'archive' Lambda binding/);
  });

  it('refuses to start the promotion workflow without a way to wait for decisions', async () => {
    // Prepare
    const step = async () => ({});
    const lambdas = {
      register: step,
      evaluate: step,
      compare: step,
      promote: step,
      requestApproval: step,
      approvalDecision: step,
    };

    // Act
    const run = runWorkflowLocally('promotion', input, { lambdas, publish: async () => {} });

    // Assess
    await expect(run).rejects.toThrow(/RequestApproval waits for a decision: pass bindings.waitForDecision/);
  });

  it('reports every state it enters and leaves, in order, with the step input and output', async () => {
    // Prepare
    const events: WorkflowStateEvent[] = [];
    const archived = { archived: true, version: '1.0.0', stage: 'archived', archivedVersion: null };

    // Act
    await runWorkflowLocally(
      'archive',
      input,
      { lambdas: { archive: async () => archived }, publish: async () => {} },
      { onState: (e) => events.push(e) },
    );

    // Assess
    expect(events.map((e) => `${e.type} ${e.state}`)).toEqual([
      'entered Archive',
      'exited Archive',
      'entered NotifyArchived',
      'exited NotifyArchived',
      'entered Done',
      'exited Done',
    ]);
    expect(events[0]?.detail).toEqual({ input });
    expect(events[1]?.detail).toEqual({ output: { ...input, archive: { Payload: archived } } });
  });

  it('hands a Lambda binding the computed Payload and keeps its answer as JSON, as Lambda does', async () => {
    // Prepare
    const received: unknown[] = [];
    const answer = {
      archived: true,
      version: '1.0.0',
      stage: 'archived',
      archivedVersion: null,
      note: undefined,
    };

    // Act
    const result = await runWorkflowLocally('archive', input, {
      lambdas: {
        archive: async (payload) => {
          received.push(payload);
          return answer;
        },
      },
      publish: async () => {},
    });

    // Assess
    expect(received).toEqual([input]);
    expect(result.output).toEqual({
      archived: true,
      version: '1.0.0',
      stage: 'archived',
      archivedVersion: null,
    });
    expect(Object.keys(result.output as object)).not.toContain('note');
  });
});
