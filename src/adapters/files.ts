/** File helpers shared by the artifact stores: hashing while copying, and directory manifests. */
import { createHash, randomUUID } from 'node:crypto';
import { lstat, mkdir, open, readdir, readlink, rm, type stat } from 'node:fs/promises';
import { basename, join, relative, sep } from 'node:path';
import { ValidationError } from '../core/errors.js';
import type { StagedArtifact } from '../core/ports.js';

/** True when `e` is a Node system error with one of these codes. */
export function isErrno(e: unknown, ...codes: string[]): boolean {
  return typeof e === 'object' && e !== null && codes.includes(String((e as { code?: unknown }).code));
}

/** Copies `from` to `to` while hashing it: one read of the bytes, in 1 MiB chunks. */
export async function copyHashing(from: string, to: string): Promise<{ sha256: string; sizeBytes: number }> {
  const hash = createHash('sha256');
  let sizeBytes = 0;
  // plain reads and writes on two handles: a stream pipeline costs several event-loop
  // turns per 64 KiB chunk, which is most of the time of a small artifact
  const source = await open(from, 'r');
  try {
    const target = await open(to, 'wx');
    try {
      const buffer = Buffer.allocUnsafe(1024 * 1024);
      for (;;) {
        const { bytesRead } = await source.read(buffer, 0, buffer.length, null);
        if (bytesRead === 0) break;
        const chunk = buffer.subarray(0, bytesRead);
        hash.update(chunk);
        sizeBytes += bytesRead;
        for (let written = 0; written < bytesRead; ) {
          written += (await target.write(chunk, written, bytesRead - written)).bytesWritten;
        }
      }
    } finally {
      await target.close();
    }
  } finally {
    await source.close();
  }
  return { sha256: hash.digest('hex'), sizeBytes };
}

/** Relative paths (posix separators) of every regular file under `root`, sorted. */
export async function listFiles(root: string): Promise<string[]> {
  const out: string[] = [];
  async function walk(dir: string): Promise<void> {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (entry.isFile()) out.push(relative(root, full).split(sep).join('/'));
      else {
        throw new ValidationError(
          `artifact contains ${full}, which is ${entry.isSymbolicLink() ? 'a symlink' : 'neither a regular file nor a directory'}; symlinks (at the top or inside a directory) and devices are not registered. Copy the real file in its place.`,
        );
      }
    }
  }
  await walk(root);
  return out.sort();
}

/**
 * The digest of a directory artifact: sha256 over its sorted manifest of
 * `relative/path<TAB>sha256<LF>` lines, so renaming, adding or changing any file changes it.
 */
export function manifestDigest(entries: ReadonlyArray<{ path: string; sha256: string }>): string {
  const manifest = [...entries]
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
    .map((e) => `${e.path}\t${e.sha256}\n`)
    .join('');
  return createHash('sha256').update(manifest).digest('hex');
}

export async function copyTree(from: string, to: string): Promise<{ sha256: string; sizeBytes: number }> {
  const files = await listFiles(from);
  const entries: { path: string; sha256: string }[] = [];
  let sizeBytes = 0;
  for (const rel of files) {
    const target = join(to, ...rel.split('/'));
    await mkdir(join(target, '..'), { recursive: true });
    const copied = await copyHashing(join(from, ...rel.split('/')), target);
    entries.push({ path: rel, sha256: copied.sha256 });
    sizeBytes += copied.sizeBytes;
  }
  return { sha256: manifestDigest(entries), sizeBytes };
}

/**
 * Hashes `sourcePath` (a file or a directory) while copying it into a new folder under
 * `stagingDir`, so that what gets registered is exactly what was hashed, whatever happens
 * to the source afterwards.
 */
/** Where stageCopy put the bytes: the file under its handle, or the handle itself for a directory. */
export function stagedCopyPath(staged: StagedArtifact): string {
  return staged.kind === 'file' ? join(staged.handle, staged.name) : staged.handle;
}

