/**
 * Signed approval links. An approval request is decided by clicking an approve or a
 * reject link (in Slack or an email); the link carries a token that proves the registry
 * issued it for that approval and that decision, until it expires:
 *
 *     token = base64url(payload) "." base64url(HMAC-SHA256(secret, payload))
 *     payload = JSON {a: approvalId, d: 'approve' | 'reject', e: expiresAt (epoch seconds), n: nonce}
 *
 * Pure (node:crypto only). A token here is not single use on its own: single use is
 * enforced by the caller, whose approval record moves from `pending` to decided once,
 * on a conditional write, so a second click of the same (still valid) link is refused
 * there, not here.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { ModelregError, ValidationError } from './errors.js';

/** The two decisions a link can carry. */
export type ApprovalLinkDecision = 'approve' | 'reject';

/** What a token says once verified. */
export interface DecisionClaims {
  approvalId: string;
  decision: ApprovalLinkDecision;
  /** Expiry, to the second (the token carries epoch seconds). */
  expiresAt: Date;
  /** Random per token, so two links issued for the same decision differ. */
  nonce: string;
}

/** What to sign; the nonce is random unless given (tests, reproducible links). */
export interface DecisionTokenInput {
  approvalId: string;
  decision: ApprovalLinkDecision;
  expiresAt: Date;
  nonce?: string;
}

/** The signing key: raw bytes or a string (its UTF-8 bytes). */
export type ApprovalLinkSecret = Buffer | string;

const NEW_LINK = 'Ask for a new approval link; this one cannot be used.';

/**
 * The token was not issued by this registry for this approval and decision: malformed,
 * altered, signed with another secret, or presented for another approval. Nobody can
 * act on it; the fix is a new link.
 */
export class InvalidApprovalTokenError extends ModelregError {
  override readonly name = 'InvalidApprovalTokenError';
}

/** The token is genuine but its time is over: approvals must be decided while fresh. */
export class ApprovalTokenExpiredError extends ModelregError {
  override readonly name = 'ApprovalTokenExpiredError';
}

const DECISIONS: readonly string[] = ['approve', 'reject'];
const B64URL = /^[A-Za-z0-9_-]+$/;
/** Far above any real token; bounds the work done on garbage. */
const MAX_TOKEN_LENGTH = 4096;

function key(secret: ApprovalLinkSecret): Buffer {
  const bytes = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : secret;
  if (bytes.length === 0) {
    throw new ValidationError(
      'the approval link secret is empty; configure a random secret of at least 32 bytes.',
    );
  }
  return bytes;
}

function mac(secret: Buffer, payload: Buffer): Buffer {
  return createHmac('sha256', secret).update(payload).digest();
}

function invalid(reason: string, details: Record<string, unknown> = {}): InvalidApprovalTokenError {
  return new InvalidApprovalTokenError(`approval link token is invalid: ${reason}. ${NEW_LINK}`, {
    reason,
    ...details,
  });
}

/** Decodes strict, canonical base64url (Node's decoder silently skips bad characters). */
function decodePart(part: string, what: string): Buffer {
  if (!B64URL.test(part)) throw invalid(`its ${what} is not base64url`);
  const bytes = Buffer.from(part, 'base64url');
  if (bytes.toString('base64url') !== part) throw invalid(`its ${what} is not canonical base64url`);
  return bytes;
}

/**
 * Signs a decision for one approval. Links carry it so that a click can be trusted
 * without a login: whoever holds the link may make that one decision until `expiresAt`.
 */
export function signDecisionToken(secret: ApprovalLinkSecret, input: DecisionTokenInput): string {
  const k = key(secret);
  if (input.approvalId.length === 0)
    throw new ValidationError('approvalId is empty; sign a token for an existing approval.');
  if (!DECISIONS.includes(input.decision)) {
    throw new ValidationError(`decision ${JSON.stringify(input.decision)} is not one of approve, reject.`, {
      decision: input.decision,
    });
  }
  const ms = input.expiresAt.getTime();
  if (!Number.isFinite(ms))
    throw new ValidationError('expiresAt is not a valid date; pass the approval request expiry.');
  const payload = Buffer.from(
    JSON.stringify({
      a: input.approvalId,
      d: input.decision,
      e: Math.floor(ms / 1000),
      n: input.nonce ?? randomBytes(12).toString('base64url'),
    }),
    'utf8',
  );
  return `${payload.toString('base64url')}.${mac(k, payload).toString('base64url')}`;
}

