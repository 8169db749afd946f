/**
 * The HTTP application (JSON API and web UI) on Lambda, behind the HTTP API and its JWT
 * authorizer: the identity is the verified token's email (else subject), the role its
 * `cognito:groups` claim. One app, built once per container on first request.
 */
import type { Context } from 'hono';
import { handle, type LambdaContext, type LambdaEvent } from 'hono/aws-lambda';
import { createApp } from '../../src/http/app.js';
import { getRegistry } from '../shared/runtime.js';

/** The claims API Gateway's JWT authorizer verified, or undefined on a route without one. */
function claimsOf(c: Context): Record<string, unknown> | undefined {
  const event = (c.env as { event?: { requestContext?: { authorizer?: { jwt?: { claims?: unknown } } } } })
    ?.event;
  const claims = event?.requestContext?.authorizer?.jwt?.claims;
  return claims && typeof claims === 'object' ? (claims as Record<string, unknown>) : undefined;
}

let served: Promise<ReturnType<typeof handle>> | undefined;

/** API Gateway (payload 2.0) in, the app's response out. */
export const handler = async (event: LambdaEvent, context: LambdaContext) => {
  served ??= getRegistry().then((registry) =>
    handle(
      createApp({
        registry,
        auth: { mode: 'jwt', claims: claimsOf },
        // artifacts come as uploads or from S3; the function's disk holds nothing to register
        sources: { roots: [], s3: true },
      }),
    ),
  );
  return (await served)(event, context);
};
