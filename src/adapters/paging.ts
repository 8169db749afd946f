/** Pagination shared by the stores: page sizes and opaque cursors (base64url JSON of the last key). */
import { ValidationError } from '../core/errors.js';

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 1000;

/** The page size asked for, or the default; refuses sizes outside 1..1000. */
export function pageLimit(limit: number | undefined): number {
  const n = limit ?? DEFAULT_LIMIT;
  if (!Number.isInteger(n) || n < 1 || n > MAX_LIMIT) {
    throw new ValidationError(`limit ${limit} must be an integer from 1 to ${MAX_LIMIT}.`);
  }
  return n;
}

/** An opaque cursor for a key. */
export function encodeCursor(key: unknown): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

/**
 * The key of a cursor this store handed out (null for none); `isKey` says whether the
 * decoded value has the store's key shape. Anything else is refused with a clear error.
 */
export function decodeCursor<K>(
  cursor: string | null | undefined,
  isKey: (value: unknown) => value is K,
): K | null {
  if (cursor === null || cursor === undefined || cursor === '') return null;
  try {
    const key: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (isKey(key)) return key;
  } catch {
    // fall through to the error below
  }
  throw new ValidationError(
    `cursor ${JSON.stringify(cursor)} is not one this registry handed out; pass nextCursor from the previous page.`,
  );
}
