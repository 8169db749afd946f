import * as z from 'zod';
import { ValidationError } from './errors.js';

/**
 * The artifact formats registration recognises from the bytes (never the file name), so
 * that `info`, the web UI and the `forbid_formats` gate speak of what an artifact really is.
 */
export const FORMAT_NAMES = [
  'onnx',
  'safetensors',
  'pickle',
  'joblib',
  'pytorch',
  'torchscript',
  'tensorflow-savedmodel',
  'directory',
  'unknown',
] as const;
export const FormatNameSchema = z.enum(FORMAT_NAMES);
/** A format's name. */
export type FormatName = z.infer<typeof FormatNameSchema>;

/** Formats whose loading unpickles, i.e. runs code the artifact's author chose. */
export const PICKLE_BASED: readonly FormatName[] = ['pickle', 'joblib', 'pytorch'];

/** A tensor as a format declares it: ONNX graph inputs/outputs, safetensors entries. */
export const TensorInfoSchema = z.object({
  name: z.string(),
  /** Element type as the format names it (`float32`, `F32`, `int64` …). */
  dtype: z.string(),
  /** Dimensions; a string is a symbolic dimension (`batch`), null an unknown one. */
  shape: z.array(z.union([z.number(), z.string(), z.null()])).nullable(),
});
export type TensorInfo = z.infer<typeof TensorInfoSchema>;

/**
 * What detection found, kept on the version in its own `format` field (not in the user's
 * `metadata`, so a caller can neither forge nor clobber it and it has its own schema).
 * Lists are capped (see FORMAT_LIST_CAP) with the full count beside them, so a version
 * still fits one DynamoDB item whatever the artifact holds.
 */
export const ArtifactFormatSchema = z.object({
  name: FormatNameSchema,
  /** Why detection settled on `unknown` (or what it could not read). */
  reason: z.string().optional(),
  /** ONNX: IR version, operator sets, producer and graph signature. */
  irVersion: z.number().optional(),
  opsets: z.array(z.object({ domain: z.string(), version: z.number() })).optional(),
  producer: z.string().optional(),
  graphName: z.string().optional(),
  inputs: z.array(TensorInfoSchema).optional(),
  outputs: z.array(TensorInfoSchema).optional(),
  /** safetensors: tensors, how many there are, their dtypes and the `__metadata__` map. */
  tensors: z.array(TensorInfoSchema).optional(),
  tensorCount: z.number().int().optional(),
  dtypes: z.array(z.string()).optional(),
  headerMetadata: z.record(z.string(), z.string()).optional(),
  /** pickle/joblib: the pickle protocol, and the compression of a compressed joblib file. */
  protocol: z.number().int().optional(),
  compression: z.string().optional(),
  /** Zip-based formats: the archive's top folder; directories: how many files. */
  archiveRoot: z.string().optional(),
  fileCount: z.number().int().optional(),
  /** SavedModel: whether the variables/ and assets/ folders are present. */
  hasVariables: z.boolean().optional(),
  hasAssets: z.boolean().optional(),
  /** Set when a list above was cut to FORMAT_LIST_CAP entries. */
  truncated: z.boolean().optional(),
});
export type ArtifactFormat = z.infer<typeof ArtifactFormatSchema>;

/** At most this many inputs, outputs or tensors are kept on a version. */
export const FORMAT_LIST_CAP = 64;

/** Whether loading the artifact runs code (pickle, joblib, PyTorch's zip of pickles). */
export function isPickleBased(format: ArtifactFormat | undefined | null): boolean {
  return format !== undefined && format !== null && PICKLE_BASED.includes(format.name);
}

/** The warning `info` and `get` print for a pickle-based artifact, or null for any other. */
export function pickleWarning(format: ArtifactFormat | undefined | null): string | null {
  if (!format || !isPickleBased(format)) return null;
  const what = {
    pickle: 'a pickle',
    joblib: 'a joblib file (a pickle)',
    pytorch: 'a PyTorch checkpoint (a zip of pickles)',
  };
  return `this artifact is ${what[format.name as keyof typeof what]}: loading it executes code chosen by whoever wrote it. Load it only if you trust its producer; prefer safetensors or ONNX.`;
}

/**
 * Reads the format list of a `forbid_formats` gate: an array of names, or one
 * comma-separated string as a command line gives it. An unknown name is refused with the
 * names allowed (`details.allowed`, from which the CLI suggests the nearest).
 */
export function parseFormatList(value: unknown): FormatName[] {
  const items =
    typeof value === 'string'
      ? value.split(',').map((s) => s.trim())
      : Array.isArray(value)
        ? value
        : undefined;
  if (items === undefined || items.length === 0 || items.some((i) => typeof i !== 'string' || i === '')) {
    throw new ValidationError(
      `gate forbid_formats takes a list of format names (${FORMAT_NAMES.join(', ')}), not ${JSON.stringify(value)}: write it as forbid_formats=pickle,joblib.`,
      { gate: 'forbid_formats', allowed: [...FORMAT_NAMES] },
    );
  }
  for (const item of items as string[]) {
    if (!FormatNameSchema.safeParse(item).success) {
      throw new ValidationError(
        `gate forbid_formats names ${JSON.stringify(item)}, which is not a format; formats are ${FORMAT_NAMES.join(', ')}.`,
        { gate: 'forbid_formats', value: item, allowed: [...FORMAT_NAMES] },
      );
    }
  }
  return [...new Set(items as FormatName[])];
}

/** One line describing a format for `info` (name, and the signature where there is one). */
export function describeFormat(format: ArtifactFormat | undefined | null): string {
  if (!format) return 'not detected (registered before format detection)';
  const parts: string[] = [format.name];
  if (format.irVersion !== undefined) parts.push(`IR ${format.irVersion}`);
  if (format.opsets?.length)
    parts.push(`opset ${format.opsets.map((o) => `${o.domain || 'ai.onnx'}:${o.version}`).join(', ')}`);
  if (format.producer) parts.push(`by ${format.producer}`);
  if (format.tensorCount !== undefined)
    parts.push(`${format.tensorCount} tensors (${format.dtypes?.join(', ')})`);
  if (format.protocol !== undefined) parts.push(`protocol ${format.protocol}`);
  if (format.compression) parts.push(`${format.compression}-compressed`);
  if (format.fileCount !== undefined) parts.push(`${format.fileCount} files`);
  if (format.reason) parts.push(`(${format.reason})`);
  return parts.join(', ');
}

/** A tensor as one short string: `input float32[batch,3,224,224]`. */
export function describeTensor(t: TensorInfo): string {
  const shape = t.shape === null ? '' : `[${t.shape.map((d) => (d === null ? '?' : String(d))).join(',')}]`;
  return `${t.name} ${t.dtype}${shape}`;
}
