import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, open, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import {
  ArtifactIntegrityError,
  ConcurrentModificationError,
  NotFoundError,
  ValidationError,
} from '../../core/errors.js';
import type { ArtifactInfo, ModelRef } from '../../core/model.js';
import type { ArtifactSidecars, ArtifactStore, StagedArtifact } from '../../core/ports.js';
import {
  isErrno,
  type Leftover,
  listFiles,
  makeOutputDir,
  manifestDigest,
  stageCopy,
  stagedCopyPath,
  sweepFolder,
} from '../files.js';

/** Options of the S3 artifact store. */
export interface S3ArtifactStoreOptions {
  bucket: string;
  /** KMS key for SSE-KMS; without it the bucket's default encryption applies. */
  kmsKeyId?: string;
  /** Files at least this large are uploaded in parts. @default 64 MiB */
  multipartThreshold?: number;
  /** Part size of multipart uploads (S3's minimum is 5 MiB). @default 16 MiB */
  partSize?: number;
  /** Where staged copies wait before upload. @default the OS temp directory */
  stagingDir?: string;
}

const MiB = 1024 * 1024;
/** How old an unregistered version's objects must be to count as abandoned. */
export const ABANDONED_AFTER_MS = 60_000;

function b64(hex: string): string {
  return Buffer.from(hex, 'hex').toString('base64');
}

function isPreconditionFailed(e: unknown): boolean {
  const err = e as { name?: string; $metadata?: { httpStatusCode?: number } };
  return err?.name === 'PreconditionFailed' || err?.$metadata?.httpStatusCode === 412;
}

async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * Artifacts in S3, keyed like the reference registry's layout:
 * `{useCase}/{modelName}/versions/{version}/model/…` with `metadata.json` and
 * `metrics.json` beside it. Every object is sent with its SHA-256 for S3 to check,
 * written with `If-None-Match: *` so a version's artifact is never overwritten, and
 * encrypted with the configured KMS key.
 */
export class S3ArtifactStore implements ArtifactStore {
  private readonly threshold: number;
  private readonly partSize: number;
  private readonly stagingDir: string;

  constructor(
    private readonly s3: S3Client,
    private readonly options: S3ArtifactStoreOptions,
  ) {
    this.threshold = options.multipartThreshold ?? 64 * MiB;
    this.partSize = options.partSize ?? 16 * MiB;
    this.stagingDir = options.stagingDir ?? join(tmpdir(), 'modelreg-staging');
  }

  /** The key prefix of a version: `{useCase}/{modelName}/versions/{version}/`. */
  prefix(ref: ModelRef, version: string): string {
    return `${ref.useCase}/${ref.modelName}/versions/${version}/`;
  }

  private get encryption() {
    return this.options.kmsKeyId
      ? { ServerSideEncryption: 'aws:kms' as const, SSEKMSKeyId: this.options.kmsKeyId }
      : {};
  }

  /**
   * Hashes and copies the source aside. An `s3://` source (a SageMaker training output,
   * say) is downloaded first: one object, or every object under a prefix ending in `/`.
   */
  async stage(sourcePath: string, what?: 'artifact' | 'evaluation set'): Promise<StagedArtifact> {
    if (!sourcePath.startsWith('s3://')) return stageCopy(sourcePath, this.stagingDir, what);
    const { bucket, key } = this.parse(sourcePath);
    await mkdir(this.stagingDir, { recursive: true });
    const download = await mkdtemp(join(this.stagingDir, 'download-'));
    try {
      let local: string;
      if (key.endsWith('/')) {
        local = join(download, 'artifact');
        let token: string | undefined;
        let count = 0;
        do {
          const page = await this.s3.send(
            new ListObjectsV2Command({
              Bucket: bucket,
              Prefix: key,
              ...(token ? { ContinuationToken: token } : {}),
            }),
          );
          for (const o of page.Contents ?? []) {
            if (o.Key!.endsWith('/')) continue;
            await this.download(bucket, o.Key!, join(local, ...o.Key!.slice(key.length).split('/')));
            count++;
          }
          token = page.IsTruncated ? page.NextContinuationToken : undefined;
        } while (token);
        if (count === 0) throw new ValidationError(`${what ?? 'artifact'} ${sourcePath} holds no objects.`);
      } else {
        local = join(download, key.slice(key.lastIndexOf('/') + 1));
        await this.download(bucket, key, local);
      }
      return await stageCopy(local, this.stagingDir, what);
    } finally {
      await rm(download, { recursive: true, force: true });
    }
  }

