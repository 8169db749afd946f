/**
 * pickle and joblib detection: a pickle of protocol 2 to 5 starts with the PROTO opcode
 * (0x80) and its protocol byte, one of protocol 0 or 1 with the opcodes of a dict, list,
 * tuple or object, and every pickle ends with STOP (`.`). joblib writes pickles too; its
 * numpy wrapper names `joblib.numpy_pickle` near the start. A zlib- or gzip-compressed
 * joblib file is recognised by inflating its first bytes only.
 */
import { constants, gunzipSync, inflateSync } from 'node:zlib';
import type { ArtifactFormat } from '../../core/formats.js';
import type { FileWindow } from './file-window.js';

/** How much of the start is searched for joblib's marker, or inflated. */
const HEAD_BYTES = 64 * 1024;
const JOBLIB_MARKER = Buffer.from('joblib.numpy_pickle');

/** Opcodes that follow MARK `(` at the start of a protocol 0/1 pickle (a dict, list, tuple or object). */
const AFTER_MARK = new Set([...'dltVSIFNc(XKJ}]UTq'].map((c) => c.charCodeAt(0)));
/** A protocol 0/1 pickle starting with GLOBAL: `c<module>\n<name>\n` (an object's class). */
const GLOBAL = /^c[A-Za-z_][\w.]*\n[A-Za-z_][\w]*\n/;

/**
 * The pickle protocol the bytes start with, or null when they do not start a pickle.
 * Protocols 2 to 5 begin with PROTO; 0 and 1 have no header, so they are recognised by the
 * opcodes a pickled dict, list, tuple or object begins with (0 is ASCII, 1 is not).
 */
export function pickleProtocol(head: Buffer): number | null {
  if (head.length < 2) return null;
  if (head[0] === 0x80) {
    const protocol = head[1]!;
    return protocol >= 2 && protocol <= 5 ? protocol : null;
  }
  const first = head[0]!;
  const second = head[1]!;
  const legacy =
    (first === 0x28 && AFTER_MARK.has(second)) ||
    ((first === 0x7d || first === 0x5d) && (second === 0x71 || second === 0x28 || second === 0x2e)) ||
    (first === 0x63 && GLOBAL.test(head.toString('latin1')));
  if (!legacy) return null;
  return head.every((b) => b === 0x0a || (b >= 0x20 && b < 0x7f)) ? 0 : 1;
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
