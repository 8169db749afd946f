/**
 * Decides an approval request: from an approve/reject link (the HTTP API passes the
 * signed token, which is checked for signature and expiry; single use is the request's
 * pending→decided move), from the CLI, or from the workflow's timeout ("expire"). Then
 * resumes the waiting workflow with SendTaskSuccess / SendTaskFailure.
 */
import { SendTaskFailureCommand, SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import { approvalSecret } from '../../src/app/approval-secret.js';
import { ApprovalDecisionInputSchema, approvalDecisionStep } from '../../src/app/steps.js';
import { verifyDecisionToken } from '../../src/core/approval-links.js';
import { step } from '../shared/runtime.js';

const sfn = new SFNClient({});

/** Task tokens of local runs and CLI requests are not Step Functions tokens. */
function isStepFunctionsToken(token: string | null): token is string {
  return token !== null && !token.startsWith('local-') && !token.startsWith('cli-');
}

export const handler = step('approvalDecision', ApprovalDecisionInputSchema, async (registry, input) => {
  if ('token' in input && input.token !== undefined) {
    verifyDecisionToken(await approvalSecret(), input.token, new Date(), {
      approvalId: input.approvalId,
      decision: input.decision,
    });
  }
  const out = await approvalDecisionStep(registry, input);
  if (isStepFunctionsToken(out.taskToken)) {
    if (out.status === 'approved') {
      await sfn.send(
        new SendTaskSuccessCommand({
          taskToken: out.taskToken,
          output: JSON.stringify({
            approved: true,
            approvalId: out.approvalId,
            by: 'by' in input ? input.by : null,
          }),
        }),
      );
    } else if (out.status === 'rejected') {
      await sfn.send(
        new SendTaskFailureCommand({
          taskToken: out.taskToken,
          error: 'ApprovalRejected',
          cause: `rejected by ${'by' in input ? input.by : 'unknown'}`,
        }),
      );
    }
  }
  return out;
});