  /** Uploads one file (single PUT or multipart), conditional on the key not existing. */
  async putFile(key: string, path: string, sha256Hex: string): Promise<void> {
    const size = (await stat(path)).size;
    try {
      if (size < this.threshold) {
        await this.s3.send(
          new PutObjectCommand({
            Bucket: this.options.bucket,
            Key: key,
            // a Buffer, not a stream: the SDK never retries a request with a streaming body
            Body: await readFile(path),
            ContentLength: size,
            ChecksumAlgorithm: 'SHA256',
            ChecksumSHA256: b64(sha256Hex),
            IfNoneMatch: '*',
            ...this.encryption,
          }),
        );
        return;
      }
      await this.multipart(key, path, size);
    } catch (e) {
      if (isPreconditionFailed(e)) {
        throw new ConcurrentModificationError(
          `s3://${this.options.bucket}/${key} already exists; artifacts are never overwritten.`,
          {
            key,
          },
        );
      }
      throw e;
    }
  }

  private async multipart(key: string, path: string, size: number): Promise<void> {
    const bucket = this.options.bucket;
    const existing = await this.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key })).catch((e) => {
      if ((e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return null;
      throw e;
    });
    if (existing) throw Object.assign(new Error('exists'), { name: 'PreconditionFailed' });
    const created = await this.s3.send(
      new CreateMultipartUploadCommand({
        Bucket: bucket,
        Key: key,
        ChecksumAlgorithm: 'SHA256',
        ...this.encryption,
      }),
    );
    const uploadId = created.UploadId!;
    const parts: { PartNumber: number; ETag: string; ChecksumSHA256: string }[] = [];
    const handle = await open(path, 'r');
    try {
      for (let offset = 0, n = 1; offset < size; offset += this.partSize, n++) {
        const length = Math.min(this.partSize, size - offset);
        const buffer = Buffer.alloc(length);
        await handle.read(buffer, 0, length, offset);
        const checksum = createHash('sha256').update(buffer).digest('base64');
        const out = await this.s3.send(
          new UploadPartCommand({
            Bucket: bucket,
            Key: key,
            UploadId: uploadId,
            PartNumber: n,
            Body: buffer,
            ChecksumAlgorithm: 'SHA256',
            ChecksumSHA256: checksum,
          }),
        );
        parts.push({ PartNumber: n, ETag: out.ETag!, ChecksumSHA256: checksum });
      }
      await this.s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: bucket,
          Key: key,
          UploadId: uploadId,
          MultipartUpload: { Parts: parts },
          IfNoneMatch: '*',
        }),
      );
    } catch (e) {
      await this.s3
        .send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId }))
        .catch(() => {});
      throw e;
    } finally {
      await handle.close();
    }
  }

  private async putJson(key: string, value: unknown): Promise<void> {
    const body = Buffer.from(`${JSON.stringify(value, null, 2)}\n`);
    await this.putBuffer(key, body);
  }

  private async putBuffer(key: string, body: Buffer): Promise<void> {
    try {
      await this.s3.send(
        new PutObjectCommand({
          Bucket: this.options.bucket,
          Key: key,
          Body: body,
          ChecksumAlgorithm: 'SHA256',
          ChecksumSHA256: createHash('sha256').update(body).digest('base64'),
          IfNoneMatch: '*',
          ContentType: 'application/json',
          ...this.encryption,
        }),
      );
    } catch (e) {
      if (isPreconditionFailed(e)) {
        throw new ConcurrentModificationError(
          `s3://${this.options.bucket}/${key} already exists; artifacts are never overwritten.`,
        );
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
    try {
      return await this.publishOnce(staged, ref, version, sidecars);
    } catch (e) {
      // A conflict on an unregistered version: objects left by a dead upload are cleared (once).
      if (
        e instanceof ConcurrentModificationError &&
        (await this.clearAbandoned(this.prefix(ref, version)))
      ) {
        return this.publishOnce(staged, ref, version, sidecars);
      }
      throw e;
    }
  }

  private async publishOnce(
    staged: StagedArtifact,
    ref: ModelRef,
    version: string,
    sidecars: ArtifactSidecars,
  ): Promise<ArtifactInfo> {
    const prefix = this.prefix(ref, version);
    const modelPrefix = `${prefix}model/`;
    // Keys this call created (If-None-Match makes them ours): a failed publish removes them,
    // since nothing else would, and they would keep the version taken.
    const written: string[] = [];
    try {
      // The model goes first: its If-None-Match tells us whether the version is taken.
      if (staged.kind === 'file') {
        const key = `${modelPrefix}${staged.name}`;
        await this.putFile(key, join(staged.handle, staged.name), staged.sha256);
        written.push(key);
      } else {
        for (const rel of await listFiles(staged.handle)) {
          const path = join(staged.handle, ...rel.split('/'));
          await this.putFile(`${modelPrefix}${rel}`, path, await sha256OfFile(path));
          written.push(`${modelPrefix}${rel}`);
        }
      }
      await this.putJson(`${prefix}metadata.json`, sidecars.metadata);
      written.push(`${prefix}metadata.json`);
      await this.putJson(`${prefix}metrics.json`, sidecars.metrics);
    } catch (e) {
      await this.deleteKeys(written).catch(() => {}); // best effort: the original error matters
      throw e;
    }
    const uri =
      staged.kind === 'file'
        ? `s3://${this.options.bucket}/${modelPrefix}${staged.name}`
        : `s3://${this.options.bucket}/${modelPrefix}`;
    return { uri, sha256: staged.sha256, sizeBytes: staged.sizeBytes };
  }

  /**
   * Objects under the prefix of a version that is not registered (the caller checked)
   * were left by an upload whose process died before it could commit or clean up. Once
   * the newest of them is a minute old, no registration is still writing them: they are
   * removed so the version can be used (within a minute, publishing fails with a conflict
   * and the registration retries). Checked only after a conflict, so a normal publish
   * costs no extra request.
   */
  private async clearAbandoned(prefix: string): Promise<boolean> {
    const page = await this.s3.send(
      new ListObjectsV2Command({ Bucket: this.options.bucket, Prefix: prefix, MaxKeys: 1000 }),
    );
    const objects = page.Contents ?? [];
    if (objects.length === 0) return false;
    const newest = Math.max(...objects.map((o) => o.LastModified?.getTime() ?? Date.now()));
    if (Date.now() - newest < ABANDONED_AFTER_MS) return false;
    await this.deletePrefix(prefix);
    return true;
  }

  async publishEvalSet(
    staged: StagedArtifact,
    useCase: string,
    name: string,
    version: number,
  ): Promise<ArtifactInfo> {
    const prefix = `${useCase}/_evalsets/${name}/${version}/data/`;
    if (staged.kind === 'file') {
      await this.putFile(`${prefix}${staged.name}`, join(staged.handle, staged.name), staged.sha256);
      return {
        uri: `s3://${this.options.bucket}/${prefix}${staged.name}`,
        sha256: staged.sha256,
        sizeBytes: staged.sizeBytes,
      };
    }
    for (const rel of await listFiles(staged.handle)) {
      const path = join(staged.handle, ...rel.split('/'));
      await this.putFile(`${prefix}${rel}`, path, await sha256OfFile(path));
    }
    return {
      uri: `s3://${this.options.bucket}/${prefix}`,
      sha256: staged.sha256,
      sizeBytes: staged.sizeBytes,
    };
  }

  /** Deletes the given objects (up to 1000 per request). */
  private async deleteKeys(keys: readonly string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += 1000) {
      await this.s3.send(
        new DeleteObjectsCommand({
          Bucket: this.options.bucket,
          Delete: { Objects: keys.slice(i, i + 1000).map((Key) => ({ Key })), Quiet: true },
        }),
      );
    }
  }

  /** Deletes every object under a prefix (a version directory or a model directory). */
  async deletePrefix(prefix: string): Promise<number> {
    let deleted = 0;
    let token: string | undefined;
    do {
      const page = await this.s3.send(
        new ListObjectsV2Command({
          Bucket: this.options.bucket,
          Prefix: prefix,
          ...(token ? { ContinuationToken: token } : {}),
        }),
      );
      const keys = (page.Contents ?? []).map((o) => ({ Key: o.Key! }));
      if (keys.length > 0) {
        const out = await this.s3.send(
          new DeleteObjectsCommand({ Bucket: this.options.bucket, Delete: { Objects: keys, Quiet: true } }),
        );
        if (out.Errors && out.Errors.length > 0) {
          throw new Error(
            `could not delete ${out.Errors.length} objects under s3://${this.options.bucket}/${prefix}: ${out.Errors[0]?.Message}`,
          );
        }
        deleted += keys.length;
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return deleted;
  }

  /** The key prefix of a version's variant: `…/versions/{version}/variants/{target}/`. */
  variantPrefix(ref: ModelRef, version: string, target: string): string {
    return `${this.prefix(ref, version)}variants/${target}/`;
  }

  async publishVariant(
    staged: StagedArtifact,
    ref: ModelRef,
    version: string,
    target: string,
    metadata: Record<string, unknown>,
  ): Promise<ArtifactInfo> {
    const prefix = this.variantPrefix(ref, version, target);
    try {
      return await this.publishVariantOnce(staged, prefix, metadata);
    } catch (e) {
      // the caller found no variant record: objects of a dead upload are cleared (once)
      if (e instanceof ConcurrentModificationError && (await this.clearAbandoned(prefix))) {
        return this.publishVariantOnce(staged, prefix, metadata);
      }
      throw e;
    }
  }

  private async publishVariantOnce(
    staged: StagedArtifact,
    prefix: string,
    metadata: Record<string, unknown>,
  ): Promise<ArtifactInfo> {
    const artifactPrefix = `${prefix}artifact/`;
    const written: string[] = [];
    try {
      if (staged.kind === 'file') {
        const key = `${artifactPrefix}${staged.name}`;
        await this.putFile(key, join(staged.handle, staged.name), staged.sha256);
        written.push(key);
      } else {
        for (const rel of await listFiles(staged.handle)) {
          const path = join(staged.handle, ...rel.split('/'));
          await this.putFile(`${artifactPrefix}${rel}`, path, await sha256OfFile(path));
          written.push(`${artifactPrefix}${rel}`);
        }
      }
      await this.putJson(`${prefix}metadata.json`, metadata);
    } catch (e) {
      await this.deleteKeys(written).catch(() => {}); // best effort: the original error matters
      throw e;
    }
    const uri =
      staged.kind === 'file'
        ? `s3://${this.options.bucket}/${artifactPrefix}${staged.name}`
        : `s3://${this.options.bucket}/${artifactPrefix}`;
    return { uri, sha256: staged.sha256, sizeBytes: staged.sizeBytes };
  }

  async unpublishVariant(ref: ModelRef, version: string, target: string): Promise<void> {
    await this.deletePrefix(this.variantPrefix(ref, version, target));
  }

  async unpublish(ref: ModelRef, version: string): Promise<void> {
    await this.deletePrefix(this.prefix(ref, version));
  }

  /** Staged copies and downloads that crashed registrations left in the local staging folder. */
  async sweepLeftovers(options: { olderThanMs: number; dryRun: boolean }): Promise<Leftover[]> {
    return sweepFolder(this.stagingDir, 'staging', { ...options, nowMs: Date.now() });
  }

  async discard(staged: StagedArtifact): Promise<void> {
    await rm(staged.handle, { recursive: true, force: true });
  }

  stagedPath(staged: StagedArtifact): string {
    return stagedCopyPath(staged);
  }

  private parse(uri: string): { bucket: string; key: string } {
    const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri);
    if (!m) throw new ValidationError(`artifact ${uri} is not an s3:// URI; use the backend that stored it.`);
    return { bucket: m[1]!, key: m[2]! };
  }

  private async download(bucket: string, key: string, to: string): Promise<string> {
    let body: Readable;
    try {
      const out = await this.s3.send(
        new GetObjectCommand({ Bucket: bucket, Key: key, ChecksumMode: 'ENABLED' }),
      );
      body = out.Body as Readable;
    } catch (e) {
      if ((e as { name?: string }).name === 'NoSuchKey')
        throw new NotFoundError(`the artifact s3://${bucket}/${key} is missing.`);
      throw e;
    }
    await makeOutputDir(dirname(to));
    const hash = createHash('sha256');
    const tap = new Transform({
      transform(chunk: Buffer, _enc, done) {
        hash.update(chunk);
        done(null, chunk);
      },
    });
    try {
      await pipeline(body, tap, createWriteStream(to, { flags: 'wx' }));
    } catch (e) {
      if (isErrno(e, 'EEXIST')) throw new ValidationError(`${to} already exists; choose another --output.`);
      throw e;
    }
    return hash.digest('hex');
  }

  async fetch(artifact: ArtifactInfo, destDir: string): Promise<{ path: string; sha256: string }> {
    const { bucket, key } = this.parse(artifact.uri);
    await mkdir(destDir, { recursive: true });
    let target: string;
    let sha256: string;
    if (key.endsWith('/')) {
      if ((await readdir(destDir)).length > 0) {
        throw new ValidationError(
          `output directory ${destDir} is not empty; choose an empty or new --output.`,
        );
      }
      const entries: { path: string; sha256: string }[] = [];
      let token: string | undefined;
      do {
        const page = await this.s3.send(
          new ListObjectsV2Command({
            Bucket: bucket,
            Prefix: key,
            ...(token ? { ContinuationToken: token } : {}),
          }),
        );
        for (const o of page.Contents ?? []) {
          const rel = o.Key!.slice(key.length);
          entries.push({
            path: rel,
            sha256: await this.download(bucket, o.Key!, join(destDir, ...rel.split('/'))),
          });
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      target = destDir;
      sha256 = manifestDigest(entries);
    } else {
      target = join(destDir, key.slice(key.lastIndexOf('/') + 1));
      sha256 = await this.download(bucket, key, target);
    }
    if (sha256 !== artifact.sha256) {
      await rm(target, { recursive: true, force: true });
      throw new ArtifactIntegrityError(
        `the artifact ${artifact.uri} was altered after registration: sha256 is ${sha256}, registered ${artifact.sha256}. The copy was removed.`,
        { expected: artifact.sha256, actual: sha256, uri: artifact.uri },
      );
    }
    return { path: target, sha256 };
  }
}
