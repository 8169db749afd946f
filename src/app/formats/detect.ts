/**
 * Detects an artifact's format from its bytes (magic numbers and structure, never the file
 * name), reading a bounded part of it. A malformed file answers `unknown` with the reason;
 * detection never fails a registration.
 */
import { open, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { type ArtifactFormat, ArtifactFormatSchema } from '../../core/formats.js';
import { FileWindow, MalformedError } from './file-window.js';
import { detectOnnx } from './onnx.js';
import { detectCompressedPickle, detectPickle } from './pickle.js';
import { detectSafetensors, looksLikeSafetensors } from './safetensors.js';
import { detectZip, looksLikeZip } from './zip.js';

/** Files counted in a directory before counting stops. */
const MAX_FILES = 100_000;

async function countFiles(dir: string): Promise<number> {
  let count = 0;
  const pending = [dir];
  while (pending.length > 0 && count < MAX_FILES) {
    const current = pending.pop()!;
    for (const entry of await readdir(current, { withFileTypes: true })) {
      if (entry.isDirectory()) pending.push(join(current, entry.name));
      else count++;
    }
  }
  return Math.min(count, MAX_FILES);
}

async function detectDirectory(dir: string): Promise<ArtifactFormat> {
  const kinds = new Map<string, boolean>();
  for (const entry of await readdir(dir, { withFileTypes: true })) kinds.set(entry.name, entry.isDirectory());
  const fileCount = await countFiles(dir);
  if (kinds.get('saved_model.pb') === false || kinds.get('saved_model.pbtxt') === false) {
    return {
      name: 'tensorflow-savedmodel',
      hasVariables: kinds.get('variables') === true,
      hasAssets: kinds.get('assets') === true,
      fileCount,
    };
  }
  return { name: 'directory', fileCount };
}

async function detectFile(path: string): Promise<ArtifactFormat> {
  const handle = await open(path, 'r');
  try {
    const win = new FileWindow(handle, (await handle.stat()).size);
    if (win.size === 0) return { name: 'unknown', reason: 'the file is empty' };
    const head = await win.read(0, 256);
    if (looksLikeZip(head)) return await detectZip(path);
    const pickle = (await detectPickle(win, head)) ?? (await detectCompressedPickle(win, head));
    if (pickle) return pickle;
    if (looksLikeSafetensors(head, win.size)) return await detectSafetensors(win);
    // ONNX has no magic number: a ModelProto starts with a field key, most often ir_version's (0x08)
    if (head[0] === 0x08 || head[0] === 0x12 || head[0] === 0x3a || head[0] === 0x42) {
      try {
        return await detectOnnx(win);
      } catch (e) {
        // a decoder's own error (index out of range, invalid wire type) says the same: not a ModelProto
        return {
          name: 'unknown',
          reason: `not ONNX, pickle, safetensors or zip (as ONNX: ${(e as Error).message})`,
        };
      }
    }
    return {
      name: 'unknown',
      reason: `no known format starts with bytes ${head.subarray(0, 4).toString('hex')}`,
    };
  } finally {
    await handle.close();
  }
}

/**
 * The format of the file or directory at `path`. Anything unreadable as its format (a
 * truncated zip, a safetensors header that lies) is `unknown` with the reason.
 */
export async function detectFormat(path: string): Promise<ArtifactFormat> {
  let found: ArtifactFormat;
  try {
    found = (await stat(path)).isDirectory() ? await detectDirectory(path) : await detectFile(path);
  } catch (e) {
    found = {
      name: 'unknown',
      reason: e instanceof MalformedError ? e.message : `could not be read: ${(e as Error).message}`,
    };
  }
  return ArtifactFormatSchema.parse(found);
}