export async function stageCopy(
  sourcePath: string,
  stagingDir: string,
  what: 'artifact' | 'evaluation set' = 'artifact',
): Promise<StagedArtifact> {
  if (sourcePath.includes('\0')) {
    // no file system has such a name; Node would throw a TypeError, not say what is wrong
    throw new ValidationError(
      `${what} path ${JSON.stringify(sourcePath)} contains a NUL byte; pass the path of the file or directory.`,
      {
        field: what,
      },
    );
  }
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await lstat(sourcePath);
    // the same rule at the top as inside a directory: symlinks are not followed
    if (info.isSymbolicLink()) {
      const target = await readlink(sourcePath).catch(() => '?');
      throw new ValidationError(
        `${what} ${sourcePath} is a symlink (to ${target}); symlinks are not registered, at the top or inside a directory. Pass the real path instead.`,
        { field: what, value: sourcePath },
      );
    }
  } catch (e) {
    if (isErrno(e, 'ENOENT', 'ENOTDIR')) {
      throw new ValidationError(
        `${what} ${sourcePath} does not exist; pass the path of ${what === 'artifact' ? 'the model' : 'the evaluation set'} file or directory.`,
        {
          field: what,
          value: sourcePath,
        },
      );
    }
    if (isErrno(e, 'ENAMETOOLONG', 'ELOOP', 'EINVAL')) {
      throw new ValidationError(
        `${what} path ${JSON.stringify(sourcePath.length > 80 ? `${sourcePath.slice(0, 80)}…` : sourcePath)} is not a usable path (${(e as NodeJS.ErrnoException).code}); pass the path of the file or directory.`,
        { field: what, code: (e as NodeJS.ErrnoException).code },
      );
    }
    if (isErrno(e, 'EACCES', 'EPERM')) {
      throw new ValidationError(`${what} ${sourcePath} cannot be read (permission denied).`, {
        field: what,
      });
    }
    throw e;
  }
  const handle = join(stagingDir, randomUUID());
  await mkdir(handle, { recursive: true });
  const name = basename(sourcePath);
  try {
    if (info.isFile()) {
      const copied = await copyHashing(sourcePath, join(handle, name));
      return { ...copied, kind: 'file', name, handle };
    }
    if (info.isDirectory()) {
      const copied = await copyTree(sourcePath, handle);
      if (copied.sizeBytes === 0 && (await listFiles(handle)).length === 0) {
        throw new ValidationError(`${what} directory ${sourcePath} is empty; there is nothing to register.`, {
          field: what,
        });
      }
      return { ...copied, kind: 'directory', name, handle };
    }
    throw new ValidationError(`${what} ${sourcePath} is neither a file nor a directory.`, {
      field: what,
    });
  } catch (e) {
    await rm(handle, { recursive: true, force: true });
    if (isErrno(e, 'ENAMETOOLONG', 'ELOOP', 'EINVAL')) {
      throw new ValidationError(
        `${what} path ${JSON.stringify(sourcePath.length > 80 ? `${sourcePath.slice(0, 80)}…` : sourcePath)} is not a usable path (${(e as NodeJS.ErrnoException).code}); pass the path of the file or directory.`,
        { field: what, code: (e as NodeJS.ErrnoException).code },
      );
    }
    if (isErrno(e, 'EACCES', 'EPERM')) {
      throw new ValidationError(`${what} ${sourcePath} cannot be read (permission denied).`, {
        field: what,
      });
    }
    throw e;
  }
}

/**
 * Makes the directory a fetched artifact is copied into, turning a path the system
 * refuses (too long, under a file, read-only, not permitted) into a ValidationError about --output.
 */
export async function makeOutputDir(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (!code) throw e;
    const shown = dir.length > 80 ? `${dir.slice(0, 80)}…` : dir;
    throw new ValidationError(
      `cannot create the output directory ${shown} (${code}); choose another --output.`,
      {
        field: 'output',
        code,
      },
    );
  }
}

/** One entry of a leftovers folder that a sweep removed (or would remove). */
export interface Leftover {
  /** The folder it was found in and its name, e.g. `.staging/5f0c…`. */
  path: string;
  bytes: number;
}

/** Bytes under `path` and the newest modification time in the tree (a copy in progress keeps it fresh). */
async function footprint(path: string): Promise<{ bytes: number; newestMs: number }> {
  const info = await lstat(path);
  if (!info.isDirectory()) return { bytes: info.size, newestMs: info.mtimeMs };
  let bytes = 0;
  let newestMs = info.mtimeMs;
  for (const entry of await readdir(path)) {
    const sub = await footprint(join(path, entry));
    bytes += sub.bytes;
    newestMs = Math.max(newestMs, sub.newestMs);
  }
  return { bytes, newestMs };
}

/**
 * Removes every entry of `dir` untouched for `olderThanMs` (by the newest modification
 * time inside it, so a registration still copying is never removed). `label` names the
 * folder in the answer. A missing folder has nothing to sweep.
 */
export async function sweepFolder(
  dir: string,
  label: string,
  options: { olderThanMs: number; nowMs: number; dryRun: boolean },
): Promise<Leftover[]> {
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch (e) {
    if (isErrno(e, 'ENOENT')) return [];
    throw e;
  }
  const out: Leftover[] = [];
  for (const name of entries.sort()) {
    const path = join(dir, name);
    const info = await footprint(path).catch((e: unknown) => {
      if (isErrno(e, 'ENOENT')) return null; // removed meanwhile
      throw e;
    });
    if (info === null || options.nowMs - info.newestMs < options.olderThanMs) continue;
    if (!options.dryRun) await rm(path, { recursive: true, force: true });
    out.push({ path: `${label}/${name}`, bytes: info.bytes });
  }
  return out;
}
