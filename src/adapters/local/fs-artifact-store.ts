import { randomUUID } from 'node:crypto';
import { lstat, mkdir, readdir, realpath, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve as resolvePath, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ArtifactIntegrityError,
  ConcurrentModificationError,
  NotFoundError,
  ValidationError,
} from '../../core/errors.js';
import type { ArtifactInfo, ModelRef } from '../../core/model.js';
import type { ArtifactSidecars, ArtifactStore, StagedArtifact } from '../../core/ports.js';
import {
  copyHashing,
  copyTree,
  isErrno,
  type Leftover,
  makeOutputDir,
  stageCopy,
  stagedCopyPath,
  sweepFolder,
} from '../files.js';

export { manifestDigest } from '../files.js';

/**
 * Artifacts on the local filesystem, in the reference registry's layout:
 * `{root}/{useCase}/{modelName}/versions/{version}/model/` with `metadata.json` and
 * `metrics.json` beside it. Staged copies wait in `{root}/.staging/` until a version
 * number is settled, then move in with one rename.
 */
/**
 * The scheme of an artifact location relative to the store root (`store:fraud/churn/versions/1.0.0/model/m.pkl`),
 * so a store can be copied or moved and still find (and verify) its own files.
 */
export const STORE_SCHEME = 'store:';

/** How long an unregistered version directory must sit untouched before it counts as abandoned. */
export const ABANDONED_AFTER_MS = 60_000;

export class FsArtifactStore implements ArtifactStore {
  private readonly root: string;

  /** `root` may be relative: it is resolved once, so error messages name absolute paths. */
  constructor(root: string) {
    this.root = resolvePath(root);
  }

  /** The store-relative location of a path inside the store (a trailing `/` for a directory). */
  private location(path: string, directory: boolean): string {
    return `${STORE_SCHEME}${relative(this.root, path).split(sep).join('/')}${directory ? '/' : ''}`;
  }

  /**
   * The path of a recorded location: `store:` locations resolve against this store's root;
   * absolute `file://` URIs (recorded before locations were relative) are read as they are.
   */
  resolve(uri: string): string {
    if (uri.startsWith(STORE_SCHEME)) {
      const parts = uri
        .slice(STORE_SCHEME.length)
        .split('/')
        .filter((p) => p !== '');
      if (parts.some((p) => p === '..' || p === '.')) {
        throw new ValidationError(
          `artifact location ${uri} leaves the store; it was not written by modelreg.`,
        );
      }
      return join(this.root, ...parts);
    }
    if (uri.startsWith('file:')) return fileURLToPath(uri);
    throw new ValidationError(
      `artifact ${uri} is not on this machine's filesystem; use the backend that stored it.`,
    );
  }

  versionDir(ref: ModelRef, version: string): string {
    return join(this.root, ref.useCase, ref.modelName, 'versions', version);
  }

  async stage(sourcePath: string, what?: 'artifact' | 'evaluation set'): Promise<StagedArtifact> {
    await this.refuseStore(sourcePath, what ?? 'artifact');
    return stageCopy(sourcePath, join(this.root, '.staging'), what);
  }

  /**
   * Registering the store itself, or a folder that contains it, would snapshot the live
   * registry.db (and every artifact) into a version: refused, comparing real paths.
   */
  private async refuseStore(sourcePath: string, what: string): Promise<void> {
    const real = async (p: string) => realpath(p).catch(() => resolvePath(p));
    const [source, root] = await Promise.all([real(sourcePath), real(this.root)]);
    const up = relative(source, root);
    if (up === '' || (!up.startsWith('..') && !isAbsolute(up))) {
      throw new ValidationError(
        `${what} ${sourcePath} ${up === '' ? 'is' : 'contains'} the registry store ${this.root}; registering it would copy the live registry.db into a version. Pass the model's own file or folder.`,
        { field: what, value: sourcePath },
      );
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
      if (!isErrno(e, 'EEXIST')) throw e;
      if (!(await this.setAsideIfAbandoned(dir))) {
        throw new ConcurrentModificationError(
          `the artifact directory ${dir} already exists: another registration is writing version ${version} right now.`,
          { version, path: dir },
        );
      }
      await mkdir(dir);
    }
    await writeFile(join(dir, 'metadata.json'), `${JSON.stringify(sidecars.metadata, null, 2)}\n`);
    await writeFile(join(dir, 'metrics.json'), `${JSON.stringify(sidecars.metrics, null, 2)}\n`);
    const modelDir = join(dir, 'model');
    await rename(staged.handle, modelDir);
    const target = staged.kind === 'file' ? join(modelDir, staged.name) : modelDir;
    return {
      uri: this.location(target, staged.kind !== 'file'),
      sha256: staged.sha256,
      sizeBytes: staged.sizeBytes,
    };
  }

