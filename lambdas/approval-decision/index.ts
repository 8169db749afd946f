/**
 * Decides an approval request: from an approve/reject link (the HTTP API passes the
 * signed token, which is checked for signature and expiry; single use is the request's
 * pending→decided move), from the CLI, or from the workflow's timeout ("expire"). Then
 * resumes the waiting workflow with SendTaskSuccess / SendTaskFailure.
 */
import { z } from 'zod';
import { approvalSecret } from '../../src/app/approval-secret.js';
import { parseInput } from '../../src/app/inputs.js';
import { resumeWorkflow } from '../../src/app/resume-workflow.js';
import { ApprovalDecisionInputSchema, approvalDecisionStep } from '../../src/app/steps.js';
import { verifyDecisionToken } from '../../src/core/approval-links.js';
import { step } from '../shared/runtime.js';

/**
 * The approval API (API Gateway HTTP API, `GET /approvals/{approvalId}/{decision}?token=…&by=…`)
 * sends its request event; the workflow and the CLI send the step's input directly.
 */
const HttpEventSchema = z.object({
  pathParameters: z.object({ approvalId: z.string(), decision: z.string() }),
  queryStringParameters: z.record(z.string(), z.string()).nullish(),
});

function fromHttp(event: unknown): unknown {
  const raw = event as { requestContext?: unknown; pathParameters?: unknown } | null;
  if (
    raw === null ||
    typeof raw !== 'object' ||
    raw.requestContext === undefined ||
    raw.pathParameters === undefined
  )
    return event;
  const e = parseInput(HttpEventSchema, event);
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
  if (out.approvalId !== null && (out.status === 'approved' || out.status === 'rejected')) {
    await resumeWorkflow(await registry.getApproval(out.approvalId));
  }
  return out;
});

const STATUS: Record<string, number> = {
  InvalidApprovalTokenError: 403,
  ApprovalTokenExpiredError: 410,
  ConflictError: 409,
  NotFoundError: 404,
  ValidationError: 400,
};

/** Plain invocations answer the step's output; HTTP requests an HTTP response (never a throw). */
export const handler = async (event: unknown) => {
  const input = fromHttp(event);
  const http = input !== event;
  const respond = (statusCode: number, body: string) => ({
    statusCode,
    headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' },
    body,
  });
  try {
    const out = await decide(input);
    return http ? respond(200, `Approval ${out.approvalId}: ${out.status}.`) : out;
  } catch (e) {
    if (!http) throw e;
    const name = (e as Error).name;
    return respond(STATUS[name] ?? 500, `${name}: ${(e as Error).message}`);
  }
};
