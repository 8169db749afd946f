import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  ApprovalTokenExpiredError,
  decisionLinks,
  InvalidApprovalTokenError,
  signDecisionToken,
  verifyDecisionToken,
} from '../../src/core/approval-links.js';
import { ModelregError, ValidationError } from '../../src/core/errors.js';

const SECRET = Buffer.from('0123456789abcdef0123456789abcdef');
const EXPIRES = new Date('2025-06-01T12:00:00.000Z');
const BEFORE = new Date('2025-06-01T11:00:00.000Z');

function token(overrides: Partial<Parameters<typeof signDecisionToken>[1]> = {}): string {
  return signDecisionToken(SECRET, {
    approvalId: 'apr-1',
    decision: 'approve',
    expiresAt: EXPIRES,
    ...overrides,
  });
}

/** Runs `fn` and returns what it threw (fails the test if it threw nothing). */
function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a throw');
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** Flips an unused low bit of the signature's last character: Node decodes it to the same bytes. */
function nonCanonical(t: string): string {
  const [payload, sig] = t.split('.') as [string, string];
  const last = ALPHABET.indexOf(sig.at(-1)!);
  const other = `${sig.slice(0, -1)}${ALPHABET[last ^ 1]}`;
  expect(Buffer.from(other, 'base64url').equals(Buffer.from(sig, 'base64url'))).toBe(true);
  return `${payload}.${other}`;
}