  /**
   * A version directory of an unregistered version is either being written right now (a
   * publish is a rename and two small writes, then the commit) or was left by a process
   * that died between publish and commit. One untouched for a minute is the latter: it
   * is moved to `{root}/.orphans/` (kept for inspection) so the version can be used.
   */
  private async setAsideIfAbandoned(dir: string): Promise<boolean> {
    const info = await stat(dir).catch(() => null);
    if (info === null || Date.now() - info.mtimeMs < ABANDONED_AFTER_MS) return false;
    const orphans = join(this.root, '.orphans');
    await mkdir(orphans, { recursive: true });
    await rename(
      dir,
      join(orphans, `${basename(dirname(dirname(dir)))}-${basename(dir)}-${randomUUID().slice(0, 8)}`),
    );
    return true;
  }

  async publishEvalSet(
    staged: StagedArtifact,
    useCase: string,
    name: string,
    version: number,
  ): Promise<ArtifactInfo> {
    const dir = join(this.root, useCase, '_evalsets', name, String(version));
    await mkdir(join(dir, '..'), { recursive: true });
    try {
      await mkdir(dir);
    } catch (e) {
      if (!isErrno(e, 'EEXIST')) throw e;
      throw new ConcurrentModificationError(
        `evaluation set ${name}@${version} is being written by another registration.`,
      );
    }
    const dataDir = join(dir, 'data');
    await rename(staged.handle, dataDir);
    const target = staged.kind === 'file' ? join(dataDir, staged.name) : dataDir;
    return {
      uri: this.location(target, staged.kind !== 'file'),
      sha256: staged.sha256,
      sizeBytes: staged.sizeBytes,
    };
  }

  /** The folder of a version's variant for one target. */
  variantDir(ref: ModelRef, version: string, target: string): string {
    return join(this.versionDir(ref, version), 'variants', target);
  }

  async publishVariant(
    staged: StagedArtifact,
    ref: ModelRef,
    version: string,
    target: string,
    metadata: Record<string, unknown>,
  ): Promise<ArtifactInfo> {
    const dir = this.variantDir(ref, version, target);
    await mkdir(join(dir, '..'), { recursive: true });
    try {
      await mkdir(dir);
    } catch (e) {
      if (!isErrno(e, 'EEXIST')) throw e;
      // the caller found no variant record: a folder left by a crash is set aside once it is old
      if (!(await this.setAsideIfAbandoned(dir))) {
        throw new ConcurrentModificationError(
          `the variant directory ${dir} already exists: another command is adding ${target} to ${version} right now.`,
          { version, target, path: dir },
        );
      }
      await mkdir(dir);
    }
    await writeFile(join(dir, 'metadata.json'), `${JSON.stringify(metadata, null, 2)}\n`);
    const artifactDir = join(dir, 'artifact');
    await rename(staged.handle, artifactDir);
    const placed = staged.kind === 'file' ? join(artifactDir, staged.name) : artifactDir;
    return {
      uri: this.location(placed, staged.kind !== 'file'),
      sha256: staged.sha256,
      sizeBytes: staged.sizeBytes,
    };
  }

  async unpublishVariant(ref: ModelRef, version: string, target: string): Promise<void> {
    await rm(this.variantDir(ref, version, target), { recursive: true, force: true });
  }

  async unpublish(ref: ModelRef, version: string, staged?: StagedArtifact): Promise<void> {
    const dir = this.versionDir(ref, version);
    if (staged) await rename(join(dir, 'model'), staged.handle);
    await rm(dir, { recursive: true, force: true });
  }

  /** Staged copies (`.staging/<uuid>`) and set-aside folders (`.orphans/`) of crashed registrations. */
  async sweepLeftovers(options: { olderThanMs: number; dryRun: boolean }): Promise<Leftover[]> {
    const at = { ...options, nowMs: Date.now() };
    return [
      ...(await sweepFolder(join(this.root, '.staging'), '.staging', at)),
      ...(await sweepFolder(join(this.root, '.orphans'), '.orphans', at)),
    ];
  }

  async discard(staged: StagedArtifact): Promise<void> {
    await rm(staged.handle, { recursive: true, force: true });
  }

  stagedPath(staged: StagedArtifact): string {
    return stagedCopyPath(staged);
  }

  async fetch(artifact: ArtifactInfo, destDir: string): Promise<{ path: string; sha256: string }> {
    const source = this.resolve(artifact.uri);
    const isDir = artifact.uri.endsWith('/');
    try {
      await lstat(source);
    } catch (e) {
      if (isErrno(e, 'ENOENT')) {
        throw new NotFoundError(`the artifact ${source} is missing from the store.`, { uri: artifact.uri });
      }
      throw e;
    }
    await makeOutputDir(destDir);
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
