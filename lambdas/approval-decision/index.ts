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

/**
 * The approval API (API Gateway HTTP API, `GET /approvals/{approvalId}/{decision}?token=…&by=…`)
 * sends its request event; the workflow and the CLI send the step's input directly.
 */
function fromHttp(event: unknown): unknown {
  const e = event as {
    requestContext?: unknown;
    pathParameters?: Record<string, string>;
    queryStringParameters?: Record<string, string>;
  };
  if (e?.requestContext === undefined || e.pathParameters === undefined) return event;
  return {
    approvalId: e.pathParameters.approvalId,
    decision: e.pathParameters.decision,
    token: e.queryStringParameters?.token ?? '',
    by: e.queryStringParameters?.by || 'approval-link',
  };
}

const decide = step('approvalDecision', ApprovalDecisionInputSchema, async (registry, input) => {
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

export const handler = async (event: unknown) => {
  const http = fromHttp(event) !== event;
  try {
    const out = await decide(fromHttp(event));
    if (!http) return out;
    return {
      statusCode: 200,
      headers: { 'content-type': 'text/plain' },
      body: `Approval ${out.approvalId}: ${out.status}.`,
    };
  } catch (e) {
    if (!http) throw e;
    const name = (e as Error).name;
    const status =
      name === 'NotFoundError'
        ? 404
        : name.endsWith('TokenError') || name === 'ApprovalTokenExpiredError' || name === 'ValidationError'
          ? 400
          : name === 'ConflictError'
            ? 409
            : 500;
    return {
      statusCode: status,
      headers: { 'content-type': 'text/plain' },
      body: `${name}: ${(e as Error).message}`,
    };
  }
};
