/**
 * `Idempotency-Key` on mutating requests: the first answer is stored (in the registry's
 * store, beside its records) under the caller and the key, and a repeat with the same key
 * and the same request gets that answer back without running anything. The same key for
 * a different request is refused (422); a repeat while the first is still running is 409.
 */
import { createHash } from 'node:crypto';
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { canonicalJson } from '../core/canonical-json.js';
import { ConcurrentModificationError, ValidationError } from '../core/errors.js';
import type { RecordWrite } from '../core/ports.js';
import type { HttpEnv } from './env.js';
import { errorBody, IdempotencyKeyError, statusOf } from './errors.js';

/** The header clients send. */
export const IDEMPOTENCY_HEADER = 'idempotency-key';
/** Set on an answer replayed from the store. */
export const REPLAYED_HEADER = 'idempotent-replayed';

const KEY = /^[\x21-\x7e]{1,255}$/;
/** A claim older than this is taken to belong to a request that died. */
const STALE_MS = 5 * 60_000;
/** How long an answer is kept for replay. */
const KEEP_MS = 24 * 3600_000;

interface Stored {
  fingerprint: string;
  status: number;
  body: unknown;
  startedAt: string;
  expiresAt: string;
}

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

/**
 * Runs `run` once per (caller, key, request). `request` is what makes two requests the
 * same: the parsed parameters and body (an upload's sha256, not its multipart framing).
 */
export async function idempotent(
  c: Context<HttpEnv>,
  request: unknown,
  run: () => Promise<{ status: ContentfulStatusCode; body: unknown }>,
): Promise<Response> {
  const key = c.req.header(IDEMPOTENCY_HEADER);
  if (key === undefined) {
    const out = await run();
    return c.json(out.body as object, out.status);
  }
  if (!KEY.test(key))
    throw new ValidationError(
      'Idempotency-Key must be 1 to 255 visible ASCII characters (a UUID is a good one).',
    );
  const records = c.get('registry').records;
  const actor = c.get('identity').actor;
  const id = sha256(`${actor}\n${key}`);
  const fingerprint = sha256(`${c.req.method} ${c.req.path}\n${canonicalJson(request)}`);
  const now = Date.now();

  const found = await records.getRecord('idempotency', id);
  const prev = found?.doc as unknown as Stored | undefined;
  let expect: RecordWrite['expect'] = 'absent';
  if (found && prev && Date.parse(prev.expiresAt) > now) {
    if (prev.fingerprint !== fingerprint)
      throw new IdempotencyKeyError(
        `Idempotency-Key ${key} was used for a different request; send a new key for a new request.`,
        422,
      );
    if (found.status === 'done') {
      c.header(REPLAYED_HEADER, 'true');
      return c.json(prev.body as object, prev.status as ContentfulStatusCode);
    }
    if (found.status === 'pending' && now - Date.parse(prev.startedAt) < STALE_MS)
      throw new IdempotencyKeyError(
        `a request with Idempotency-Key ${key} is still running; retry shortly.`,
        409,
      );
  }
  if (found) expect = { status: found.status ?? 'pending' };

  const record = (status: string, doc: Stored) => ({
    kind: 'idempotency' as const,
    id,
    scope: actor,
    status,
    doc: doc as unknown as Record<string, unknown>,
  });
  const claim: Stored = {
    fingerprint,
    status: 0,
    body: null,
    startedAt: new Date(now).toISOString(),
    expiresAt: new Date(now + KEEP_MS).toISOString(),
  };
  try {
    await records.putRecord({ record: record('pending', claim), expect });
  } catch (e) {
    if (e instanceof ConcurrentModificationError)
      throw new IdempotencyKeyError(
        `a request with Idempotency-Key ${key} is running now; retry shortly.`,
        409,
      );
    throw e;
  }

  let answer: { status: ContentfulStatusCode; body: unknown };
  try {
    answer = await run();
  } catch (e) {
    answer = { status: statusOf(e), body: errorBody(e) };
    if (answer.status >= 500) {
      // a server fault is not an answer: free the key so the client's retry runs again
      await records.putRecord({ record: record('failed', claim), expect: { status: 'pending' } });
      throw e;
    }
  }
  await records.putRecord({
    record: record('done', { ...claim, status: answer.status, body: answer.body }),
    expect: { status: 'pending' },
  });
  return c.json(answer.body as object, answer.status);
}
