/**
 * Decides an approval request: by hand (with an approve/reject link's signed token, which
 * is checked for signature and expiry; single use is the request's pending→decided move),
 * or on the workflow's timeout ("expire"). Then resumes the waiting workflow with
 * SendTaskSuccess / SendTaskFailure.
 */
import { approvalSecret } from '../../src/app/approval-secret.js';
import { resumeWorkflow } from '../../src/app/resume-workflow.js';
import { ApprovalDecisionInputSchema, approvalDecisionStep } from '../../src/app/steps.js';
import { verifyDecisionToken } from '../../src/core/approval-links.js';
import { step } from '../shared/runtime.js';

const decide = step('approvalDecision', ApprovalDecisionInputSchema, async (registry, input) => {
  if ('token' in input && input.token !== undefined) {
    verifyDecisionToken(await approvalSecret(), input.token, new Date(), {
      approvalId: input.approvalId,
      decision: input.decision,
    });
  }
  const out = await approvalDecisionStep(registry, input);
  if (out.approvalId !== null && (out.status === 'approved' || out.status === 'rejected')) {
    await resumeWorkflow(await registry.getApproval(out.approvalId));
  }
  return out;
});

/**
 * Invoked by the workflow (expire) and by hand (`{approvalId, decision, by}`). It answers no
 * HTTP request: an approve/reject link opens the approval page of the HTTP function, where
 * only an authenticated POST decides.
 */
export const handler = decide;
