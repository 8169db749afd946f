import * as z from 'zod';
import { ArtifactFormatSchema } from './formats.js';

/**
 * The lifecycle stages, in the order a version normally moves through them: a production
 * version a promotion replaced is `superseded` (a rollback target, archived by the archival
 * policy N days later); a `deprecated` version is kept fetchable but may not be promoted.
 */
export const STAGES = [
  'development',
  'staging',
  'production',
  'superseded',
  'deprecated',
  'archived',
] as const;
export const StageSchema = z.enum(STAGES);
/** A lifecycle stage. */
export type Stage = z.infer<typeof StageSchema>;

/** Where a version's bytes live and what they hash to, so `get` can prove they are unchanged. */
export const ArtifactInfoSchema = z.object({
  uri: z.string(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  sizeBytes: z.number().int().nonnegative(),
});
export type ArtifactInfo = z.infer<typeof ArtifactInfoSchema>;

/** A feature set a version was trained on, by name and version. */
export const FeatureSetRefSchema = z.object({ name: z.string(), version: z.string() });
export type FeatureSetRef = z.infer<typeof FeatureSetRefSchema>;

/** How a version was derived from another model's version (fine-tune, distillation …). */
export const PARENT_RELATIONS = ['fine-tune', 'distillation', 'retrain', 'derived'] as const;

/** The model version another one was derived from. */
export const ParentModelSchema = z.object({
  useCase: z.string(),
  modelName: z.string(),
  version: z.string(),
  relation: z.enum(PARENT_RELATIONS),
});
export type ParentModel = z.infer<typeof ParentModelSchema>;

/**
 * What produced a version: the training run, the dataset version (and the curation ruleset
 * that selected it), the code and its configuration, the feature set, and the parent model
 * of a fine-tune or distillation. The later fields are optional so that versions registered
 * before they existed still read.
 */
export const LineageSchema = z.object({
  runId: z.string().nullable(),
  datasetVersion: z.string().nullable(),
  codeVersion: z.string().nullable(),
  curationRuleset: z.string().nullable().optional(),
  configHash: z.string().nullable().optional(),
  featureSet: FeatureSetRefSchema.nullable().optional(),
  parent: ParentModelSchema.nullable().optional(),
});
export type Lineage = z.infer<typeof LineageSchema>;

export const MetricsSchema = z.record(z.string(), z.number());
/** Named numeric measurements of a version (auc, f1, loss …). */
export type Metrics = z.infer<typeof MetricsSchema>;

/**
 * A registered model version: the contract of `--json` output and of the TypeScript
 * API. `aliases` is derived from the model head when read.
 */
export const ModelVersionSchema = z.object({
  useCase: z.string(),
  modelName: z.string(),
  version: z.string(),
  stage: StageSchema,
  aliases: z.array(z.string()),
  artifact: ArtifactInfoSchema,
  metrics: MetricsSchema,
  metadata: z.record(z.string(), z.unknown()),
  lineage: LineageSchema,
  tags: z.record(z.string(), z.string()),
  registeredAt: z.string(),
  registeredBy: z.string(),
  stageUpdatedAt: z.string(),
  /** The release line the version targets (hardware or robot class, customer); null or absent: the default line. */
  line: z.string().nullable().optional(),
  /** What the version is, in a sentence; editable (`models edit`), absent on versions registered without one. */
  description: z.string().optional(),
  /** The artifact's format as detected from its bytes at registration (absent on older versions). */
  format: ArtifactFormatSchema.optional(),
});
export type ModelVersion = z.infer<typeof ModelVersionSchema>;

/** Identity of a model: use case + model name. */
export interface ModelRef {
  readonly useCase: string;
  readonly modelName: string;
}

/** The display form `useCase/modelName`, used in messages. */
export function refLabel(ref: ModelRef): string {
  return `${ref.useCase}/${ref.modelName}`;
}
