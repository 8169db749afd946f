/**
 * pickle and joblib detection: a pickle of protocol 2 to 5 starts with the PROTO opcode
 * (0x80) and its protocol byte and ends with STOP (`.`). joblib writes pickles too; its
 * numpy wrapper names `joblib.numpy_pickle` near the start. A zlib- or gzip-compressed
 * joblib file is recognised by inflating its first bytes only.
 */
import { constants, gunzipSync, inflateSync } from 'node:zlib';
import type { ArtifactFormat } from '../../core/formats.js';
import type { FileWindow } from './file-window.js';

/** How much of the start is searched for joblib's marker, or inflated. */
const HEAD_BYTES = 64 * 1024;
const JOBLIB_MARKER = Buffer.from('joblib.numpy_pickle');

/** The pickle protocol the bytes start with, or null when they do not start a pickle. */
export function pickleProtocol(head: Buffer): number | null {
  if (head.length < 2 || head[0] !== 0x80) return null;
  const protocol = head[1]!;
  return protocol >= 2 && protocol <= 5 ? protocol : null;
}

function describePickle(head: Buffer, compression?: string): ArtifactFormat | null {
  const protocol = pickleProtocol(head);
  if (protocol === null) return null;
  const joblib = head.includes(JOBLIB_MARKER);
  return { name: joblib ? 'joblib' : 'pickle', protocol, ...(compression ? { compression } : {}) };
}

/** A plain pickle (or joblib) file, or null. */
export async function detectPickle(win: FileWindow, head: Buffer): Promise<ArtifactFormat | null> {
  if (pickleProtocol(head) === null) return null;
  const last = await win.read(win.size - 1, 1);
  if (last[0] !== 0x2e) return null;
  return describePickle(await win.read(0, HEAD_BYTES));
}

/** A gzip or zlib stream whose first inflated bytes are a pickle (a compressed joblib file), or null. */
export async function detectCompressedPickle(win: FileWindow, head: Buffer): Promise<ArtifactFormat | null> {
  const gzip = head[0] === 0x1f && head[1] === 0x8b;
  const zlib = head[0] === 0x78 && [0x01, 0x5e, 0x9c, 0xda].includes(head[1] ?? -1);
  if (!gzip && !zlib) return null;
  const start = await win.read(0, HEAD_BYTES);
  let inflated: Buffer;
  try {
    const options = { finishFlush: constants.Z_SYNC_FLUSH, maxOutputLength: HEAD_BYTES * 16 };
    inflated = gzip ? gunzipSync(start, options) : inflateSync(start, options);
  } catch {
    return null;
  }
  return describePickle(inflated, gzip ? 'gzip' : 'zlib');
}
