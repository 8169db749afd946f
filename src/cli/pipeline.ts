/**
 * `modelreg pipeline run`: the promotion workflow's state machine (statemachines/
 * promotion.asl.json) run by aws-local-stepfunctions, every Task bound in-process to the
 * same handler code the Lambdas run, over the embedded backend. The approval waits on the
 * registry: `modelreg approvals approve|reject ID` from another terminal decides it.
 */
import { appendFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Registry } from '../app/registry.js';
import { ValidationError } from '../core/errors.js';
import type { LocalRunResult, PublishedNotification, WorkflowStateEvent } from '../workflows/local-runner.js';

/** Options of a local pipeline run. */
export interface PipelineOptions {
  registry: Registry;
  /** The store directory (workflow notifications go to its notifications.jsonl). */
  store: string;
  event: unknown;
  /** Decide the approval at once (for scripts): approve or reject as this person. */
  decide?: { decision: 'approve' | 'reject'; by: string };
  /** Say what happens, as it happens. */
  say: (line: string) => void;
  /** How often the approval wait looks at the registry. @default 500 ms */
  pollMs?: number;
  /** Overrides every Retry interval (tests). */
  retryIntervalMs?: number;
}

function describe(e: WorkflowStateEvent): string | null {
  if (e.type === 'entered') return `▶ ${e.state}`;
  if (e.type === 'exited') return null;
  if (e.type === 'retried') return `↻ ${e.state} retried (attempt ${String(e.detail?.attempt ?? '?')})`;
  if (e.type === 'caught') return `⚑ ${e.state} caught → ${String(e.detail?.next ?? '')}`;
  if (e.state === 'Failed') return `✗ ${String(e.detail?.error ?? 'failed')}`;
  return `✗ ${e.state} failed${e.detail?.error ? `: ${String(e.detail.error)}` : ''}`;
}

/** Runs the promotion workflow locally and returns how it ended. */
export async function runPipeline(options: PipelineOptions): Promise<LocalRunResult> {
  const { registry, say } = options;
  // The handlers log with Powertools; locally the run's own narration is enough.
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
  process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
  const [
    { runWorkflowLocally },
    runtime,
    register,
    evaluate,
    compare,
    promote,
    requestApproval,
    approvalDecision,
  ] = await Promise.all([
    import('../workflows/local-runner.js'),
    import('../../lambdas/shared/runtime.js'),
    import('../../lambdas/register/index.js'),
    import('../../lambdas/evaluate/index.js'),
    import('../../lambdas/compare/index.js'),
    import('../../lambdas/promote/index.js'),
    import('../../lambdas/request-approval/index.js'),
    import('../../lambdas/approval-decision/index.js'),
  ]);
  runtime.useRegistry(registry);
  const outbox = join(resolve(options.store), 'notifications.jsonl');
  const pollMs = options.pollMs ?? 500;

  const publish = async (n: PublishedNotification) => {
    await appendFile(
      outbox,
      `${JSON.stringify({ type: n.attributes.eventType ?? 'workflow', subject: n.subject, message: n.message, attributes: n.attributes })}\n`,
    );
    say(`  ↳ notified ${n.attributes.eventType ?? ''}: ${n.subject}`);
  };

  const waitForDecision = async (payload: { taskToken: string }, { signal }: { signal: AbortSignal }) => {
    // the request-approval handler stored the request just before this wait: it is pending
    const approval = (await registry.listApprovals({ status: 'pending' })).find(
      (a) => a.taskToken === payload.taskToken,
    );
    if (!approval) throw new ValidationError(`no approval request carries task token ${payload.taskToken}`);
    say(
      `  ⏸ waiting for approval ${approval.approvalId} of ${approval.useCase}/${approval.modelName} ${approval.version} (expires ${approval.expiresAt})`,
    );
    say(
      `    decide from another terminal: modelreg approvals approve ${approval.approvalId} --by NAME   (or reject)`,
    );
    if (options.decide) {
      await registry.decideApproval({
        approvalId: approval.approvalId,
        decision: options.decide.decision,
        by: options.decide.by,
      });
    }
    for (;;) {
      const current = await registry.getApproval(approval.approvalId);
      if (current.status === 'approved') {
        say(`  ✓ approved by ${current.decidedBy}`);
        return { approved: true, approvalId: current.approvalId, by: current.decidedBy };
      }
      if (current.status === 'rejected') {
        say(`  ✗ rejected by ${current.decidedBy}`);
        throw Object.assign(new Error(`rejected by ${current.decidedBy}`), { name: 'ApprovalRejected' });
      }
      if (current.status === 'expired')
        throw Object.assign(new Error('the approval request expired'), { name: 'States.Timeout' });
      await new Promise<void>((done) => {
        const timer = setTimeout(done, pollMs);
        signal.addEventListener('abort', () => {
          clearTimeout(timer);
          done();
        });
      });
      if (signal.aborted) return { approved: false };
    }
  };

  return runWorkflowLocally(
    'promotion',
    options.event,
    {
      lambdas: {
        register: register.handler,
        evaluate: evaluate.handler,
        compare: compare.handler,
        promote: promote.handler,
        requestApproval: requestApproval.handler,
        approvalDecision: approvalDecision.handler,
      },
      publish,
      waitForDecision,
    },
    {
      onState: (e) => {
        const line = describe(e);
        if (line) say(line);
      },
      ...(options.retryIntervalMs !== undefined ? { retryIntervalMs: options.retryIntervalMs } : {}),
    },
  );
}
