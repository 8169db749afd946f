/**
 * Where a registered artifact comes from over HTTP: a multipart upload (written to a
 * private temp directory, hashed, removed after the request), an `s3://` URI on the AWS
 * backend, or a path on the server, only under a root the host allowed.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, isAbsolute, join, relative, resolve } from 'node:path';
import type { Context } from 'hono';
import type { z } from 'zod';
import { parseInput } from '../../app/inputs.js';
import { ValidationError } from '../../core/errors.js';
import type { HttpEnv } from '../env.js';
import { ForbiddenError } from '../errors.js';
import { ACTOR_FIELDS, type CustomBody } from './route.js';

/** Which server-side sources a request may name. */
export interface SourcePolicy {
  /** Directories under which a server path may be registered; empty refuses every path. */
  roots: readonly string[];
  /** True on the AWS backend, where s3:// sources are read by the artifact store. */
  s3: boolean;
}

/** The server-side source of a JSON register, checked against the host's policy. */
export async function sourceOf(source: string | undefined, policy: SourcePolicy): Promise<string> {
  if (source === undefined || source === '')
    throw new ValidationError(
      'source is required: s3://bucket/key, a server path, or upload the file as multipart.',
      {
        field: 'source',
      },
    );
  if (source.startsWith('s3://')) {
    if (!policy.s3)
      throw new ValidationError('s3:// sources need the aws backend; upload the file as multipart instead.', {
        field: 'source',
      });
    return source;
  }
  if (!isAbsolute(source))
    throw new ValidationError('a server path source must be absolute.', { field: 'source' });
  let real: string;
  try {
    real = await realpath(source);
  } catch {
    throw new ValidationError(`source ${source} does not exist on the server.`, { field: 'source' });
  }
  for (const root of policy.roots) {
    const rel = relative(await realpath(resolve(root)).catch(() => resolve(root)), real);
    if (rel === '' || (!rel.startsWith('..') && !isAbsolute(rel))) return real;
  }
  throw new ForbiddenError(
    policy.roots.length === 0
      ? 'this server registers no server-side paths; upload the file as multipart (or start serve with --source-root DIR).'
      : `source ${source} is outside the allowed roots (${policy.roots.join(', ')}).`,
  );
}

/**
 * Reads a multipart register: field `artifact` (the file) and optional field `input`
 * (JSON of the other fields, checked with `fields`). Idempotency compares the file's
 * sha256 and the input, not the multipart framing.
 */
export function multipartUpload<F extends z.ZodType>(
  fields: F,
): CustomBody<z.output<F> & { upload: string }> {
  return {
    form: fields,
    read: async (c: Context<HttpEnv>) => {
      const form = await c.req.parseBody();
      const file = form.artifact;
      if (!(file instanceof File))
        throw new ValidationError(
          'the multipart form needs the file in field "artifact" (curl -F artifact=@model.pkl).',
          {
            field: 'artifact',
          },
        );
      let raw: unknown = {};
      if (typeof form.input === 'string' && form.input.trim() !== '') {
        try {
          raw = JSON.parse(form.input);
        } catch {
          throw new ValidationError('field "input" is not valid JSON.', { field: 'input' });
        }
      }
      const named = ACTOR_FIELDS.find((f) => raw !== null && typeof raw === 'object' && f in raw);
      if (named)
        throw new ValidationError(
          `${named}: who acted is the authenticated identity and cannot be set in a request; remove "${named}".`,
          { field: named },
        );
      const parsed = parseInput(fields, raw);
      const bytes = Buffer.from(await file.arrayBuffer());
      const name = basename(file.name || 'artifact').replace(/[^A-Za-z0-9_.-]/g, '_') || 'artifact';
      const dir = await mkdtemp(join(tmpdir(), 'modelreg-upload-'));
      const path = join(dir, name === '.' || name === '..' ? 'artifact' : name);
      await writeFile(path, bytes, { mode: 0o600 });
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      return {
        body: { ...(parsed as object), upload: path } as z.output<F> & { upload: string },
        fingerprint: { input: raw, name, sha256 },
        cleanup: () => rm(dir, { recursive: true, force: true }),
      };
    },
  };
}
