/**
 * Artifact variants: a built form of a version for one hardware target (a TensorRT engine
 * for a Jetson, an int8 ONNX for a CPU box). Like versions they are immutable: one per
 * version and target, stored beside the model and hashed so `get --target` can prove them.
 */
import * as z from 'zod';
import type { AuditDraft } from './audit.js';
import { recordChange } from './change.js';
import type { Actor, Decision } from './decisions.js';
import { ConflictError } from './errors.js';
import type { ModelHead } from './head.js';
import { ArtifactInfoSchema, type ModelRef, refLabel } from './model.js';

/** A target name: letters, digits, `_`, `.` or `-` (it becomes a folder name). */
export const TargetSchema = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/,
    'a target is letters, digits, "_", "." or "-" (at most 64), e.g. jetson-orin-int8',
  );

/** One built artifact of a version for one target, with what it was built as and by. */
export const VariantSchema = z.object({
  useCase: z.string(),
  modelName: z.string(),
  version: z.string(),
  target: TargetSchema,
  artifact: ArtifactInfoSchema,
  format: z.string().nullable(),
  precision: z.string().nullable(),
  builder: z.string().nullable(),
  addedAt: z.string(),
  addedBy: z.string(),
});
export type Variant = z.infer<typeof VariantSchema>;

/** Record ids and scope of variants, one place. */
export const variantIds = {
  id: (ref: ModelRef, version: string, target: string) =>
    `${ref.useCase}/${ref.modelName}/${version}/${target}`,
  scope: (ref: ModelRef) => `${ref.useCase}/${ref.modelName}`,
};

/** Raised when a version already has a variant for the target: variants are never replaced. */
export class VariantExistsError extends ConflictError {
  override readonly name = 'VariantExistsError';
}

/** Refuses a second variant of a version for the same target, before any bytes move. */
export function assertNoVariant(ref: ModelRef, version: string, target: string, existing: unknown): void {
  if (existing) {
    throw new VariantExistsError(
      `${refLabel(ref)} ${version} already has a variant for ${target}; variants are immutable like versions. Register a new version, or use another --target name.`,
      { version, target },
    );
  }
}

/** Records a variant with its `variant.add` audit event, in one change. */
export function decideAddVariant(
  ref: ModelRef,
  head: ModelHead,
  existing: unknown,
  variant: Variant,
  who: Actor,
): Decision<Variant> {
  assertNoVariant(ref, variant.version, variant.target, existing);
  const record = {
    kind: 'variant' as const,
    id: variantIds.id(ref, variant.version, variant.target),
    scope: variantIds.scope(ref),
    doc: variant as unknown as Record<string, unknown>,
  };
  const draft: AuditDraft = {
    at: who.now,
    actor: who.actor,
    action: 'variant.add',
    version: variant.version,
    fromStage: null,
    toStage: null,
    details: {
      target: variant.target,
      sha256: variant.artifact.sha256,
      sizeBytes: variant.artifact.sizeBytes,
      format: variant.format,
      precision: variant.precision,
      builder: variant.builder,
    },
  };
  return {
    change: recordChange(ref, head, [{ record, expect: 'absent' }], [draft], who.now),
    result: variant,
  };
}