describe('signDecisionToken / verifyDecisionToken', () => {
  it('round-trips the approval id, decision, expiry and nonce', () => {
    // Prepare
    const t = token({ decision: 'reject', nonce: 'n-1' });

    // Act
    const claims = verifyDecisionToken(SECRET, t, BEFORE);

    // Assess
    expect(claims).toEqual({ approvalId: 'apr-1', decision: 'reject', expiresAt: EXPIRES, nonce: 'n-1' });
    expect(t).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
  });

  it('accepts a string secret the same as its bytes', () => {
    // Prepare
    const t = signDecisionToken('s3cret', { approvalId: 'apr-1', decision: 'approve', expiresAt: EXPIRES });

    // Act
    const claims = verifyDecisionToken(Buffer.from('s3cret'), t, BEFORE);

    // Assess
    expect(claims.approvalId).toBe('apr-1');
  });

  it('gives two tokens for the same decision different random nonces', () => {
    // Act
    const a = verifyDecisionToken(SECRET, token(), BEFORE);
    const b = verifyDecisionToken(SECRET, token(), BEFORE);

    // Assess
    expect(a.nonce).not.toBe(b.nonce);
    expect(a.nonce.length).toBeGreaterThan(10);
  });

  it('rejects a tampered payload (another approval id under the original signature)', () => {
    // Prepare
    const [, signature] = token().split('.');
    const forged = Buffer.from(
      JSON.stringify({ a: 'apr-2', d: 'approve', e: EXPIRES.getTime() / 1000, n: 'x' }),
    ).toString('base64url');

    // Act
    const error = thrown(() => verifyDecisionToken(SECRET, `${forged}.${signature}`, BEFORE));

    // Assess
    expect(error).toBeInstanceOf(InvalidApprovalTokenError);
    expect(error.name).toBe('InvalidApprovalTokenError');
    expect(error.message).toMatch(/signature does not match.*new approval link/);
  });

  it('rejects a token whose decision was switched from reject to approve', () => {
    // Prepare
    const [payload, signature] = token({ decision: 'reject' }).split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8'));
    const switched = Buffer.from(JSON.stringify({ ...claims, d: 'approve' })).toString('base64url');

    // Act / Assess
    expect(() => verifyDecisionToken(SECRET, `${switched}.${signature}`, BEFORE)).toThrow(
      InvalidApprovalTokenError,
    );
  });

  it('rejects a tampered signature', () => {
    // Prepare
    const [payload, signature] = token().split('.');
    const sig = signature!;
    const flipped = `${sig.slice(0, 10)}${sig[10] === 'A' ? 'B' : 'A'}${sig.slice(11)}`;

    // Act / Assess
    expect(() => verifyDecisionToken(SECRET, `${payload}.${flipped}`, BEFORE)).toThrow(
      InvalidApprovalTokenError,
    );
  });

  it('rejects a truncated signature without comparing buffers of different length', () => {
    // Prepare
    const [payload, signature] = token().split('.');

    // Act / Assess
    expect(() => verifyDecisionToken(SECRET, `${payload}.${signature!.slice(0, 20)}`, BEFORE)).toThrow(
      InvalidApprovalTokenError,
    );
  });

  it('rejects a token signed with another secret', () => {
    // Prepare
    const t = signDecisionToken('another-secret', {
      approvalId: 'apr-1',
      decision: 'approve',
      expiresAt: EXPIRES,
    });

    // Act / Assess
    expect(() => verifyDecisionToken(SECRET, t, BEFORE)).toThrow(InvalidApprovalTokenError);
  });

  it('rejects a genuine token presented for another approval id or decision', () => {
    // Prepare
    const t = token({ approvalId: 'apr-1', decision: 'approve' });

    // Act
    const otherId = thrown(() => verifyDecisionToken(SECRET, t, BEFORE, { approvalId: 'apr-2' }));
    const otherDecision = thrown(() => verifyDecisionToken(SECRET, t, BEFORE, { decision: 'reject' }));
    const same = verifyDecisionToken(SECRET, t, BEFORE, { approvalId: 'apr-1', decision: 'approve' });

    // Assess
    expect(otherId).toBeInstanceOf(InvalidApprovalTokenError);
    expect(otherId.message).toContain('issued for approval apr-1, not apr-2');
    expect(otherDecision).toBeInstanceOf(InvalidApprovalTokenError);
    expect(otherDecision.message).toContain('issued to approve, not to reject');
    expect(same.approvalId).toBe('apr-1');
  });

  it.each([
    ['empty', ''],
    ['no dot', 'abcdef'],
    ['three parts', 'a.b.c'],
    ['not base64url', 'ab$cd.ef+gh'],
    ['padded base64', `${token().split('.')[0]}.${token().split('.')[1]}=`],
    ['non-canonical base64url (same bytes, other spare bits)', nonCanonical(token())],
    ['huge', `${'a'.repeat(5000)}.b`],
    ['empty payload', `.${token().split('.')[1]}`],
  ])('rejects garbage (%s)', (_label, garbage) => {
    // Act
    const error = thrown(() => verifyDecisionToken(SECRET, garbage, BEFORE));

    // Assess
    expect(error).toBeInstanceOf(InvalidApprovalTokenError);
    expect(error).toBeInstanceOf(ModelregError);
  });

  it('rejects a correctly signed payload that is not a decision', () => {
    // Prepare: sign arbitrary JSON with the right secret, as a buggy issuer might
    const payload = Buffer.from(JSON.stringify({ a: 'apr-1', d: 'maybe', e: 1, n: 'x' }));
    const t = `${payload.toString('base64url')}.${createHmac('sha256', SECRET).update(payload).digest('base64url')}`;

    // Act
    const error = thrown(() => verifyDecisionToken(SECRET, t, BEFORE));

    // Assess
    expect(error).toBeInstanceOf(InvalidApprovalTokenError);
    expect(error.message).toContain('payload lacks');
  });

  it('rejects an expired token, at and after its expiry, with a message asking for a new link', () => {
    // Prepare
    const t = token();

    // Act
    const atExpiry = thrown(() => verifyDecisionToken(SECRET, t, EXPIRES));
    const later = thrown(() => verifyDecisionToken(SECRET, t, new Date(EXPIRES.getTime() + 60_000)));

    // Assess
    expect(atExpiry).toBeInstanceOf(ApprovalTokenExpiredError);
    expect(atExpiry.name).toBe('ApprovalTokenExpiredError');
    expect(atExpiry.message).toBe(
      'approval link for apr-1 expired at 2025-06-01T12:00:00.000Z. Ask for a new approval link; this one cannot be used.',
    );
    expect(later).toBeInstanceOf(ApprovalTokenExpiredError);
    expect((later as ApprovalTokenExpiredError).details).toEqual({
      approvalId: 'apr-1',
      expiresAt: '2025-06-01T12:00:00.000Z',
    });
  });

  it('checks the signature before the expiry, so a forged token never reads as merely expired', () => {
    // Prepare
    const t = signDecisionToken('another-secret', {
      approvalId: 'apr-1',
      decision: 'approve',
      expiresAt: BEFORE,
    });

    // Act / Assess
    expect(() => verifyDecisionToken(SECRET, t, EXPIRES)).toThrow(InvalidApprovalTokenError);
  });

  it('refuses to sign with an empty secret or for an invalid expiry', () => {
    // Act / Assess
    expect(() => signDecisionToken('', { approvalId: 'a', decision: 'approve', expiresAt: EXPIRES })).toThrow(
      ValidationError,
    );
    expect(() =>
      signDecisionToken(SECRET, { approvalId: 'a', decision: 'approve', expiresAt: new Date('nope') }),
    ).toThrow(/expiresAt is not a valid date/);
  });
});

