/**
 * Small artifact fixtures on the real filesystem, so contract tests register real
 * files and directories and can check the bytes that come back out.
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Hex sha256 of a buffer or string, as the registry records artifact digests. */
export function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Writes one file (creating its directory) and returns its path. */
export async function writeFileArtifact(path: string, content: Buffer | string): Promise<string> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, content);
  return path;
}

/** Writes a directory of files given as `relative/path → content` and returns the directory. */
export async function writeTree(root: string, files: Record<string, string>): Promise<string> {
  for (const [rel, content] of Object.entries(files)) {
    await writeFileArtifact(join(root, ...rel.split('/')), content);
  }
  return root;
}

/** Reads every regular file under `root` as `relative/path (posix) → content`. */
export async function readTree(root: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  async function walk(dir: string): Promise<void> {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (entry.isFile()) out[relative(root, full).split(sep).join('/')] = await readFile(full, 'utf8');
    }
  }
  await walk(root);
  return out;
}

/** Relative paths of every regular file under `root`, sorted (empty when `root` is missing). */
export async function listFilesUnder(root: string): Promise<string[]> {
  try {
    return Object.keys(await readTree(root)).sort();
  } catch (e) {
    if ((e as { code?: string }).code === 'ENOENT') return [];
    throw e;
  }
}

/** Where a recorded artifact location of the embedded store lives: `store:` is relative to the store root. */
export function storedPath(store: string, uri: string): string {
  if (uri.startsWith('store:')) return join(resolve(store), ...uri.slice('store:'.length).split('/'));
  return fileURLToPath(uri);
}