/**
 * Checks a clicked link's token: signature first (constant-time), then shape, then the
 * optional expected approval id and decision (the route the token came in on), then
 * expiry. Throws InvalidApprovalTokenError or ApprovalTokenExpiredError; never returns
 * unverified claims. Does not make the token single use: see the module comment.
 */
export function verifyDecisionToken(
  secret: ApprovalLinkSecret,
  token: string,
  now: Date,
  expected: { approvalId?: string; decision?: ApprovalLinkDecision } = {},
): DecisionClaims {
  const k = key(secret);
  if (typeof token !== 'string' || token.length === 0) throw invalid('it is empty');
  if (token.length > MAX_TOKEN_LENGTH) throw invalid(`it is longer than ${MAX_TOKEN_LENGTH} characters`);
  const parts = token.split('.');
  if (parts.length !== 2) throw invalid('it is not of the form <payload>.<signature>');
  const payload = decodePart(parts[0]!, 'payload');
  const signature = decodePart(parts[1]!, 'signature');
  const wanted = mac(k, payload);
  if (signature.length !== wanted.length || !timingSafeEqual(signature, wanted)) {
    throw invalid('its signature does not match (altered, or signed with another secret)');
  }

  let claims: unknown;
  try {
    claims = JSON.parse(payload.toString('utf8'));
  } catch {
    throw invalid('its payload is not JSON');
  }
  const c = claims as { a?: unknown; d?: unknown; e?: unknown; n?: unknown } | null;
  if (
    typeof c !== 'object' ||
    c === null ||
    typeof c.a !== 'string' ||
    c.a.length === 0 ||
    typeof c.d !== 'string' ||
    !DECISIONS.includes(c.d) ||
    typeof c.e !== 'number' ||
    !Number.isSafeInteger(c.e) ||
    typeof c.n !== 'string'
  ) {
    throw invalid('its payload lacks an approval id, a decision, an expiry or a nonce');
  }
  const result: DecisionClaims = {
    approvalId: c.a,
    decision: c.d as ApprovalLinkDecision,
    expiresAt: new Date(c.e * 1000),
    nonce: c.n,
  };

  if (expected.approvalId !== undefined && expected.approvalId !== result.approvalId) {
    throw invalid(`it was issued for approval ${result.approvalId}, not ${expected.approvalId}`, {
      approvalId: expected.approvalId,
      tokenApprovalId: result.approvalId,
    });
  }
  if (expected.decision !== undefined && expected.decision !== result.decision) {
    throw invalid(`it was issued to ${result.decision}, not to ${expected.decision}`, {
      approvalId: result.approvalId,
      decision: expected.decision,
      tokenDecision: result.decision,
    });
  }
  if (now.getTime() >= result.expiresAt.getTime()) {
    throw new ApprovalTokenExpiredError(
      `approval link for ${result.approvalId} expired at ${result.expiresAt.toISOString()}. ${NEW_LINK}`,
      { approvalId: result.approvalId, expiresAt: result.expiresAt.toISOString() },
    );
  }
  return result;
}

/**
 * The approve and reject URLs of an approval request, each with its own signed token,
 * ready to put in a Slack button or an email: `${baseUrl}/approvals/${id}/approve?token=…`.
 */
export function decisionLinks(
  baseUrl: string,
  secret: ApprovalLinkSecret,
  approvalId: string,
  expiresAt: Date,
): { approve: string; reject: string } {
  const base = baseUrl.replace(/\/+$/, '');
  const link = (decision: ApprovalLinkDecision) =>
    `${base}/approvals/${encodeURIComponent(approvalId)}/${decision}?token=${encodeURIComponent(
      signDecisionToken(secret, { approvalId, decision, expiresAt }),
    )}`;
  return { approve: link('approve'), reject: link('reject') };
}

/**
 * The approve/reject links of an approval-request event (its details carry the request's id
 * and expiry), or null for any other event: what every notifier puts on approval requests.
 */
export function eventDecisionLinks(
  baseUrl: string,
  secret: ApprovalLinkSecret,
  event: { type: string; details: Record<string, unknown> },
): { approve: string; reject: string } | null {
  const { approvalId, expiresAt } = event.details;
  if (
    event.type !== 'model.approval.request' ||
    typeof approvalId !== 'string' ||
    typeof expiresAt !== 'string'
  ) {
    return null;
  }
  return decisionLinks(baseUrl, secret, approvalId, new Date(expiresAt));
}
