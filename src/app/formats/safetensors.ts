/**
 * safetensors detection: an unsigned 64-bit little-endian header length, then that many
 * bytes of JSON naming each tensor's dtype, shape and byte range, then the data. The header
 * is read only up to MAX_HEADER_BYTES, and every byte range is checked against the file.
 */
import * as z from 'zod';
import { type ArtifactFormat, FORMAT_LIST_CAP, type TensorInfo } from '../../core/formats.js';
import { type FileWindow, MalformedError } from './file-window.js';

/** The largest header read (the safetensors library itself refuses headers over 100 MB). */
export const MAX_HEADER_BYTES = 16 * 1024 * 1024;

const EntrySchema = z.object({
  dtype: z.string().min(1),
  shape: z.array(z.number().int().nonnegative()),
  data_offsets: z.tuple([z.number().int().nonnegative(), z.number().int().nonnegative()]),
});

/** Whether the first bytes could start a safetensors file (a length, then `{`). */
export function looksLikeSafetensors(head: Buffer, size: number): boolean {
  if (head.length < 9 || head[8] !== 0x7b) return false;
  const length = head.readBigUInt64LE(0);
  return length >= 2n && length <= BigInt(size - 8);
}

/** Reads a safetensors header, or throws MalformedError naming what is wrong. */
export async function detectSafetensors(win: FileWindow): Promise<ArtifactFormat> {
  const length = Number((await win.read(0, 8)).readBigUInt64LE(0));
  if (length > MAX_HEADER_BYTES)
    throw new MalformedError(
      `a safetensors header of ${length} bytes is over the ${MAX_HEADER_BYTES}-byte limit`,
    );
  let header: unknown;
  try {
    header = JSON.parse((await win.read(8, length)).toString('utf8'));
  } catch (e) {
    throw new MalformedError(`the safetensors header is not JSON (${(e as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header))
    throw new MalformedError('the safetensors header is not a JSON object');
  const dataBytes = win.size - 8 - length;
  const tensors: TensorInfo[] = [];
  const dtypes = new Set<string>();
  let metadata: Record<string, string> | undefined;
  let count = 0;
  for (const [name, value] of Object.entries(header)) {
    if (name === '__metadata__') {
      const m = z.record(z.string(), z.string()).safeParse(value);
      if (!m.success) throw new MalformedError('__metadata__ is not a map of strings');
      metadata = Object.fromEntries(
        Object.entries(m.data)
          .slice(0, FORMAT_LIST_CAP)
          .map(([k, v]) => [k, v.slice(0, 256)]),
      );
      continue;
    }
    const entry = EntrySchema.safeParse(value);
    if (!entry.success)
      throw new MalformedError(`tensor ${JSON.stringify(name)} has no dtype, shape and data_offsets`);
    const [begin, end] = entry.data.data_offsets;
    if (begin > end || end > dataBytes)
      throw new MalformedError(
        `tensor ${JSON.stringify(name)} lies outside the file (bytes ${begin}–${end} of ${dataBytes})`,
      );
    count++;
    dtypes.add(entry.data.dtype);
    if (tensors.length < FORMAT_LIST_CAP)
      tensors.push({ name, dtype: entry.data.dtype, shape: entry.data.shape });
  }
  return {
    name: 'safetensors',
    tensors,
    tensorCount: count,
    dtypes: [...dtypes].sort(),
    ...(metadata ? { headerMetadata: metadata } : {}),
    ...(count > tensors.length ? { truncated: true } : {}),
  };
}
