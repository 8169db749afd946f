/**
 * Resumes a promotion workflow waiting on Step Functions for an approval: SendTaskSuccess
 * on approval, SendTaskFailure (error `ApprovalRejected`) on rejection. Local runs and
 * CLI requests carry their own tokens (`local-…`, `cli-…`) and are resumed by polling.
 */
import type { Approval } from '../core/workflow.js';

/** Whether a task token belongs to Step Functions. */
export function isStepFunctionsToken(token: string | null | undefined): token is string {
  return (
    typeof token === 'string' && token !== '' && !token.startsWith('local-') && !token.startsWith('cli-')
  );
}

/** Sends the decision of an approval to the execution waiting for it (nothing for other tokens). */
export async function resumeWorkflow(
  approval: Pick<Approval, 'approvalId' | 'status' | 'taskToken' | 'decidedBy'>,
): Promise<boolean> {
  if (!isStepFunctionsToken(approval.taskToken)) return false;
  if (approval.status !== 'approved' && approval.status !== 'rejected') return false;
  const { SFNClient, SendTaskSuccessCommand, SendTaskFailureCommand } = await import('@aws-sdk/client-sfn');
  const sfn = new SFNClient({});
  try {
    if (approval.status === 'approved') {
      await sfn.send(
        new SendTaskSuccessCommand({
          taskToken: approval.taskToken,
          output: JSON.stringify({ approved: true, approvalId: approval.approvalId, by: approval.decidedBy }),
        }),
      );
    } else {
      await sfn.send(
        new SendTaskFailureCommand({
          taskToken: approval.taskToken,
          error: 'ApprovalRejected',
          cause: `rejected by ${approval.decidedBy}`,
        }),
      );
    }
    return true;
  } finally {
    sfn.destroy();
  }
}