describe('decisionLinks', () => {
  it('builds an approve and a reject link, each carrying a verifiable token for its decision', () => {
    // Act
    const links = decisionLinks('https://registry.example.com/', SECRET, 'apr 1', EXPIRES);

    // Assess
    const approve = new URL(links.approve);
    const reject = new URL(links.reject);
    expect(approve.origin + approve.pathname).toBe('https://registry.example.com/approvals/apr%201/approve');
    expect(reject.origin + reject.pathname).toBe('https://registry.example.com/approvals/apr%201/reject');
    const approveClaims = verifyDecisionToken(SECRET, approve.searchParams.get('token')!, BEFORE, {
      approvalId: 'apr 1',
      decision: 'approve',
    });
    const rejectClaims = verifyDecisionToken(SECRET, reject.searchParams.get('token')!, BEFORE, {
      approvalId: 'apr 1',
      decision: 'reject',
    });
    expect(approveClaims.expiresAt).toEqual(EXPIRES);
    expect(rejectClaims.decision).toBe('reject');
  });

  it("does not let the approve link's token decide a rejection", () => {
    // Prepare
    const links = decisionLinks('https://registry.example.com', SECRET, 'apr-1', EXPIRES);
    const approveToken = new URL(links.approve).searchParams.get('token')!;

    // Act / Assess
    expect(() => verifyDecisionToken(SECRET, approveToken, BEFORE, { decision: 'reject' })).toThrow(
      InvalidApprovalTokenError,
    );
  });
});

describe('eventDecisionLinks', () => {
  it('gives verifiable links for an approval-request event and null for any other event', async () => {
    // Prepare
    const { eventDecisionLinks, verifyDecisionToken } = await import('../../src/core/approval-links.js');
    const expiresAt = new Date(Date.now() + 3_600_000).toISOString();
    const request = { type: 'model.approval.request', details: { approvalId: 'a-42', expiresAt } };

    // Act
    const links = eventDecisionLinks('https://api.example.com/', 'secret', request);
    const none = eventDecisionLinks('https://api.example.com', 'secret', {
      type: 'model.promote',
      details: {},
    });

    // Assess
    expect(none).toBeNull();
    const token = new URL(links?.approve ?? '').searchParams.get('token') ?? '';
    expect(verifyDecisionToken('secret', token, new Date())).toMatchObject({
      approvalId: 'a-42',
      decision: 'approve',
    });
    expect(links?.reject).toContain('/approvals/a-42/reject?token=');
  });
});
