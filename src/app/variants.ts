/**
 * Use cases of artifact variants: add a built artifact of a version for a target, list a
 * version's variants, fetch one with the sha256 proof. The Registry exposes them.
 */
import * as z from 'zod';
import type { Actor, Decision } from '../core/decisions.js';
import { NotFoundError } from '../core/errors.js';
import type { ModelHead } from '../core/head.js';
import { type ModelRef, refLabel } from '../core/model.js';
import type { ArtifactStore, RegistryStore, StagedArtifact, VersionRecord } from '../core/ports.js';
import { decideAddVariant, TargetSchema, type Variant, variantIds } from '../core/variant.js';
import { OneLine, parseInput, type SelectorInput, SelectorSchema } from './inputs.js';
import { allPages } from './pages.js';

/** What the variant, deployment and explain use cases need from the Registry. */
export interface RecordUseCasePorts {
  store: RegistryStore;
  artifacts: ArtifactStore;
  who: (actor: string | undefined) => Actor;
  mutate: <R>(decide: () => Promise<Decision<R>>) => Promise<R>;
  load: (ref: ModelRef, sel: SelectorInput) => Promise<{ head: ModelHead; version: VersionRecord }>;
  requireHead: (ref: ModelRef) => Promise<ModelHead>;
}

/** Input of `models variant add`. */
export const AddVariantSchema = SelectorSchema.extend({
  target: TargetSchema,
  artifactPath: z.string().min(1, 'the built artifact is required (--artifact FILE)'),
  format: OneLine('the format (--format)', 128).optional(),
  precision: OneLine('the precision (--precision)', 128).optional(),
  builder: OneLine('the builder (--builder)', 128).optional(),
  addedBy: OneLine('the actor', 256).optional(),
});
export type AddVariantInput = z.input<typeof AddVariantSchema>;

/** Input of `models get --target`. */
export const GetVariantSchema = SelectorSchema.extend({
  target: TargetSchema,
  output: z.string().min(1, 'where to copy the variant is required (--output DIR)'),
});

/** The variants of one version, by target. */
export async function variantsOf(store: RegistryStore, ref: ModelRef, version: string): Promise<Variant[]> {
  const records = await allPages((cursor) =>
    store.listRecords('variant', { scope: variantIds.scope(ref) }, { limit: 1000, cursor }),
  );
  return records
    .map((r) => r.doc as unknown as Variant)
    .filter((v) => v.version === version)
    .sort((a, b) => a.target.localeCompare(b.target));
}

/** The variant of a version for a target, or a NotFoundError naming the targets there are. */
export async function requireVariant(
  store: RegistryStore,
  ref: ModelRef,
  version: string,
  target: string,
): Promise<Variant> {
  const found = await store.getRecord('variant', variantIds.id(ref, version, target));
  if (found) return found.doc as unknown as Variant;
  const targets = (await variantsOf(store, ref, version)).map((v) => v.target);
  throw new NotFoundError(
    `${refLabel(ref)} ${version} has no variant for ${target}; its variants: ${targets.join(', ') || 'none'}. Add one with models variant add --target ${target}.`,
    { version, target },
  );
}

/**
 * Hashes and stores a built artifact as a version's variant for a target and records it
 * (audited) in one commit. Refused before any bytes move when the target exists; a
 * variant whose record does not commit is removed again.
 */
export async function addVariant(ports: RecordUseCasePorts, input: AddVariantInput): Promise<Variant> {
  const req = parseInput(AddVariantSchema, input);
  const ref = { useCase: req.useCase, modelName: req.modelName };
  const { version } = await ports.load(ref, req);
  const id = variantIds.id(ref, version.version, req.target);
  const refuse = async (head: ModelHead) =>
    decideAddVariant(ref, head, await ports.store.getRecord('variant', id), probe, ports.who(req.addedBy));
  // the refusal is decided before staging, on a probe with no bytes
  const probe: Variant = {
    ...ref,
    version: version.version,
    target: req.target,
    artifact: { uri: '', sha256: '0'.repeat(64), sizeBytes: 0 },
    format: req.format ?? null,
    precision: req.precision ?? null,
    builder: req.builder ?? null,
    addedAt: '',
    addedBy: '',
  };
  await refuse(await ports.requireHead(ref));
  const staged: StagedArtifact = await ports.artifacts.stage(req.artifactPath);
  let published = false;
  try {
    const who = ports.who(req.addedBy);
    const artifact = await ports.artifacts.publishVariant(staged, ref, version.version, req.target, {
      ...ref,
      version: version.version,
      target: req.target,
      format: probe.format,
      precision: probe.precision,
      builder: probe.builder,
      sha256: staged.sha256,
      addedAt: who.now,
      addedBy: who.actor,
    });
    published = true;
    const variant: Variant = { ...probe, artifact, addedAt: who.now, addedBy: who.actor };
    const saved = await ports.mutate(async () => {
      const head = await ports.requireHead(ref);
      return decideAddVariant(ref, head, await ports.store.getRecord('variant', id), variant, who);
    });
    published = false;
    return saved;
  } finally {
    if (published) await ports.artifacts.unpublishVariant(ref, version.version, req.target).catch(() => {});
    await ports.artifacts.discard(staged);
  }
}

/** Copies a variant out and proves it still has the sha256 recorded when it was added. */
export async function getVariant(
  ports: RecordUseCasePorts,
  input: z.input<typeof GetVariantSchema>,
): Promise<{
  useCase: string;
  modelName: string;
  version: string;
  target: string;
  path: string;
  sha256: string;
  verified: true;
}> {
  const req = parseInput(GetVariantSchema, input);
  const ref = { useCase: req.useCase, modelName: req.modelName };
  const { version } = await ports.load(ref, req);
  const variant = await requireVariant(ports.store, ref, version.version, req.target);
  const got = await ports.artifacts.fetch(variant.artifact, req.output);
  return {
    ...ref,
    version: version.version,
    target: variant.target,
    path: got.path,
    sha256: got.sha256,
    verified: true,
  };
}
