import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { lstat, mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, join, relative, sep } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  ArtifactIntegrityError,
  ConcurrentModificationError,
  NotFoundError,
  ValidationError,
} from '../../core/errors.js';
import type { ArtifactInfo, ModelRef } from '../../core/model.js';
import type { ArtifactSidecars, ArtifactStore, StagedArtifact } from '../../core/ports.js';

/** Copies `from` to `to` while hashing it: one read of the bytes. */
async function copyHashing(from: string, to: string): Promise<{ sha256: string; sizeBytes: number }> {
  const hash = createHash('sha256');
  let sizeBytes = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      sizeBytes += chunk.length;
      done(null, chunk);
    },
  });
  await pipeline(createReadStream(from), tap, createWriteStream(to, { flags: 'wx' }));
  return { sha256: hash.digest('hex'), sizeBytes };
}

/** Relative paths (posix separators) of every regular file under `root`, sorted. */
async function listFiles(root: string): Promise<string[]> {
  const out: string[] = [];
  async function walk(dir: string): Promise<void> {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (entry.isFile()) out.push(relative(root, full).split(sep).join('/'));
      else {
        throw new ValidationError(
          `artifact contains ${full}, which is neither a regular file nor a directory (symlinks and devices are not registered); copy the real file in its place.`,
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

async function copyTree(from: string, to: string): Promise<{ sha256: string; sizeBytes: number }> {
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

function isErrno(e: unknown, ...codes: string[]): boolean {
  return typeof e === 'object' && e !== null && codes.includes(String((e as { code?: unknown }).code));
}

/**
 * Artifacts on the local filesystem, in the reference registry's layout:
 * `{root}/{useCase}/{modelName}/versions/{version}/model/` with `metadata.json` and
 * `metrics.json` beside it. Staged copies wait in `{root}/.staging/` until a version
 * number is settled, then move in with one rename.
 */
export class FsArtifactStore implements ArtifactStore {
  constructor(private readonly root: string) {}

  versionDir(ref: ModelRef, version: string): string {
    return join(this.root, ref.useCase, ref.modelName, 'versions', version);
  }

  async stage(sourcePath: string): Promise<StagedArtifact> {
    let info: Awaited<ReturnType<typeof stat>>;
    try {
      info = await stat(sourcePath);
    } catch (e) {
      if (isErrno(e, 'ENOENT', 'ENOTDIR')) {
        throw new ValidationError(
          `artifact ${sourcePath} does not exist; pass the path of the model file or directory.`,
          {
            field: 'artifact',
            value: sourcePath,
          },
        );
      }
      if (isErrno(e, 'EACCES', 'EPERM')) {
        throw new ValidationError(`artifact ${sourcePath} cannot be read (permission denied).`, {
          field: 'artifact',
        });
      }
      throw e;
    }
    const handle = join(this.root, '.staging', randomUUID());
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
          throw new ValidationError(
            `artifact directory ${sourcePath} is empty; there is nothing to register.`,
            {
              field: 'artifact',
            },
          );
        }
        return { ...copied, kind: 'directory', name, handle };
      }
      throw new ValidationError(`artifact ${sourcePath} is neither a file nor a directory.`, {
        field: 'artifact',
      });
    } catch (e) {
      await rm(handle, { recursive: true, force: true });
      if (isErrno(e, 'EACCES', 'EPERM')) {
        throw new ValidationError(`artifact ${sourcePath} cannot be read (permission denied).`, {
          field: 'artifact',
        });
      }
      throw e;
    }
  }

  async publish(
    staged: StagedArtifact,
    ref: ModelRef,
    version: string,
    sidecars: ArtifactSidecars,
  ): Promise<ArtifactInfo> {
    const dir = this.versionDir(ref, version);
    await mkdir(join(dir, '..'), { recursive: true });
    try {
      await mkdir(dir);
    } catch (e) {
      if (isErrno(e, 'EEXIST')) {
        throw new ConcurrentModificationError(
          `the artifact directory ${dir} already exists (another registration is writing version ${version}, or an earlier one was interrupted).`,
          { version, path: dir },
        );
      }
      throw e;
    }
    await writeFile(join(dir, 'metadata.json'), `${JSON.stringify(sidecars.metadata, null, 2)}\n`);
    await writeFile(join(dir, 'metrics.json'), `${JSON.stringify(sidecars.metrics, null, 2)}\n`);
    const modelDir = join(dir, 'model');
    await rename(staged.handle, modelDir);
    const target = staged.kind === 'file' ? join(modelDir, staged.name) : `${modelDir}${sep}`;
    return { uri: pathToFileURL(target).href, sha256: staged.sha256, sizeBytes: staged.sizeBytes };
  }

  async unpublish(ref: ModelRef, version: string, staged?: StagedArtifact): Promise<void> {
    const dir = this.versionDir(ref, version);
    if (staged) await rename(join(dir, 'model'), staged.handle);
    await rm(dir, { recursive: true, force: true });
  }

  async discard(staged: StagedArtifact): Promise<void> {
    await rm(staged.handle, { recursive: true, force: true });
  }

  async fetch(artifact: ArtifactInfo, destDir: string): Promise<{ path: string; sha256: string }> {
    if (!artifact.uri.startsWith('file:')) {
      throw new ValidationError(
        `artifact ${artifact.uri} is not on this machine's filesystem; use the backend that stored it.`,
      );
    }
    const source = fileURLToPath(artifact.uri);
    const isDir = artifact.uri.endsWith('/');
    try {
      await lstat(source);
    } catch (e) {
      if (isErrno(e, 'ENOENT')) {
        throw new NotFoundError(`the artifact ${source} is missing from the store.`, { uri: artifact.uri });
      }
      throw e;
    }
    await mkdir(destDir, { recursive: true });
    let target: string;
    let got: { sha256: string };
    try {
      if (isDir) {
        target = destDir;
        const existing = await readdir(destDir);
        if (existing.length > 0) {
          throw new ValidationError(
            `output directory ${destDir} is not empty; choose an empty or new --output.`,
          );
        }
        got = await copyTree(source, destDir);
      } else {
        target = join(destDir, basename(source));
        got = await copyHashing(source, target);
      }
    } catch (e) {
      if (isErrno(e, 'EEXIST')) {
        throw new ValidationError(
          `${join(destDir, basename(source))} already exists; choose another --output.`,
        );
      }
      throw e;
    }
    if (got.sha256 !== artifact.sha256) {
      await rm(isDir ? destDir : target, { recursive: true, force: true });
      throw new ArtifactIntegrityError(
        `the artifact ${source} was altered after registration: sha256 is ${got.sha256}, registered ${artifact.sha256}. The copy was removed.`,
        { expected: artifact.sha256, actual: got.sha256, uri: artifact.uri },
      );
    }
    return { path: target, sha256: got.sha256 };
  }
}
