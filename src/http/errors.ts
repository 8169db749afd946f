/**
 * The one table from an error's stable name to an HTTP status, and the error body
 * `{"error": {"name", "message", ...}}` every route answers with. A gate failure carries
 * its gate table (`error.gates`), so a client shows why without parsing the message.
 */
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import {
  ConflictError,
  IntegrityError,
  ModelregError,
  NotFoundError,
  ValidationError,
} from '../core/errors.js';

/** The request carried no credentials, or credentials that are not (or no longer) valid. */
export class UnauthorizedError extends ModelregError {
  override readonly name = 'UnauthorizedError';
}

/** The identity is known but its role does not allow the operation. */
export class ForbiddenError extends ModelregError {
  override readonly name = 'ForbiddenError';
}

/** A browser request without the CSRF token of its session. */
export class CsrfError extends ModelregError {
  override readonly name = 'CsrfError';
}

/** An Idempotency-Key reused for a different request, or while the first is still running. */
export class IdempotencyKeyError extends ModelregError {
  override readonly name: string = 'IdempotencyKeyError';
  constructor(
    message: string,
    readonly status: 409 | 422,
  ) {
    super(message);
  }
}

/** A request body larger than the host accepts. */
export class PayloadTooLargeError extends ModelregError {
  override readonly name = 'PayloadTooLargeError';
}

/** Status by error name, most specific first; a name not here falls back on its class (see statusOf). */
export const STATUS_BY_NAME: Readonly<Record<string, ContentfulStatusCode>> = {
  ValidationError: 400,
  InvalidApprovalTokenError: 403,
  ApprovalTokenExpiredError: 410,
  UnauthorizedError: 401,
  ForbiddenError: 403,
  CsrfError: 403,
  NotFoundError: 404,
  ModelNotFoundError: 404,
  VersionNotFoundError: 404,
  AliasNotFoundError: 404,
  ConflictError: 409,
  InvalidTransitionError: 409,
  VersionExistsError: 409,
  ConcurrentModificationError: 409,
  PayloadTooLargeError: 413,
  GateFailedError: 422,
  IntegrityError: 409,
  ArtifactIntegrityError: 409,
  AuditChainError: 409,
  DeliveryError: 503,
  BackendUnavailableError: 503,
  ParentNotFoundError: 404,
  // signing
  SignatureInvalidError: 409,
  UntrustedKeyError: 409,
  RevokedKeyError: 409,
  VariantExistsError: 409,
};

/** Names of AWS SDK and socket errors that mean the backend cannot be reached now (retry later). */
const UNAVAILABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'TimeoutError',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'InternalServerError',
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'SlowDown',
  'SQLITE_BUSY',
]);

/** The HTTP status an error answers with. */
export function statusOf(error: unknown): ContentfulStatusCode {
  if (error instanceof IdempotencyKeyError) return error.status;
  const name = (error as Error | undefined)?.name ?? '';
  const byName = STATUS_BY_NAME[name];
  if (byName) return byName;
  const code = (error as { code?: string } | undefined)?.code;
  if (UNAVAILABLE.has(name) || (code !== undefined && UNAVAILABLE.has(code))) return 503;
  // a subclass not named in the table keeps its family's status
  if (error instanceof ValidationError) return 400;
  if (error instanceof NotFoundError) return 404;
  if (error instanceof ConflictError || error instanceof IntegrityError) return 409;
  return 500;
}

/** The JSON body of an error: name, message, and the gate table of a failed gate. */
export function errorBody(error: unknown): { error: Record<string, unknown> } {
  const status = statusOf(error);
  if (status === 500) {
    return { error: { name: 'InternalError', message: 'the server failed; see its log for the cause.' } };
  }
  const e = error as Error & { details?: Record<string, unknown> };
  const name = status === 503 && !STATUS_BY_NAME[e.name] ? 'BackendUnavailableError' : e.name;
  const message =
    name === 'BackendUnavailableError' && e.name !== name
      ? `the registry's backend is unavailable now (${e.name}: ${e.message}); retry later.`
      : e.message;
  return {
    error: {
      name,
      message,
      ...(e.details && Object.keys(e.details).length > 0 ? { details: e.details } : {}),
      ...(Array.isArray(e.details?.gates) ? { gates: e.details.gates } : {}),
    },
  };
}

/** Answers an error as JSON with its status (logging what is a server fault). */
export function errorResponse(c: Context, error: unknown): Response {
  const status = statusOf(error);
  if (status >= 500) console.error(error);
  return c.json(errorBody(error), status);
}
